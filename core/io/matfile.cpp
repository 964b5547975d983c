// SPDX-License-Identifier: MIT
// MATLAB .mat files (v4, v5/v7, v7.3) through matio, in a child process.
//
// matio (and HDF5 under it) crash, allocate gigabytes or spin for seconds on hostile files of a few
// hundred bytes. So a .mat file is listed or read in three steps:
// 1. checkMatLayout() (matlayout.cpp, our code) walks the file's structure and refuses what can
//    be refused before matio allocates anything: sizes against the file, nesting depth,
//    compressed streams that are truncated, damaged or expand beyond the inflate limit.
// 2. A short-lived child process (IsolatedProcess: fork, no exec) opens the file with matio and
//    sends back every variable's header (name, class, dimensions). To load, it also chooses the
//    variable asked for (by name, or the only loadable one), checks it against the budget and
//    streams its raw values back through a pipe, under a memory and a time limit. A crash or an
//    exhausted limit ends the child only and becomes one sentence: "... is not a readable MATLAB
//    file: the MATLAB reader (matio) crashed".
// 3. The parent makes every decision again on the listing it received (choice, budget, reshape):
//    the variable the child sent must be the one the parent chooses, and one the layout walk of
//    step 1 found, with the same name, class and dimensions. It then decodes the raw values into
//    the matrices of the reshape plan.

#include "isolation.h"
#include "matlayout.h"
#include "matrixio_p.h"
#include "tensorfill.h"

