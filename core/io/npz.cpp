// SPDX-License-Identifier: MIT
// NumPy .npz reader: a zip archive (stored or deflated members, zip64) of .npy files, read through
// libzip; each member goes through the .npy reader as a stream, without a temporary file.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

#include "matrixio_p.h"

#include "bytestream.h"
#include "npy.h"
#include "tensorfill.h"

#include <zip.h>

#include <memory>

namespace factorscope::core::detail {

namespace {

/// Deflate never expands more than 1032 : 1 (a 258-byte match per 2 bits, RFC 1951 §3.2.5); a
/// member that declares more than that, relative to its compressed bytes, lies about its size.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
/// The .npy reader reads at most a 12-byte preamble and a 1 MiB header before the data.
constexpr std::uint64_t kMaxNpyOverhead = 12 + (std::uint64_t(1) << 20);
/// A damaged central directory must not make the listing loop for ever.
constexpr zip_int64_t kMaxMembers = 1000000;

struct ArchiveCloser
{
    void operator()(zip_t *z) const { zip_discard(z); }
};
using ArchivePtr = std::unique_ptr<zip_t, ArchiveCloser>;

struct MemberCloser
{
    void operator()(zip_file_t *f) const { zip_fclose(f); }
};
using MemberPtr = std::unique_ptr<zip_file_t, MemberCloser>;

/// A reason for a libzip error while a member is read.
LoadResult memberFailure(zip_error_t *error)
{
    const int code = zip_error_code_zip(error);
    const std::string text = zip_error_strerror(error);
    switch (code) {
    case ZIP_ER_ZLIB:
    case ZIP_ER_COMPRESSED_DATA:
        return failure(LoadErrorKind::Malformed, "has damaged compressed data (" + text + ")");
    case ZIP_ER_CRC:
        return failure(LoadErrorKind::Malformed, "has data that fails its CRC check");
    case ZIP_ER_EOF:
        return failure(LoadErrorKind::Truncated, "is truncated (" + text + ")");
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
        return failure(LoadErrorKind::Unreadable, "could not be read (" + text + ")");
    case ZIP_ER_MEMORY:
        return failure(LoadErrorKind::TooLarge, "does not fit in the memory available");
    default:
        return failure(LoadErrorKind::Malformed, "could not be read from the archive (" + text + ")");
    }
}

/// One member of an open archive, inflated as it is read.
class ZipStream final : public ByteStream
{
public:
    explicit ZipStream(zip_file_t *file) : m_file(file) {}
    std::size_t read(void *dst, std::size_t n) override
    {
        std::size_t got = 0;
        while (got < n && !m_failure) {
            const zip_int64_t r = zip_fread(m_file, static_cast<unsigned char *>(dst) + got, n - got);
            if (r < 0)
                m_failure = memberFailure(zip_file_get_error(m_file));
            if (r <= 0)
                break;
            got += std::size_t(r);
        }
        return got;
    }
    std::optional<LoadResult> failure() const override { return m_failure; }

private:
    zip_file_t *m_file;
    std::optional<LoadResult> m_failure;
};

std::optional<LoadResult> openFailure(int code)
{
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    const std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    switch (code) {
    case ZIP_ER_NOZIP:
        return failure(LoadErrorKind::Malformed, "is not a zip archive (an .npz is one), or is truncated");
    case ZIP_ER_INCONS:
        return failure(LoadErrorKind::Malformed, "is a damaged zip archive (" + text + ")");
    case ZIP_ER_MULTIDISK:
        return failure(LoadErrorKind::Unsupported, "is a zip archive split over several files");
    case ZIP_ER_MEMORY:
        return failure(LoadErrorKind::TooLarge, "does not fit in the memory available");
    case ZIP_ER_OPEN:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
        return failure(LoadErrorKind::Unreadable, "could not be read (" + text + ")");
    default:
        return failure(LoadErrorKind::Malformed, "could not be opened as a zip archive (" + text + ")");
    }
}

std::optional<LoadResult> openPath(const std::string &path, ArchivePtr *archive)
{
    int code = 0;
    archive->reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
    return *archive ? std::nullopt : openFailure(code);
}

std::optional<LoadResult> openBytes(const void *data, std::size_t size, ArchivePtr *archive)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t *source = zip_source_buffer_create(data, size, 0, &error);
    if (source)
        archive->reset(zip_open_from_source(source, ZIP_RDONLY, &error));
    const int code = zip_error_code_zip(&error);
    zip_error_fini(&error);
    if (*archive)
        return std::nullopt;
    if (source)
        zip_source_free(source);
    return openFailure(code);
}

/// What the listing learnt about a member, beyond its TensorInfo.
struct Member
{
    zip_uint64_t index = 0;
    zip_uint64_t size = 0;     ///< declared uncompressed size
    bool deflated = false;
};

/// Checks a member's entry in the central directory before anything of it is inflated: encryption,
/// method, and a declared size that stored or deflated bytes can have.
std::optional<LoadResult> checkEntry(const zip_stat_t &st)
{
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return failure(LoadErrorKind::Unsupported, "is encrypted");
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
        return failure(LoadErrorKind::Malformed, "has an incomplete zip directory entry");
    if (st.comp_method == ZIP_CM_STORE) {
        if (st.size != st.comp_size)
            return failure(LoadErrorKind::Malformed, "is stored uncompressed yet declares " + std::to_string(st.size)
                                                         + " bytes in " + std::to_string(st.comp_size));
    } else if (st.comp_method == ZIP_CM_DEFLATE) {
        std::uint64_t most = 0;
        if (checkedMul(st.comp_size, kMaxDeflateRatio, &most) && st.size > most + 1024)
            return failure(LoadErrorKind::Malformed,
                           "declares " + std::to_string(st.size) + " bytes from " + std::to_string(st.comp_size)
                               + " deflated bytes, more than deflate can produce (" + std::to_string(kMaxDeflateRatio)
                               + " : 1)");
    } else {
        return failure(LoadErrorKind::Unsupported, "is compressed with zip method " + std::to_string(st.comp_method)
                                                       + "; .npz members are stored or deflated");
    }
    return std::nullopt;
}

/// The listing of an open archive: every member, .npy or not; `members` parallel to its tensors.
ListResult listArchive(zip_t *archive, std::vector<Member> *members)
{
    const zip_int64_t count = zip_get_num_entries(archive, 0);
    if (count < 0 || count > kMaxMembers)
        return listFailure(failure(LoadErrorKind::Malformed, "has an implausible number of zip members ("
                                                                 + std::to_string(count) + ")"));
    TensorListing listing;
    listing.format = "NumPy .npz (zip)";
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive, zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !st.name)
            return listFailure(failure(LoadErrorKind::Malformed,
                                       "has a damaged zip directory (member " + std::to_string(i + 1) + ")"));
        std::string name = st.name;
        if (!name.empty() && name.back() == '/')
            continue; // a folder entry
        Member member;
        member.index = zip_uint64_t(i);
        member.size = st.size;
        member.deflated = st.comp_method == ZIP_CM_DEFLATE;
        TensorInfo info;
        const std::string suffix = ".npy";
        const bool npy = name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        if (!npy) {
            info.name = name;
            info.problem = "is not a .npy array (an .npz holds .npy members)";
            info.problemKind = LoadErrorKind::Unsupported;
        } else if (auto refused = checkEntry(st)) {
            info.name = name.substr(0, name.size() - suffix.size());
            info.problem = refused->error.reason;
            info.problemKind = refused->error.kind;
        } else {
            // Inflate the preamble and header only (at most 12 bytes + 1 MiB, usually 128).
            MemberPtr file(zip_fopen_index(archive, member.index, 0));
            NpyHeader header;
            std::optional<LoadResult> bad;
            if (!file) {
                bad = memberFailure(zip_get_error(archive));
            } else {
                ZipStream stream(file.get());
                bad = readNpyHeader(stream, st.size, &header);
                if (!bad)
                    bad = checkNpyDataSize(header, st.size, LoadLimits{});
            }
            if (!bad)
                info = npyTensorInfo(header);
            info.name = name.substr(0, name.size() - suffix.size());
            if (bad) {
                info.problem = bad->error.reason;
                info.problemKind = bad->error.kind;
            }
        }
        listing.tensors.push_back(std::move(info));
        members->push_back(member);
    }
    ListResult r;
    r.listing = std::move(listing);
    return r;
}

