// SPDX-License-Identifier: MIT
// MATLAB .mat files (v4, v5/v7, v7.3) through matio.

#include "matrixio_p.h"

#include "tensorfill.h"

#include <matio.h>
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#define FS_HAVE_HDF5 1
#endif

#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>

namespace factorscope::core::detail {

namespace {

// matio keeps global state (its logger) and HDF5 (v7.3) is built without thread safety on most
// distributions: every matio call goes through this lock.
std::mutex &matioMutex()
{
    static std::mutex mutex;
    return mutex;
}

// matio reports problems through a logger that prints to stderr by default; the headless command
// must print nothing but results and errors, so messages are kept for the error text instead.
std::string &lastMatioMessage()
{
    static std::string message;
    return message;
}

void keepMatioMessage(int level, char *message)
{
    (void)level;
    lastMatioMessage() = message ? message : "";
}

void installMatioLogger()
{
    static std::once_flag once;
    std::call_once(once, [] {
        Mat_LogInitFunc("factorscope", &keepMatioMessage);
#ifdef FS_HAVE_HDF5
        // HDF5 prints its error stack to stderr on a damaged v7.3 file; we report our own error.
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
#endif
    });
}

std::uint32_t u32(const unsigned char *p, bool swap)
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    if (swap)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

/// A v5 file is a 128-byte header and a sequence of data elements, each a tag (type, byte count)
/// and its bytes. matio does not notice a short read of uncompressed data (the missing values read
/// as zeros), so check that every top-level element lies within the file before reading any.
std::optional<LoadResult> checkV5Layout(const std::string &path)
{
    FilePtr f(std::fopen(path.c_str(), "rb"));
    if (!f)
        return failure(LoadErrorKind::Unreadable, "cannot be opened (" + errnoText(errno) + ")");
    if (std::fseek(f.get(), 0, SEEK_END) != 0)
        return std::nullopt;
    const long end = std::ftell(f.get());
    unsigned char header[128];
    std::rewind(f.get());
    if (end < 128 || std::fread(header, 1, 128, f.get()) != 128)
        return failure(LoadErrorKind::Truncated, "ends inside its 128-byte MAT-file header");
    // Bytes 126-127 read "IM" when the file was written with the reader's byte order.
    std::uint16_t probe = 1;
    unsigned char firstByte;
    std::memcpy(&firstByte, &probe, 1);
    const bool hostLittle = firstByte == 1;
    const bool fileLittle = header[126] == 'I' && header[127] == 'M';
    const bool fileBig = header[126] == 'M' && header[127] == 'I';
    if (!fileLittle && !fileBig)
        return std::nullopt; // not for us to judge; matio opened it
    const bool swap = fileLittle != hostLittle;
    const std::uint64_t size = std::uint64_t(end);
    std::uint64_t pos = 128;
    int index = 0;
    while (pos + 8 <= size) {
        unsigned char tag[8];
        if (std::fseek(f.get(), long(pos), SEEK_SET) != 0 || std::fread(tag, 1, 8, f.get()) != 8)
            return std::nullopt; // let matio report it
        ++index;
        const std::uint32_t type = u32(tag, swap);
        if (type >> 16) // a "small data element" has no business at the top level
            return std::nullopt;
        const std::uint64_t bytes = u32(tag + 4, swap);
        std::uint64_t next = pos + 8 + bytes;
        if (next > size)
            return failure(LoadErrorKind::Truncated,
                           "is truncated: variable " + std::to_string(index) + " declares " + std::to_string(bytes)
                               + " bytes but only " + std::to_string(size - pos - 8) + " follow");
        if (type == 14) // miMATRIX elements are padded to 8 bytes
            next = (next + 7) / 8 * 8;
        pos = next;
    }
    return std::nullopt;
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

/// Opens a .mat with matio and checks what matio does not (v5 element lengths, a damaged v7.3).
/// The caller holds matioMutex().
std::optional<LoadResult> openMat(const std::string &path, MatPtr *mat, std::string *version)
{
    installMatioLogger();
    lastMatioMessage().clear();
    static const char *const damaged73 =
        "is a MATLAB v7.3 (HDF5) file that cannot be read; it may be truncated or damaged";
    mat->reset(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!*mat) {
        if (hasHdf5Signature(path))
            return failure(LoadErrorKind::Malformed, damaged73);
        return failure(LoadErrorKind::Malformed, "is not a MATLAB .mat file matio can read");
    }
    const mat_ft ft = Mat_GetVersion(mat->get());
    *version = versionName(ft);
    if (ft == MAT_FT_MAT5) {
        if (auto bad = checkV5Layout(path))
            return bad;
    }
#ifdef FS_HAVE_HDF5
    if (ft == MAT_FT_MAT73) {
        // matio opens a v7.3 file whose HDF5 part is damaged and then lists no variables; ask
        // HDF5 directly so that is not reported as an empty file.
        const hid_t h5 = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        if (h5 < 0)
            return failure(LoadErrorKind::Malformed, damaged73);
        H5Fclose(h5);
    }
#endif
    return std::nullopt;
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

} // namespace

ListResult listMat(const std::string &path)
{
    std::lock_guard<std::mutex> lock(matioMutex());
    MatPtr mat;
    std::string version;
    if (auto bad = openMat(path, &mat, &version))
        return listFailure(*bad);
    ListResult r;
    r.listing = listVariables(mat.get(), version);
    return r;
}

LoadResult loadMat(const std::string &path, const TensorRequest &request, const LoadLimits &limits)
{
    std::lock_guard<std::mutex> lock(matioMutex());
    MatPtr mat;
    std::string version;
    if (auto bad = openMat(path, &mat, &version))
        return std::move(*bad);
    const TensorListing listing = listVariables(mat.get(), version);
    if (listing.tensors.empty())
        return failure(LoadErrorKind::Empty, "contains no variables");
    std::size_t index = 0;
    std::string skipped;
    if (auto bad = pickTensor(listing, request.name, &index, &skipped))
        return std::move(*bad);
    const TensorInfo &chosen = listing.tensors[index];
    ReshapePlan plan;
    if (auto bad = planArray(chosen.shape, request.reshape, true, limits, "has", &plan))
        return forTensor(std::move(*bad), chosen.name);

    // Budget checked: read the data of the chosen variable only.
    lastMatioMessage().clear();
    VarPtr var(Mat_VarRead(mat.get(), chosen.name.c_str()));
    const std::string matioSays = lastMatioMessage().empty() ? "" : " (" + lastMatioMessage() + ")";
    if (!var || !var->data)
        return forTensor(failure(LoadErrorKind::Malformed,
                                 "could not be read; the file may be damaged or truncated" + matioSays),
                         chosen.name);
    const std::optional<Element> element = elementOf(var->class_type);
    if (dimsOf(var.get()) != chosen.shape || !element || var->isComplex)
        return forTensor(failure(LoadErrorKind::Malformed, "changed between two reads of its header"), chosen.name);
    std::uint64_t count = 0, bytes = 0;
    if (!checkedProduct(chosen.shape, &count) || !checkedMul(count, Mat_SizeOfClass(var->class_type), &bytes)
        || std::uint64_t(var->nbytes) < bytes)
        return forTensor(failure(LoadErrorKind::Truncated, "holds fewer values than its dimensions declare"), chosen.name);

    // MATLAB stores column-major: the first index fastest (Fortran order).
    bool beyond53 = false;
    LoadedMatrix out;
    out.channels = decodeArray(static_cast<const unsigned char *>(var->data), *element, hostIsBigEndian(), true, plan,
                               &beyond53);
    out.tensor = chosen.name;
    out.shape = chosen.shape;
    out.reshape = plan.text;
    out.format = listing.format + ", variable '" + chosen.name + "' (" + chosen.dtype + ")";
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
