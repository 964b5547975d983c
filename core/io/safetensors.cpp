// SPDX-License-Identifier: MIT
// .safetensors reader: an 8-byte little-endian header length N, N bytes of JSON
// {"NAME": {"dtype": "F32", "shape": [d0, …], "data_offsets": [begin, end]}, …, "__metadata__":
// {"key": "value"}}, then the data section, each tensor's raw little-endian C-order bytes at
// [begin, end) from its start. https://github.com/huggingface/safetensors (format description)
//
// The file is memory-mapped; listing parses the header only and loading touches only the bytes
// of the tensor asked for.

#include "matrixio_p.h"

#include "mappedfile.h"
#include "tensorfill.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace factorscope::core::detail {

namespace {

using Json = nlohmann::ordered_json;

/// The reference implementation refuses headers above 100 MB; so do we, before parsing.
constexpr std::uint64_t kMaxHeader = std::uint64_t(100) << 20;

struct DtypeInfo
{
    const char *name;
    int bits;                       ///< per element
    std::optional<Element> element; ///< nullopt: a dtype of the format Factorscope does not read
};

const DtypeInfo *findDtype(const std::string &name)
{
    static const DtypeInfo table[] = {
        {"F64", 64, Element::Float64},     {"F32", 32, Element::Float32},    {"F16", 16, Element::Float16},
        {"BF16", 16, Element::BFloat16},   {"I64", 64, Element::Int64},      {"I32", 32, Element::Int32},
        {"I16", 16, Element::Int16},       {"I8", 8, Element::Int8},         {"U64", 64, Element::UInt64},
        {"U32", 32, Element::UInt32},      {"U16", 16, Element::UInt16},     {"U8", 8, Element::UInt8},
        {"BOOL", 8, Element::Bool},        {"F8_E4M3", 8, std::nullopt},     {"F8_E5M2", 8, std::nullopt},
        {"F8_E8M0", 8, std::nullopt},      {"F6_E2M3", 6, std::nullopt},     {"F6_E3M2", 6, std::nullopt},
        {"F4", 4, std::nullopt},           {"C64", 64, std::nullopt},
    };
    for (const DtypeInfo &d : table)
        if (name == d.name)
            return &d;
    return nullptr;
}

struct Entry
{
    std::string name;
    const DtypeInfo *dtype = nullptr;
    std::vector<std::uint64_t> shape;
    std::uint64_t count = 0;
    std::uint64_t begin = 0, end = 0; ///< within the data section
};

struct Header
{
    std::vector<Entry> entries; ///< in the order of their data
    std::vector<std::pair<std::string, std::string>> metadata;
    std::uint64_t dataStart = 0; ///< 8 + N
};

LoadResult malformed(const std::string &tensor, const std::string &reason)
{
    return forTensor(failure(LoadErrorKind::Malformed, reason), tensor);
}

/// A JSON value as one line of text: a string as it is, anything else as JSON.
std::string jsonText(const Json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<LoadResult> readEntry(const std::string &name, const Json &value, std::uint64_t dataSize, Entry *entry)
{
    entry->name = name;
    if (!value.is_object())
        return malformed(name, "has a header entry that is not an object");
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || shape == value.end() || offsets == value.end())
        return malformed(name, "has a header entry without \"dtype\", \"shape\" and \"data_offsets\"");
    if (!dtype->is_string())
        return malformed(name, "has a \"dtype\" that is not a string");
    entry->dtype = findDtype(dtype->get<std::string>());
    if (!entry->dtype)
        return malformed(name, "has the unknown dtype " + quoted(dtype->get<std::string>(), 40));
    if (!shape->is_array())
        return malformed(name, "has a \"shape\" that is not a list");
    if (shape->size() > 64)
        return malformed(name, "has a shape of " + std::to_string(shape->size()) + " axes");
    for (const Json &d : *shape) {
        if (!d.is_number_unsigned())
            return malformed(name, "has a shape entry " + quoted(d.dump(), 30) + " that is not a whole number of at least 0");
        entry->shape.push_back(d.get<std::uint64_t>());
    }
    if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned()
        || !(*offsets)[1].is_number_unsigned())
        return malformed(name, "has \"data_offsets\" that are not two whole numbers");
    entry->begin = (*offsets)[0].get<std::uint64_t>();
    entry->end = (*offsets)[1].get<std::uint64_t>();
    if (entry->begin > entry->end)
        return malformed(name, "has data_offsets [" + std::to_string(entry->begin) + ", " + std::to_string(entry->end)
                                   + "] that end before they begin");