LoadResult loadArchive(zip_t *archive, const TensorRequest &request, const LoadLimits &limits)
{
    std::vector<Member> members;
    ListResult listed = listArchive(archive, &members);
    if (!listed.ok()) {
        LoadResult r;
        r.error = listed.error;
        return r;
    }
    const TensorListing &listing = *listed.listing;
    std::string name = request.name;
    const std::string suffix = ".npy";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        bool exact = false;
        for (const TensorInfo &t : listing.tensors)
            exact = exact || t.name == name;
        if (!exact) // data.npz::arr_0.npy names the member arr_0.npy, listed as arr_0
            name.resize(name.size() - suffix.size());
    }
    std::size_t index = 0;
    std::string note;
    if (auto bad = pickTensor(listing, name, &index, &note))
        return std::move(*bad);
    const TensorInfo &info = listing.tensors[index];
    const Member &member = members[index];

    // Before inflating anything: the declared size within the budget (8 bytes per value at most).
    std::uint64_t budgetBytes = 0;
    if (!checkedMul(limits.maxElements, 8, &budgetBytes) || member.size > budgetBytes + kMaxNpyOverhead)
        return forTensor(failure(LoadErrorKind::TooLarge, "declares " + std::to_string(member.size)
                                                              + " bytes uncompressed, more than the memory budget of "
                                                              + budgetText(limits)),
                         info.name);
    MemberPtr file(zip_fopen_index(archive, member.index, 0));
    if (!file)
        return forTensor(memberFailure(zip_get_error(archive)), info.name);
    ZipStream stream(file.get());
    LoadResult r = loadNpy(stream, member.size, request.reshape, false, limits);
    if (!r.ok())
        return forTensor(std::move(r), info.name);
    // Read to the end so that libzip checks the CRC (a damaged stream may inflate to more bytes
    // than declared: drain a little so that the CRC, the clearer reason, is reported first).
    unsigned char extra[4096];
    const std::size_t more = stream.read(extra, sizeof extra);
    if (auto bad = stream.failure())
        return forTensor(std::move(*bad), info.name);
    if (more != 0)
        return forTensor(failure(LoadErrorKind::Malformed, "inflates to more than the " + std::to_string(member.size)
                                                               + " bytes it declares"),
                         info.name);

    LoadedMatrix &out = *r.matrix;
    out.tensor = info.name;
    const std::string npyPrefix = "NumPy .npy (";
    if (out.format.rfind(npyPrefix, 0) == 0)
        out.format = "NumPy .npz member (" + std::string(member.deflated ? "deflated, " : "stored, ")
                     + out.format.substr(npyPrefix.size());
    if (!note.empty())
        out.notes.insert(out.notes.begin(), note);
    return r;
}

} // namespace

LoadResult loadNpz(const std::string &path, const TensorRequest &request, const LoadLimits &limits)
{
    ArchivePtr archive;
    if (auto bad = openPath(path, &archive))
        return std::move(*bad);
    return loadArchive(archive.get(), request, limits);
}

ListResult listNpz(const std::string &path)
{
    ArchivePtr archive;
    if (auto bad = openPath(path, &archive))
        return listFailure(*bad);
    std::vector<Member> members;
    return listArchive(archive.get(), &members);
}

LoadResult loadNpzBytes(const void *data, std::size_t size, const TensorRequest &request, const LoadLimits &limits)
{
    ArchivePtr archive;
    if (auto bad = openBytes(data, size, &archive))
        return std::move(*bad);
    return loadArchive(archive.get(), request, limits);
}

ListResult listNpzBytes(const void *data, std::size_t size)
{
    ArchivePtr archive;
    if (auto bad = openBytes(data, size, &archive))
        return listFailure(*bad);
    std::vector<Member> members;
    return listArchive(archive.get(), &members);
}

} // namespace factorscope::core::detail
