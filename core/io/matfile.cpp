// SPDX-License-Identifier: MIT
// MATLAB .mat files (v4, v5/v7, v7.3) through matio.

#include "matrixio_p.h"

#include <matio.h>
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#define FS_HAVE_HDF5 1
#endif

#include <cerrno>
#include <cstring>
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
void copyColumnMajor(const void *data, std::vector<Matrix> *channels)
{
    const T *p = static_cast<const T *>(data);
    for (Matrix &m : *channels) { // MATLAB order: row fastest, then column, then page
        double *dst = m.data();
        for (Index k = 0; k < m.size(); ++k)
            dst[k] = static_cast<double>(*p++);
    }
}

} // namespace

LoadResult loadMat(const std::string &path, const LoadLimits &limits)
{
    std::lock_guard<std::mutex> lock(matioMutex());
    installMatioLogger();
    lastMatioMessage().clear();

    static const char *const damaged73 =
        "is a MATLAB v7.3 (HDF5) file that cannot be read; it may be truncated or damaged";
    MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!mat) {
        if (hasHdf5Signature(path))
            return failure(LoadErrorKind::Malformed, damaged73);
        return failure(LoadErrorKind::Malformed, "is not a MATLAB .mat file matio can read");
    }
    const mat_ft ft = Mat_GetVersion(mat.get());
    const std::string version = versionName(ft);
    if (ft == MAT_FT_MAT5) {
        if (auto bad = checkV5Layout(path))
            return std::move(*bad);
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

    // Inspect every variable's header (class, rank, dims) without reading any data.
    struct Candidate
    {
        std::string name;
        std::string className;
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
            skipped.push_back("'" + name + "' (empty)");
        } else if (numeric && (dims.size() == 2 || (dims.size() == 3 && dims[2] <= 4))) {
            candidates.push_back({name, cls, dims});
        } else if (numeric) {
            skipped.push_back("'" + name + "' (" + cls + " " + dimsText(dims) + ")");
        } else {
            skipped.push_back("'" + name + "' (" + cls + ")");
        }
    }
    if (candidates.empty()) {
        if (variables == 0)
            return failure(LoadErrorKind::Empty, "contains no variables");
        if (empties == variables)
            return failure(LoadErrorKind::Empty, "holds only empty variables (" + nameList(skipped) + ")");
        return failure(LoadErrorKind::Unsupported,
                       "has no real numeric 2-D variable (it holds " + nameList(skipped)
                           + "); complex, sparse, cell, struct and text variables are not supported");
    }

    const Candidate &chosen = candidates.front();
    std::uint64_t count = 0;
    if (!checkedProduct(chosen.dims, &count) || count > limits.maxElements)
        return tooLarge("variable '" + chosen.name + "' has", chosen.dims, limits);

    // Budget checked: read the data of the chosen variable only.
    lastMatioMessage().clear();
    VarPtr var(Mat_VarRead(mat.get(), chosen.name.c_str()));
    const std::string matioSays = lastMatioMessage().empty() ? "" : " (" + lastMatioMessage() + ")";
    if (!var || !var->data)
        return failure(LoadErrorKind::Malformed,
                       "variable '" + chosen.name + "' could not be read; the file may be damaged or truncated" + matioSays);
    if (dimsOf(var.get()) != chosen.dims || !isNumericClass(var->class_type) || var->isComplex)
        return failure(LoadErrorKind::Malformed, "variable '" + chosen.name + "' changed between two reads of its header");
    std::uint64_t bytes = 0;
    if (!checkedMul(count, Mat_SizeOfClass(var->class_type), &bytes) || std::uint64_t(var->nbytes) < bytes)
        return failure(LoadErrorKind::Truncated,
                       "variable '" + chosen.name + "' holds fewer values than its dimensions declare");

    const Index h = Index(chosen.dims[0]), w = Index(chosen.dims[1]);
    const std::size_t nc = chosen.dims.size() == 3 ? std::size_t(chosen.dims[2]) : 1;
    LoadedMatrix out;
    out.channels.assign(nc, Matrix(h, w));
    switch (var->class_type) {
    case MAT_C_DOUBLE: copyColumnMajor<double>(var->data, &out.channels); break;
    case MAT_C_SINGLE: copyColumnMajor<float>(var->data, &out.channels); break;
    case MAT_C_INT8: copyColumnMajor<std::int8_t>(var->data, &out.channels); break;
    case MAT_C_UINT8: copyColumnMajor<std::uint8_t>(var->data, &out.channels); break;
    case MAT_C_INT16: copyColumnMajor<std::int16_t>(var->data, &out.channels); break;
    case MAT_C_UINT16: copyColumnMajor<std::uint16_t>(var->data, &out.channels); break;
    case MAT_C_INT32: copyColumnMajor<std::int32_t>(var->data, &out.channels); break;
    case MAT_C_UINT32: copyColumnMajor<std::uint32_t>(var->data, &out.channels); break;
    case MAT_C_INT64: copyColumnMajor<std::int64_t>(var->data, &out.channels); break;
    case MAT_C_UINT64: copyColumnMajor<std::uint64_t>(var->data, &out.channels); break;
    default: break; // excluded above
    }

    out.format = "MATLAB " + (version.empty() ? std::string() : version + " ") + ".mat, variable '" + chosen.name
                 + "' (" + chosen.className + ")";
    if (candidates.size() > 1) {
        std::vector<std::string> names;
        for (const Candidate &c : candidates)
            names.push_back("'" + c.name + "'");
        out.notes.push_back("The file holds " + std::to_string(candidates.size()) + " numeric matrices ("
                            + nameList(names) + "); '" + chosen.name + "', the first, was loaded.");
    }
    if (!skipped.empty())
        out.notes.push_back("Variables that are not real numeric matrices were skipped: " + nameList(skipped) + ".");
    if (nc > 1 || chosen.dims.size() == 3)
        out.notes.push_back("The " + dimsText(chosen.dims) + " variable was read as " + std::to_string(nc)
                            + (nc == 1 ? " channel." : " channels."));
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace factorscope::core::detail