    // shape × dtype size must be the byte range: no more, no less.
    // Sub-byte dtypes (F4, F6) pack their bits: count · bits / 8 rounded up.
    const int bits = entry->dtype->bits;
    std::uint64_t bytes = 0;
    const bool fits = checkedProduct(entry->shape, &entry->count)
                      && (bits % 8 == 0 ? checkedMul(entry->count, std::uint64_t(bits / 8), &bytes)
                                        : checkedMul(entry->count, std::uint64_t(bits), &bytes));
    if (!fits)
        return malformed(name, "declares a shape " + dimsText(entry->shape) + " whose size is beyond 2^64 bytes");
    if (bits % 8 != 0)
        bytes = bytes / 8 + (bytes % 8 != 0);
    if (bytes != entry->end - entry->begin)
        return malformed(name, "has data_offsets [" + std::to_string(entry->begin) + ", " + std::to_string(entry->end)
                                   + "], " + std::to_string(entry->end - entry->begin) + " bytes, but its shape "
                                   + (entry->shape.empty() ? std::string("()") : dimsText(entry->shape)) + " of "
                                   + entry->dtype->name + " needs " + std::to_string(bytes) + " bytes");
    if (entry->end > dataSize)
        return forTensor(failure(LoadErrorKind::Truncated,
                                 "has data_offsets [" + std::to_string(entry->begin) + ", " + std::to_string(entry->end)
                                     + "] past the end of the data, which holds " + std::to_string(dataSize) + " bytes"),
                         name);
    return std::nullopt;
}