#include <matio.h>
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#define FS_HAVE_HDF5 1
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace factorscope::core::detail {

namespace {

// --- the child's answer: records on the pipe -------------------------------------------------------

// 'M' text: a message of matio's logger (the last one explains a failure).
// 'F' text: the listing's format ("MATLAB v5 .mat").
// 'T' text name, u32 rank, u64 dims[rank], text dtype, u64 bytes, u32 problem kind, text problem:
//     one variable's header, in the file's order.
// 'L' u64 bytes, u64 milliseconds: the child is about to read that many bytes; the limits grow.
// 'E' u32 kind, text: the chosen variable cannot be read, for this reason.
// 'R' u32 index, u32 class: the chosen variable (index into the listing); its count·size(class)
//     raw bytes follow, column-major, in the machine's byte order.
// 'Z': the child is done.
// Text is u32 length and bytes.
constexpr std::uint64_t childOverheadBytes = std::uint64_t(64) << 20; // matio, HDF5, their buffers
constexpr double childBytesPerSecond = 20.0 * 1024 * 1024;            // the slowest reading allowed
constexpr std::size_t maxRecordText = 64 * 1024;
constexpr std::uint64_t maxListingText = std::uint64_t(16) << 20;      // all names and dtypes together
constexpr std::size_t maxVariables = 100000; // a damaged directory must not loop forever
constexpr std::uint32_t maxRank = 64;        // as the layout check (MatLayoutLimits::maxRank)

class ChildWriter
{
public:
    explicit ChildWriter(int fd) : m_fd(fd) {}
    void u8(char v) { put(&v, 1); }
    void u32(std::uint32_t v) { put(&v, 4); }
    void u64(std::uint64_t v) { put(&v, 8); }
    void text(const std::string &s)
    {
        const std::size_t n = std::min(s.size(), maxRecordText);
        u32(std::uint32_t(n));
        put(s.data(), n);
    }
    void put(const void *data, std::size_t n)
    {
        if (m_ok)
            m_ok = IsolatedProcess::writeAll(m_fd, data, n);
    }
    void error(LoadErrorKind kind, const std::string &reason)
    {
        u8('E');
        u32(std::uint32_t(kind));
        text(reason);
        u8('Z');
    }

private:
    int m_fd;
    bool m_ok = true;
};

ChildWriter *childWriter = nullptr; // the child is single-threaded
int childMessages = 0;

std::string childLastMessage;

// matio reports problems through a logger that prints to stderr by default; in the child its
// messages go to the parent, which names the last one in its error.
void sendMatioMessage(int level, char *message)
{
    (void)level;
    childLastMessage = message ? message : "";
    if (childWriter && message && childMessages++ < 16) {
        childWriter->u8('M');
        childWriter->text(message);
    }
}

/// True if the file has the HDF5 signature at offset 512, where MATLAB v7.3 puts it.
bool hasHdf5Signature(const std::string &path)
{
    FilePtr f(std::fopen(path.c_str(), "rb"));
    unsigned char sig[8];
    return f && std::fseek(f.get(), 512, SEEK_SET) == 0 && std::fread(sig, 1, 8, f.get()) == 8
           && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

struct MatCloser
{
    void operator()(mat_t *mat) const
    {
        if (mat)
            Mat_Close(mat);
    }
};
struct VarFreer
{
    void operator()(matvar_t *var) const
    {
        if (var)
            Mat_VarFree(var);
    }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFreer>;

bool isNumericClass(matio_classes c)
{
    switch (c) {
    case MAT_C_DOUBLE:
    case MAT_C_SINGLE:
    case MAT_C_INT8:
    case MAT_C_UINT8:
    case MAT_C_INT16:
    case MAT_C_UINT16:
    case MAT_C_INT32:
    case MAT_C_UINT32:
    case MAT_C_INT64:
    case MAT_C_UINT64:
        return true;
    default:
        return false;
    }
}

std::string className(const matvar_t *v)
{
    if (v->isLogical)
        return "logical";
    std::string name;
    switch (v->class_type) {
    case MAT_C_EMPTY: name = "empty"; break;
    case MAT_C_CELL: name = "cell"; break;
    case MAT_C_STRUCT: name = "struct"; break;
    case MAT_C_OBJECT: name = "object"; break;
    case MAT_C_CHAR: name = "char"; break;
    case MAT_C_SPARSE: name = "sparse"; break;
    case MAT_C_DOUBLE: name = "double"; break;
    case MAT_C_SINGLE: name = "single"; break;
    case MAT_C_INT8: name = "int8"; break;
    case MAT_C_UINT8: name = "uint8"; break;
    case MAT_C_INT16: name = "int16"; break;
    case MAT_C_UINT16: name = "uint16"; break;
    case MAT_C_INT32: name = "int32"; break;
    case MAT_C_UINT32: name = "uint32"; break;
    case MAT_C_INT64: name = "int64"; break;
    case MAT_C_UINT64: name = "uint64"; break;
    case MAT_C_FUNCTION: name = "function handle"; break;
    case MAT_C_OPAQUE: name = "opaque object"; break;
    }
    if (name.empty())
        name = "unknown class";
    return v->isComplex ? "complex " + name : name;
}

std::vector<std::uint64_t> dimsOf(const matvar_t *v)
{
    std::vector<std::uint64_t> dims;
    if (v->dims)
        for (int k = 0; k < v->rank; ++k)
            dims.push_back(std::uint64_t(v->dims[k]));
    return dims;
}

std::string versionName(mat_ft version)
{
    switch (version) {
    case MAT_FT_MAT73: return "v7.3";
    case MAT_FT_MAT5: return "v5";
    case MAT_FT_MAT4: return "v4";
    default: return "";
    }
}

std::optional<Element> elementOf(matio_classes c)
{
    switch (c) {
    case MAT_C_DOUBLE: return Element::Float64;
    case MAT_C_SINGLE: return Element::Float32;
    case MAT_C_INT8: return Element::Int8;
    case MAT_C_UINT8: return Element::UInt8;
    case MAT_C_INT16: return Element::Int16;
    case MAT_C_UINT16: return Element::UInt16;
    case MAT_C_INT32: return Element::Int32;
    case MAT_C_UINT32: return Element::UInt32;
    case MAT_C_INT64: return Element::Int64;
    case MAT_C_UINT64: return Element::UInt64;
    default: return std::nullopt;
    }
}

/// Every variable's header (class, rank, dims), without reading any data.
TensorListing listVariables(mat_t *mat, const std::string &version)
{
    TensorListing listing;
    listing.format = "MATLAB " + (version.empty() ? std::string() : version + " ") + ".mat";
    constexpr std::size_t maxVariables = 100000; // a damaged directory must not loop forever
    while (listing.tensors.size() < maxVariables) {
        VarPtr var(Mat_VarReadNextInfo(mat));
        if (!var)
            break;
        TensorInfo info;
        info.name = var->name ? var->name : "";
        info.shape = dimsOf(var.get());
        info.dtype = className(var.get());
        const bool numeric = isNumericClass(var->class_type) && !var->isComplex;
        std::uint64_t count = 0;
        const bool fits = checkedProduct(info.shape, &count);
        if (!fits || !checkedMul(count, Mat_SizeOfClass(var->class_type), &info.bytes))
            info.bytes = std::numeric_limits<std::uint64_t>::max();
        if (numeric && fits && count == 0) {
            info.problem = "is empty (" + dimsText(info.shape) + ")";
            info.problemKind = LoadErrorKind::Empty;
        } else if (!numeric) {
            info.problem = "is a " + info.dtype + " variable, not a real numeric array";
            info.problemKind = LoadErrorKind::Unsupported;
        }
        listing.tensors.push_back(std::move(info));
    }
    return listing;
}

/// What loading the variable @p request asks for needs, decided on a listing alone: the same
/// function in the child (before matio reads any data) and in the parent (on what the child sent).
/// Fills *index, *plan, *note; the failure otherwise.
std::optional<LoadResult> chooseVariable(const TensorListing &listing, const TensorRequest &request,
                                         const LoadLimits &limits, bool v73, std::uint64_t fileSize,
                                         std::size_t *index, ReshapePlan *plan, std::string *note)
{
    if (listing.tensors.empty())
        return failure(LoadErrorKind::Empty, "contains no variables");
    if (auto bad = pickTensor(listing, request.name, index, note))
        return bad;
    const TensorInfo &chosen = listing.tensors[*index];
    if (auto bad = planArray(chosen.shape, request.reshape, true, limits, "has", plan))
        return forTensor(std::move(*bad), chosen.name);
    // The reading holds matio's copy of the raw values besides the doubles.
    std::uint64_t count = 0;
    const bool fits = checkedProduct(chosen.shape, &count) && count > 0;
    const std::uint64_t classSize = fits ? chosen.bytes / count : 0;
    if (!fits || chosen.bytes % count != 0 || (classSize != 1 && classSize != 2 && classSize != 4 && classSize != 8))
        return failure(LoadErrorKind::Malformed, "is not a readable MATLAB file: the MATLAB reader's answer is damaged");
    const std::optional<std::uint64_t> need = matLoadBytes(count, std::size_t(classSize));
    if (!need || *need > budgetBytes(limits))
        return forTensor(failure(LoadErrorKind::TooLarge,
                                 "has " + dimsText(chosen.shape) + " " + chosen.dtype
                                     + " values, which with matio's copy of them need more than the memory budget of "
                                     + budgetText(limits)),
                         chosen.name);
    // A v7.3 variable's values may be stored compressed by HDF5, where the layout check cannot
    // see them: they are held to the limit compressed v5 variables have.
    const MatLayoutLimits layoutLimits;
    if (v73 && chosen.bytes > layoutLimits.inflateCap(fileSize))
        return forTensor(failure(LoadErrorKind::TooLarge,
                                 "has " + dimsText(chosen.shape) + " " + chosen.dtype + " values ("
                                     + std::to_string(chosen.bytes) + " bytes); the values of a "
                                     + std::to_string(fileSize) + "-byte file may expand to at most "
                                     + bytesText(layoutLimits.inflateCap(fileSize)) + " ("
                                     + bytesText(layoutLimits.inflateFloorBytes) + ", or "
                                     + std::to_string(layoutLimits.inflateRatio) + " times the file's size)"),
                         chosen.name);
    return std::nullopt;
}

/// The child: matio opens the file and lists it; with a @p request, the variable is chosen and
/// its raw values are sent.
void readInChild(int fd, const std::string &path, std::uint64_t fileSize, const TensorRequest *request,
                 const LoadLimits &limits)
{
    ChildWriter out(fd);
    childWriter = &out;
    Mat_LogInitFunc("factorscope", &sendMatioMessage);
#ifdef FS_HAVE_HDF5
    // HDF5 prints its error stack to stderr on a damaged v7.3 file; the parent reports its own.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
#endif

    static const char *const damaged73 =
        "is a MATLAB v7.3 (HDF5) file that cannot be read; it may be truncated or damaged";
    MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!mat)
        return out.error(LoadErrorKind::Malformed,
                         hasHdf5Signature(path) ? damaged73 : "is not a MATLAB .mat file matio can read");
    const mat_ft ft = Mat_GetVersion(mat.get());
    const std::string version = versionName(ft);
#ifdef FS_HAVE_HDF5
    if (ft == MAT_FT_MAT73) {
        // matio opens a v7.3 file whose HDF5 part is damaged and then lists no variables; ask
        // HDF5 directly so that is not reported as an empty file.
        const hid_t h5 = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        if (h5 < 0)
            return out.error(LoadErrorKind::Malformed, damaged73);
        H5Fclose(h5);
    }
#endif

    const TensorListing listing = listVariables(mat.get(), version);
    out.u8('F');
    out.text(listing.format);
    for (const TensorInfo &t : listing.tensors) {
        out.u8('T');
        out.text(t.name);
        out.u32(std::uint32_t(std::min<std::size_t>(t.shape.size(), maxRank + 1)));
        for (std::size_t k = 0; k < t.shape.size() && k <= maxRank; ++k)
            out.u64(t.shape[k]);
        out.text(t.dtype);
        out.u64(t.bytes);
        out.u32(std::uint32_t(t.problemKind));
        out.text(t.problem);
    }
    std::size_t index = 0;
    ReshapePlan plan;
    std::string note;
    // A variable that cannot be chosen: the parent finds the same reason on the listing.
    if (!request
        || chooseVariable(listing, *request, limits, ft == MAT_FT_MAT73, fileSize, &index, &plan, &note)) {
        out.u8('Z');
        return;
    }
    const TensorInfo &chosen = listing.tensors[index];

    // Budget checked: read the data of the chosen variable only, with limits grown to fit it.
    out.u8('L');
    out.u64(chosen.bytes);
    out.u64(std::uint64_t(1000.0 * double(chosen.bytes) / childBytesPerSecond));
    IsolatedProcess::raiseChildMemoryLimit(chosen.bytes + childOverheadBytes);
    childMessages = 0;
    childLastMessage.clear();
    VarPtr var(Mat_VarRead(mat.get(), chosen.name.c_str()));
    if (!var || !var->data)
        return out.error(LoadErrorKind::Malformed,
                         "could not be read; the file may be damaged or truncated"
                             + (childLastMessage.empty() ? std::string() : " (" + printable(childLastMessage, 120) + ")"));
    if (dimsOf(var.get()) != chosen.shape || !elementOf(var->class_type) || var->isComplex
        || className(var.get()) != chosen.dtype)
        return out.error(LoadErrorKind::Malformed, "changed between two reads of its header");
    if (std::uint64_t(var->nbytes) < chosen.bytes)
        return out.error(LoadErrorKind::Truncated, "holds fewer values than its dimensions declare");
    out.u8('R');
    out.u32(std::uint32_t(index));
    out.u32(std::uint32_t(var->class_type));
    out.put(var->data, std::size_t(chosen.bytes));
    out.u8('Z');
}

/// The parent's side of the pipe.
class ChildReader
{
public:
    explicit ChildReader(IsolatedProcess &child) : m_child(child) {}
    bool u8(char *v) { return m_child.read(v, 1); }
    bool u32(std::uint32_t *v) { return m_child.read(v, 4); }
    bool u64(std::uint64_t *v) { return m_child.read(v, 8); }
    bool text(std::string *s)
    {
        std::uint32_t n = 0;
        if (!u32(&n) || n > maxRecordText)
            return false;
        s->resize(n);
        return m_child.read(s->data(), n);
    }

private:
    IsolatedProcess &m_child;
};

/// What the child said, checked record by record.
struct ChildAnswer
{
    std::optional<TensorListing> listing;
    std::optional<LoadResult> error;   ///< a failure the child or the protocol check found
    bool haveValues = false;
    std::uint32_t index = 0, matClass = 0;
    std::vector<unsigned char> raw;    ///< the chosen variable's values, as matio holds them
};

/// Runs the child (list only, or list and load @p request) and reads its answer. The failure is
/// one sentence; a crash or an exhausted limit is "is not a readable MATLAB file: ...".
ChildAnswer runChild(InputFile &input, const std::string &path, const MatLayout &layout, const TensorRequest *request,
                     const LoadLimits &limits)
{
    ChildAnswer answer;
    IsolationLimits isolation;
    isolation.memoryBytes = childOverheadBytes;
    isolation.seconds = 3.0 + double(input.size + layout.inflatedBytes) / childBytesPerSecond;
    IsolatedProcess child;
    const std::uint64_t fileSize = input.size;
    if (!child.start([&](int fd) { readInChild(fd, path, fileSize, request, limits); }, isolation)) {
        answer.error = failure(LoadErrorKind::Unreadable, "could not be read: the MATLAB reader " + child.describe());
        return answer;
    }

    ChildReader in(child);
    std::string lastMessage;
    bool done = false;
    std::uint64_t listingText = 0;
    auto protocolError = [] {
        return failure(LoadErrorKind::Malformed, "is not a readable MATLAB file: the MATLAB reader's answer is damaged");
    };
    TensorListing listing;
    bool haveFormat = false;
    char tag = 0;
    while (!done && !answer.error && in.u8(&tag)) {
        if (tag == 'M') {
            if (!in.text(&lastMessage))
                break;
        } else if (tag == 'F') {
            if (!in.text(&listing.format))
                break;
            haveFormat = true;
        } else if (tag == 'T') {
            TensorInfo info;
            std::uint32_t rank = 0, kind = 0;
            if (!haveFormat || listing.tensors.size() >= maxVariables || !in.text(&info.name) || !in.u32(&rank)
                || rank > maxRank) {
                answer.error = protocolError();
                break;
            }
            info.shape.resize(rank);
            bool ok = true;
            for (std::uint64_t &d : info.shape)
                ok = ok && in.u64(&d);
            ok = ok && in.text(&info.dtype) && in.u64(&info.bytes) && in.u32(&kind) && in.text(&info.problem);
            listingText += info.name.size() + info.dtype.size() + info.problem.size() + 8 * rank;
            if (!ok || kind > std::uint32_t(LoadErrorKind::Unsupported) || listingText > maxListingText) {
                answer.error = protocolError();
                break;
            }
            info.problemKind = LoadErrorKind(kind);
            listing.tensors.push_back(std::move(info));
        } else if (tag == 'L') {
            std::uint64_t bytes = 0, milliseconds = 0;
            if (!in.u64(&bytes) || !in.u64(&milliseconds))
                break;
            child.extend(std::min(bytes, budgetBytes(limits)), std::min(double(milliseconds), 3.6e6) / 1000.0);
        } else if (tag == 'E') {
            std::uint32_t kind = 0;
            std::string reason;
            if (!in.u32(&kind) || !in.text(&reason))
                break;
            if (kind > std::uint32_t(LoadErrorKind::Unsupported) || reason.empty())
                answer.error = protocolError();
            else
                answer.error = failure(LoadErrorKind(kind), reason);
        } else if (tag == 'R') {
            // The parent's own choice decides what it accepts and how much it allocates.
            std::size_t index = 0;
            ReshapePlan plan;
            std::string note;
            if (!request || !haveFormat || !in.u32(&answer.index) || !in.u32(&answer.matClass)
                || chooseVariable(listing, *request, limits, layout.version == MatLayout::Version::V73, fileSize,
                                  &index, &plan, &note)
                || index != answer.index) {
                answer.error = protocolError();
                break;
            }
            const TensorInfo &chosen = listing.tensors[index];
            answer.raw.resize(std::size_t(chosen.bytes)); // within the budget: chooseVariable()
            if (!child.read(answer.raw.data(), answer.raw.size()))
                break;
            answer.haveValues = true;
        } else if (tag == 'Z') {
            done = true;
        } else {
            answer.error = protocolError();
        }
    }
    child.finish();
    if (haveFormat)
        answer.listing = listing; // names the variable an error is about
    if (answer.error)
        return answer;
    if (!done || !haveFormat) {
        std::string reason = "is not a readable MATLAB file: the MATLAB reader (matio) " + child.describe();
        if (child.outcome() == IsolatedProcess::Outcome::Finished
            || child.outcome() == IsolatedProcess::Outcome::Running)
            reason = "is not a readable MATLAB file: the MATLAB reader (matio) ended without an answer";
        if (!lastMessage.empty())
            reason += " (matio: " + quoted(lastMessage, 120) + ")";
        answer.error = failure(LoadErrorKind::Malformed, reason);
        answer.raw.clear();
        answer.haveValues = false;
        return answer;
    }
    answer.listing = std::move(listing);
    return answer;
}

/// Our own layout check, on the open file.
std::optional<LoadResult> checkLayout(InputFile &input, const LoadLimits &limits, MatLayout *layout)
{
    const MatLayoutLimits layoutLimits;
    if (auto bad = checkMatLayout(input.file.get(), input.size, limits, layoutLimits, layout))
        return bad;
    input.file.reset();
    return std::nullopt;
}

} // namespace

ListResult listMat(InputFile &input, const std::string &path)
{
    MatLayout layout;
    if (auto bad = checkLayout(input, LoadLimits::defaults(), &layout))
        return listFailure(*bad);
    ChildAnswer answer = runChild(input, path, layout, nullptr, LoadLimits::defaults());
    if (answer.error)
        return listFailure(*answer.error);
    ListResult r;
    r.listing = std::move(answer.listing);
    return r;
}

LoadResult loadMat(InputFile &input, const std::string &path, const TensorRequest &request, const LoadLimits &limits)
{
    // 1. The layout, by our own code.
    MatLayout layout;
    if (auto bad = checkLayout(input, limits, &layout))
        return std::move(*bad);

    // 2. matio, in a child process.
    ChildAnswer answer = runChild(input, path, layout, &request, limits);
    if (answer.error) {
        // An error about the chosen variable names it.
        if (answer.listing) {
            std::size_t index = 0;
            ReshapePlan plan;
            std::string note;
            if (!chooseVariable(*answer.listing, request, limits, layout.version == MatLayout::Version::V73,
                                input.size, &index, &plan, &note))
                return forTensor(std::move(*answer.error), answer.listing->tensors[index].name);
        }
        return std::move(*answer.error);
    }

    // 3. Its answer, checked: the parent's own choice on the listing.
    const TensorListing &listing = *answer.listing;
    std::size_t index = 0;
    ReshapePlan plan;
    std::string skipped;
    if (auto bad = chooseVariable(listing, request, limits, layout.version == MatLayout::Version::V73, input.size,
                                  &index, &plan, &skipped))
        return std::move(*bad);
    const TensorInfo &chosen = listing.tensors[index];
    const std::optional<Element> element = elementOf(matio_classes(answer.matClass));
    if (!answer.haveValues || !element
        || std::uint64_t(elementSize(*element)) * std::uint64_t(plan.rows) * std::uint64_t(plan.cols) * plan.channelCount
               != chosen.bytes)
        return failure(LoadErrorKind::Malformed, "is not a readable MATLAB file: the MATLAB reader's answer is damaged");
    // The variable matio read must be one the layout walk found and checked.
    if (layout.version != MatLayout::Version::V73) {
        const bool v5 = layout.version == MatLayout::Version::V5;
        const bool known = std::any_of(layout.variables.begin(), layout.variables.end(), [&](const MatVariableLayout &v) {
            return v.name == chosen.name && v.dims == chosen.shape
                   && (!v5 || (v.matClass == int(answer.matClass) && !v.complex));
        });
        if (!known)
            return failure(LoadErrorKind::Malformed, "is not a readable MATLAB file: matio read a variable "
                                                         + nameText(chosen.name) + " that its layout does not hold");
    }

    // MATLAB stores column-major: the first index fastest (Fortran order), in the machine's order.
    bool beyond53 = false;
    LoadedMatrix out;
    out.channels = decodeArray(answer.raw.data(), *element, hostIsBigEndian(), true, plan, &beyond53);
    answer.raw = {};
    out.tensor = chosen.name;
    out.shape = chosen.shape;
    out.reshape = plan.text;
    out.format = listing.format + ", variable " + nameText(chosen.name) + " (" + chosen.dtype + ")";
    if (!skipped.empty())
        out.notes.push_back(skipped);
    if (!plan.note.empty())
        out.notes.push_back(plan.note);
    if (beyond53)
        out.notes.push_back("Some " + chosen.dtype + " values exceed 2^53 in magnitude and were rounded to the nearest double.");
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace factorscope::core::detail
