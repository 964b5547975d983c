// SPDX-License-Identifier: MIT
// MATLAB .mat files (v4, v5/v7, v7.3) through matio, in a child process.
//
// matio (and HDF5 under it) crash, allocate gigabytes or spin for seconds on hostile files of a few
// hundred bytes. So a .mat file is read in three steps:
// 1. checkMatLayout() (matlayout.cpp, our code) walks the file's structure and refuses what can
//    be refused before matio allocates anything: sizes against the file and the budget, nesting
//    depth, compressed streams that are truncated, damaged or expand beyond the inflate limit.
// 2. A short-lived child process (IsolatedProcess: fork, no exec) opens the file with matio,
//    chooses the variable, checks it against the budget and streams its raw values back through a
//    pipe, under a memory and a time limit. A crash or an exhausted limit ends the child only and
//    becomes one sentence: "... is not a readable MATLAB file: the MATLAB reader (matio) crashed".
// 3. The parent checks the answer against the layout of step 1 (the variable matio read must be
//    one the walk found, with the same name, class and dimensions) and converts the values to
//    doubles in place, in the matrix it allocated once.

#include "isolation.h"
#include "matlayout.h"
#include "matrixio_p.h"

#include <matio.h>
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#define FS_HAVE_HDF5 1
#endif

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace factorscope::core::detail {

namespace {

// --- the child's answer: records on the pipe -------------------------------------------------------

// 'M' text: a message of matio's logger (the last one explains a failure).
// 'L' u64 bytes, u64 milliseconds: the child is about to read that many bytes; the limits grow.
// 'E' u32 kind, text: the file cannot be loaded, for this reason.
// 'R' u32 class, u32 rank, u64 dims[rank], text name, text format, u32 notes, text notes[]: the
//     variable; its count·size(class) raw bytes follow, channel after channel, column-major.
// 'Z': the child is done.
// Text is u32 length and bytes.
constexpr std::uint64_t childOverheadBytes = std::uint64_t(64) << 20; // matio, HDF5, their buffers
constexpr double childBytesPerSecond = 20.0 * 1024 * 1024;            // the slowest reading allowed
constexpr std::size_t maxRecordText = 64 * 1024;
constexpr std::uint32_t maxNotes = 64;

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

// matio reports problems through a logger that prints to stderr by default; in the child its
// messages go to the parent, which names the last one in its error.
void sendMatioMessage(int level, char *message)
{
    (void)level;
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

std::string nameList(const std::vector<std::string> &items)
{
    std::string s;
    const std::size_t shown = std::min<std::size_t>(items.size(), 6);
    for (std::size_t k = 0; k < shown; ++k)
        s += (k ? ", " : "") + items[k];
    if (items.size() > shown)
        s += " and " + std::to_string(items.size() - shown) + " more";
    return s;
}

template <typename T>
void toDoublesInPlace(char *base, std::size_t count)
{
    // The raw values fill the last count·sizeof(T) bytes of the matrix's count·8; converting from
    // the front never overwrites a value not yet read (8k + 8 <= tail + sizeof(T)·(k + 1)).
    const char *src = base + 8 * count - sizeof(T) * count;
    for (std::size_t k = 0; k < count; ++k) {
        T v;
        std::memcpy(&v, src + sizeof(T) * k, sizeof(T));
        const double d = static_cast<double>(v);
        std::memcpy(base + 8 * k, &d, 8);
    }
}

bool convertInPlace(int matClass, char *base, std::size_t count)
{
    switch (matClass) {
    case MAT_C_DOUBLE: return true;
    case MAT_C_SINGLE: toDoublesInPlace<float>(base, count); return true;
    case MAT_C_INT8: toDoublesInPlace<std::int8_t>(base, count); return true;
    case MAT_C_UINT8: toDoublesInPlace<std::uint8_t>(base, count); return true;
    case MAT_C_INT16: toDoublesInPlace<std::int16_t>(base, count); return true;
    case MAT_C_UINT16: toDoublesInPlace<std::uint16_t>(base, count); return true;
    case MAT_C_INT32: toDoublesInPlace<std::int32_t>(base, count); return true;
    case MAT_C_UINT32: toDoublesInPlace<std::uint32_t>(base, count); return true;
    case MAT_C_INT64: toDoublesInPlace<std::int64_t>(base, count); return true;
    case MAT_C_UINT64: toDoublesInPlace<std::uint64_t>(base, count); return true;
    default: return false;
    }
}

/// The child: matio opens the file, the variable is chosen and its raw values are sent.
void readInChild(int fd, const std::string &path, std::uint64_t fileSize, const LoadLimits &limits)
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

    // Inspect every variable's header (class, rank, dims) without reading any data.
    struct Candidate
    {
        std::string name;
        std::string className;
        matio_classes matClass;
        std::vector<std::uint64_t> dims;
    };
    std::vector<Candidate> candidates;
    std::vector<std::string> skipped; // "'s' (struct)"
    std::size_t variables = 0, empties = 0;
    constexpr std::size_t maxVariables = 100000; // a damaged directory must not loop forever
    while (variables < maxVariables) {
        VarPtr info(Mat_VarReadNextInfo(mat.get()));
        if (!info)
            break;
        ++variables;
        const std::string name = info->name ? info->name : "";
        const std::vector<std::uint64_t> dims = dimsOf(info.get());
        std::uint64_t count = 0;
        const bool fits = checkedProduct(dims, &count);
        const std::string cls = className(info.get());
        const bool numeric = isNumericClass(info->class_type) && !info->isComplex;
        if (numeric && fits && count == 0 && !dims.empty()) {
            ++empties;
            skipped.push_back(nameText(name) + " (empty)");
        } else if (numeric && (dims.size() == 2 || (dims.size() == 3 && dims[2] <= 4))) {
            candidates.push_back({name, cls, info->class_type, dims});
        } else if (numeric) {
            skipped.push_back(nameText(name) + " (" + cls + " " + dimsText(dims) + ")");
        } else {
            skipped.push_back(nameText(name) + " (" + cls + ")");
        }
    }
    if (candidates.empty()) {
        if (variables == 0)
            return out.error(LoadErrorKind::Empty, "contains no variables");
        if (empties == variables)
            return out.error(LoadErrorKind::Empty, "holds only empty variables (" + nameList(skipped) + ")");
        return out.error(LoadErrorKind::Unsupported,
                         "has no real numeric 2-D variable (it holds " + nameList(skipped)
                             + "); complex, sparse, cell, struct and text variables are not supported");
    }

    const Candidate &chosen = candidates.front();
    std::uint64_t count = 0;
    if (!checkedProduct(chosen.dims, &count) || count > limits.maxElements) {
        const LoadResult r = tooLarge("variable " + nameText(chosen.name) + " has", chosen.dims, limits);
        return out.error(r.error.kind, r.error.reason);
    }
    const std::size_t classSize = Mat_SizeOfClass(chosen.matClass);
    const std::optional<std::uint64_t> need = matLoadBytes(count, classSize);
    if (!need || *need > budgetBytes(limits))
        return out.error(LoadErrorKind::TooLarge,
                         "variable " + nameText(chosen.name) + " has " + dimsText(chosen.dims) + " " + chosen.className
                             + " values, which with matio's copy of them need more than the memory budget of "
                             + budgetText(limits));

    // A v7.3 variable's values may be stored compressed by HDF5, where the layout check cannot
    // see them: they are held to the limit compressed v5 variables have.
    const std::uint64_t bytes = count * classSize;
    const MatLayoutLimits layoutLimits;
    if (ft == MAT_FT_MAT73 && bytes > layoutLimits.inflateCap(fileSize))
        return out.error(LoadErrorKind::TooLarge,
                         "variable " + nameText(chosen.name) + " has " + dimsText(chosen.dims) + " " + chosen.className
                             + " values (" + std::to_string(bytes) + " bytes); the values of a "
                             + std::to_string(fileSize) + "-byte file may expand to at most "
                             + bytesText(layoutLimits.inflateCap(fileSize)) + " ("
                             + bytesText(layoutLimits.inflateFloorBytes) + ", or "
                             + std::to_string(layoutLimits.inflateRatio) + " times the file's size)");

    // Budget checked: read the data of the chosen variable only, with limits grown to fit it.
    out.u8('L');
    out.u64(bytes);
    out.u64(std::uint64_t(1000.0 * double(bytes) / childBytesPerSecond));
    IsolatedProcess::raiseChildMemoryLimit(bytes + childOverheadBytes);
    childMessages = 0;
    VarPtr var(Mat_VarRead(mat.get(), chosen.name.c_str()));
    if (!var || !var->data)
        return out.error(LoadErrorKind::Malformed,
                         "variable " + nameText(chosen.name) + " could not be read; the file may be damaged or truncated");
    if (dimsOf(var.get()) != chosen.dims || var->class_type != chosen.matClass || var->isComplex)
        return out.error(LoadErrorKind::Malformed,
                         "variable " + nameText(chosen.name) + " changed between two reads of its header");
    if (std::uint64_t(var->nbytes) < bytes)
        return out.error(LoadErrorKind::Truncated,
                         "variable " + nameText(chosen.name) + " holds fewer values than its dimensions declare");

    std::string format = "MATLAB " + (version.empty() ? std::string() : version + " ") + ".mat, variable "
                         + nameText(chosen.name) + " (" + chosen.className + ")";
    std::vector<std::string> notes;
    if (candidates.size() > 1) {
        std::vector<std::string> names;
        for (const Candidate &c : candidates)
            names.push_back(nameText(c.name));
        notes.push_back("The file holds " + std::to_string(candidates.size()) + " numeric matrices ("
                        + nameList(names) + "); " + nameText(chosen.name) + ", the first, was loaded.");
    }
    if (!skipped.empty())
        notes.push_back("Variables that are not real numeric matrices were skipped: " + nameList(skipped) + ".");
    const std::size_t nc = chosen.dims.size() == 3 ? std::size_t(chosen.dims[2]) : 1;
    if (nc > 1 || chosen.dims.size() == 3)
        notes.push_back("The " + dimsText(chosen.dims) + " variable was read as " + std::to_string(nc)
                        + (nc == 1 ? " channel." : " channels."));

    out.u8('R');
    out.u32(std::uint32_t(chosen.matClass));
    out.u32(std::uint32_t(chosen.dims.size()));
    for (std::uint64_t d : chosen.dims)
        out.u64(d);
    out.text(chosen.name);
    out.text(format);
    out.u32(std::uint32_t(notes.size()));
    for (const std::string &note : notes)
        out.text(note);
    out.put(var->data, std::size_t(bytes));
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

} // namespace

LoadResult loadMat(InputFile &input, const std::string &path, const LoadLimits &limits)
{
    // 1. The layout, by our own code.
    MatLayout layout;
    const MatLayoutLimits layoutLimits;
    if (auto bad = checkMatLayout(input.file.get(), input.size, limits, layoutLimits, &layout))
        return std::move(*bad);
    input.file.reset();

    // 2. matio, in a child process.
    IsolationLimits isolation;
    isolation.memoryBytes = childOverheadBytes;
    isolation.seconds = 3.0 + double(input.size + layout.inflatedBytes) / childBytesPerSecond;
    IsolatedProcess child;
    if (!child.start([&](int fd) { readInChild(fd, path, input.size, limits); }, isolation))
        return failure(LoadErrorKind::Unreadable, "could not be read: the MATLAB reader " + child.describe());

    // 3. Its answer, checked.
    ChildReader in(child);
    std::string lastMessage;
    std::optional<LoadResult> answer;
    bool done = false;
    auto protocolError = [&] {
        return failure(LoadErrorKind::Malformed, "is not a readable MATLAB file: the MATLAB reader's answer is damaged");
    };
    char tag = 0;
    while (!done && in.u8(&tag)) {
        if (tag == 'M') {
            if (!in.text(&lastMessage))
                break;
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
            if (kind > std::uint32_t(LoadErrorKind::Unsupported) || reason.empty()) {
                answer = protocolError();
                break;
            }
            answer = failure(LoadErrorKind(kind), reason);
        } else if (tag == 'R') {
            std::uint32_t cls = 0, rank = 0, notes = 0;
            if (!in.u32(&cls) || !in.u32(&rank) || rank < 2 || rank > 3) {
                answer = protocolError();
                break;
            }
            std::vector<std::uint64_t> dims(rank);
            bool ok = true;
            for (std::uint64_t &d : dims)
                ok = ok && in.u64(&d);
            LoadedMatrix out;
            std::string name;
            if (!ok || !in.text(&name) || !in.text(&out.format) || !in.u32(&notes) || notes > maxNotes) {
                answer = protocolError();
                break;
            }
            out.notes.resize(notes);
            for (std::string &note : out.notes)
                ok = ok && in.text(&note);
            std::uint64_t count = 0;
            const std::size_t classSize = matClassSize(int(cls));
            if (!ok || classSize == 0 || !checkedProduct(dims, &count) || count == 0 || (rank == 3 && dims[2] > 4)) {
                answer = protocolError();
                break;
            }
            const std::optional<std::uint64_t> need = matLoadBytes(count, classSize);
            if (count > limits.maxElements || !need || *need > budgetBytes(limits)) {
                answer = tooLarge("variable " + nameText(name) + " has", dims, limits);
                break;
            }
            // The variable matio read must be one the layout walk found and checked.
            if (layout.version != MatLayout::Version::V73) {
                const bool v5 = layout.version == MatLayout::Version::V5;
                const bool known = std::any_of(layout.variables.begin(), layout.variables.end(),
                                               [&](const MatVariableLayout &v) {
                                                   return v.name == name && v.dims == dims
                                                          && (!v5 || (v.matClass == int(cls) && !v.complex));
                                               });
                if (!known) {
                    answer = failure(LoadErrorKind::Malformed,
                                     "is not a readable MATLAB file: matio read a variable " + nameText(name)
                                         + " that its layout does not hold");
                    break;
                }
            }
            const Index h = Index(dims[0]), w = Index(dims[1]);
            const std::size_t nc = rank == 3 ? std::size_t(dims[2]) : 1;
            out.channels.assign(nc, Matrix(h, w));
            for (Matrix &m : out.channels) {
                const std::size_t values = std::size_t(m.size());
                char *base = reinterpret_cast<char *>(m.data());
                if (!child.read(base + 8 * values - classSize * values, classSize * values)) {
                    ok = false;
                    break;
                }
                convertInPlace(int(cls), base, values);
            }
            if (!ok)
                break;
            LoadResult r;
            r.matrix = std::move(out);
            answer = std::move(r);
        } else if (tag == 'Z') {
            done = true;
        } else {
            answer = protocolError();
            break;
        }
    }
    child.finish();
    if (done && answer)
        return std::move(*answer);
    if (answer && !answer->ok())
        return std::move(*answer);
    std::string reason = "is not a readable MATLAB file: the MATLAB reader (matio) " + child.describe();
    if (child.outcome() == IsolatedProcess::Outcome::Finished || child.outcome() == IsolatedProcess::Outcome::Running)
        reason = "is not a readable MATLAB file: the MATLAB reader (matio) ended without an answer";
    if (!lastMessage.empty())
        reason += " (matio: " + quoted(lastMessage, 120) + ")";
    return failure(LoadErrorKind::Malformed, reason);
}

} // namespace factorscope::core::detail