/// Parses and checks the header of a .safetensors held in [data, data + size).
std::optional<LoadResult> readHeader(const unsigned char *data, std::size_t size, Header *out)
{
    if (size < 8)
        return failure(LoadErrorKind::Truncated, "is shorter than the 8-byte header length of a .safetensors file ("
                                                     + std::to_string(size) + " bytes)");
    std::uint64_t n = 0;
    for (int k = 7; k >= 0; --k)
        n = (n << 8) | data[k];
    if (n > size - 8)
        return failure(LoadErrorKind::Truncated, "declares a header of " + std::to_string(n) + " bytes but has only "
                                                     + std::to_string(size - 8) + " bytes after the header length");
    if (n > kMaxHeader)
        return failure(LoadErrorKind::Malformed,
                       "declares an implausibly long header (" + std::to_string(n) + " bytes, more than 100 MiB)");
    const char *text = reinterpret_cast<const char *>(data + 8);

    // Parse, refusing a tensor name given twice (a JSON object would keep only the last).
    std::unordered_set<std::string> seen;
    std::string duplicate;
    const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json &parsed) {
        if (event == Json::parse_event_t::key && depth == 1 && duplicate.empty()) {
            std::string key = parsed.get<std::string>();
            if (!seen.insert(key).second)
                duplicate = std::move(key);
        }
        return true;
    };
    Json header;
    try {
        header = Json::parse(text, text + n, callback);
    } catch (const Json::parse_error &e) {
        return failure(LoadErrorKind::Malformed,
                       "has a header that is not valid JSON (at byte " + std::to_string(8 + e.byte) + ")");
    } catch (const Json::out_of_range &) {
        // nlohmann-json refuses a number beyond a double ("2e308") with out_of_range, not
        // parse_error (a fuzzing finding: it escaped as an exception).
        return failure(LoadErrorKind::Malformed, "has a header with a number too large for a double");
    } catch (const Json::exception &) {
        return failure(LoadErrorKind::Malformed, "has a header that is not valid JSON");
    }
    if (!header.is_object())
        return failure(LoadErrorKind::Malformed, "has a JSON header that is not an object");
    if (!duplicate.empty())
        return malformed(duplicate, "is named twice in the header");

    Header h;
    h.dataStart = 8 + n;
    const std::uint64_t dataSize = size - h.dataStart;
    for (const auto &[key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object())
                return failure(LoadErrorKind::Malformed, "has a \"__metadata__\" entry that is not an object");
            for (const auto &[k, v] : value.items())
                h.metadata.emplace_back(k, jsonText(v));
            continue;
        }
        Entry entry;
        if (auto bad = readEntry(key, value, dataSize, &entry))
            return bad;
        h.entries.push_back(std::move(entry));
    }
    // Two tensors must not share bytes (empty ones hold none).
    std::stable_sort(h.entries.begin(), h.entries.end(), [](const Entry &a, const Entry &b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const Entry *previous = nullptr;
    for (const Entry &e : h.entries) {
        if (e.begin == e.end)
            continue;
        if (previous && e.begin < previous->end)
            return malformed(e.name, "has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end)
                                         + "] that overlap those of " + quoted(previous->name, 200) + " ["
                                         + std::to_string(previous->begin) + ", " + std::to_string(previous->end) + "]");
        previous = &e;
    }
    *out = std::move(h);
    return std::nullopt;
}

std::string supportedDtypes()
{
    return "F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8 and BOOL are";
}

TensorListing listingOf(const Header &h)
{
    TensorListing listing;
    listing.format = "safetensors";
    listing.metadata = h.metadata;
    for (const Entry &e : h.entries) {
        TensorInfo info;
        info.name = e.name;
        info.shape = e.shape;
        info.dtype = e.dtype->name;
        info.bytes = e.end - e.begin;
        if (!e.dtype->element)
            info.problem = "has the dtype " + std::string(e.dtype->name) + ", which is not supported ("
                           + supportedDtypes() + ")";
        listing.tensors.push_back(std::move(info));
    }
    return listing;
}

ListResult listSpan(const unsigned char *data, std::size_t size)
{
    Header h;
    if (auto bad = readHeader(data, size, &h))
        return listFailure(*bad);
    ListResult r;
    r.listing = listingOf(h);
    return r;
}

LoadResult loadSpan(const unsigned char *data, std::size_t size, const TensorRequest &request, const LoadLimits &limits,
                    const MappedFile *mapping)
{
    Header h;
    if (auto bad = readHeader(data, size, &h))
        return std::move(*bad);
    const TensorListing listing = listingOf(h);
    std::size_t index = 0;
    std::string note;
    if (auto bad = pickTensor(listing, request.name, &index, &note))
        return std::move(*bad);
    const Entry &e = h.entries[index];
    ReshapePlan plan;
    if (auto bad = planArray(e.shape, request.reshape, false, limits, "declares", &plan))
        return forTensor(std::move(*bad), e.name);

    // Checked: the shape fits the budget and its bytes lie inside the file. Read them alone, and
    // let go of each MiB once decoded so that the tensor's pages and its matrix are not both
    // resident (peak memory: the matrix and 1 MiB).
    const std::uint64_t start = h.dataStart + e.begin;
    std::uint64_t released = 0; // within the tensor
    std::function<void(std::uint64_t, std::uint64_t)> consumed;
    if (mapping) {
        mapping->willRead(start, e.end - e.begin);
        consumed = [&](std::uint64_t offset, std::uint64_t bytes) {
            constexpr std::uint64_t step = std::uint64_t(1) << 20;
            if (offset + bytes - released >= step || offset + bytes == e.end - e.begin) {
                mapping->release(start + released, offset + bytes - released);
                released = offset + bytes;
            }
        };
    }
    bool beyond53 = false;
    LoadedMatrix out;
    out.channels = decodeArray(data + start, *e.dtype->element, false, false, plan, &beyond53, consumed);
    out.tensor = e.name;
    out.shape = e.shape;
    out.reshape = plan.text;
    out.format = "safetensors (" + std::string(e.dtype->name) + ")";
    if (!note.empty())
        out.notes.push_back(note);
    if (!plan.note.empty())
        out.notes.push_back(plan.note);
    if (beyond53)
        out.notes.push_back("Some " + std::string(e.dtype->name)
                            + " values exceed 2^53 in magnitude and were rounded to the nearest double.");
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace

LoadResult loadSafetensorsBytes(const void *data, std::size_t size, const TensorRequest &request, const LoadLimits &limits)
{
    return loadSpan(static_cast<const unsigned char *>(data), size, request, limits, nullptr);
}

ListResult listSafetensorsBytes(const void *data, std::size_t size)
{
    return listSpan(static_cast<const unsigned char *>(data), size);
}

LoadResult loadSafetensors(const std::string &path, const TensorRequest &request, const LoadLimits &limits)
{
    MappedFile file;
    if (auto bad = file.map(path))
        return std::move(*bad);
    return loadSpan(file.data(), file.size(), request, limits, &file);
}

ListResult listSafetensors(const std::string &path)
{
    MappedFile file;
    if (auto bad = file.map(path))
        return listFailure(*bad);
    return listSpan(file.data(), file.size());
}

} // namespace factorscope::core::detail
