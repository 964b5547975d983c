// SPDX-License-Identifier: MIT
// Element decoding, the checks before allocating an array, and the N-D → matrix placement shared
// by the .npy, .npz, .safetensors and .mat readers.

#include "tensorfill.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace factorscope::core::detail {

namespace {

template <typename T>
T load(const unsigned char *src, bool swap)
{
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, src, sizeof(T));
    if (swap)
        std::reverse(bytes, bytes + sizeof(T));
    T v;
    std::memcpy(&v, bytes, sizeof(T));
    return v;
}

template <typename T>
void decode(const unsigned char *src, std::size_t n, bool swap, double *dst, bool *beyond53)
{
    for (std::size_t k = 0; k < n; ++k, src += sizeof(T)) {
        const T v = load<T>(src, swap);
        dst[k] = static_cast<double>(v);
        if constexpr (sizeof(T) == 8 && std::is_integral_v<T>) {
            constexpr T limit = T(1) << 53;
            if constexpr (std::is_signed_v<T>) {
                if (v > limit || v < -limit)
                    *beyond53 = true;
            } else if (v > limit) {
                *beyond53 = true;
            }
        }
    }
}

template <double (*Convert)(std::uint16_t)>
void decode16(const unsigned char *src, std::size_t n, bool swap, double *dst)
{
    for (std::size_t k = 0; k < n; ++k, src += 2)
        dst[k] = Convert(load<std::uint16_t>(src, swap));
}

/// Asks for transparent huge pages under a large matrix before it is first written (Linux, THP in
/// "madvise" mode as on Debian): 2 MiB pages take 512 times fewer page faults and TLB entries,
/// which the column-by-column writes of a transposition feel. numpy does the same for its arrays.
void adviseHugePages(Matrix &m)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const std::size_t bytes = std::size_t(m.size()) * sizeof(double);
    if (bytes < (std::size_t(4) << 20))
        return;
    const std::uintptr_t page = std::uintptr_t(::sysconf(_SC_PAGESIZE));
    const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(m.data()) + page - 1) / page * page;
    const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(m.data()) + bytes) / page * page;
    if (end > begin)
        ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE); // a hint: failure is harmless
#else
    (void)m;
#endif
}

std::uint64_t product(const std::vector<std::uint64_t> &dims, std::size_t from, std::size_t to)
{
    std::uint64_t p = 1;
    for (std::size_t a = from; a < to; ++a)
        p *= dims[a]; // the caller checked that the whole product fits
    return p;
}

} // namespace

bool hostIsBigEndian()
{
    const std::uint16_t probe = 1;
    unsigned char first;
    std::memcpy(&first, &probe, 1);
    return first == 0;
}

int elementSize(Element e)
{
    switch (e) {
    case Element::Bool:
    case Element::Int8:
    case Element::UInt8: return 1;
    case Element::Int16:
    case Element::UInt16:
    case Element::Float16:
    case Element::BFloat16: return 2;
    case Element::Int32:
    case Element::UInt32:
    case Element::Float32: return 4;
    case Element::Int64:
    case Element::UInt64:
    case Element::Float64: return 8;
    }
    return 8;
}

const char *elementName(Element e)
{
    switch (e) {
    case Element::Bool: return "bool";
    case Element::Int8: return "int8";
    case Element::Int16: return "int16";
    case Element::Int32: return "int32";
    case Element::Int64: return "int64";
    case Element::UInt8: return "uint8";
    case Element::UInt16: return "uint16";
    case Element::UInt32: return "uint32";
    case Element::UInt64: return "uint64";
    case Element::Float16: return "float16";
    case Element::BFloat16: return "bfloat16";
    case Element::Float32: return "float32";
    case Element::Float64: return "float64";
    }
    return "?";
}

double halfToDouble(std::uint16_t bits)
{
    const std::uint64_t sign = std::uint64_t(bits >> 15) << 63;
    const int exponent = (bits >> 10) & 0x1f;
    const std::uint64_t mantissa = bits & 0x3ff;
    double v;
    if (exponent == 0) {
        v = double(mantissa) * 0x1p-24; // ±0 and subnormals m·2⁻²⁴: exact (m < 2¹⁰)
        return sign ? -v : v;
    }
    std::uint64_t out;
    if (exponent == 0x1f) // ±Inf, NaN (payload kept in the top mantissa bits)
        out = sign | (std::uint64_t(0x7ff) << 52) | (mantissa << 42);
    else // 2^(e−15)·(1 + m/2¹⁰): rebias the exponent, widen the mantissa
        out = sign | (std::uint64_t(exponent - 15 + 1023) << 52) | (mantissa << 42);
    std::memcpy(&v, &out, 8);
    return v;
}

double bfloat16ToDouble(std::uint16_t bits)
{
    const std::uint32_t wide = std::uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &wide, 4);
    return double(f);
}

void decodeElements(Element e, bool bigEndian, const unsigned char *src, std::size_t n, double *dst, bool *beyond53)
{
    const bool swap = elementSize(e) > 1 && bigEndian != hostIsBigEndian();
    switch (e) {
    case Element::Bool:
        for (std::size_t k = 0; k < n; ++k)
            dst[k] = src[k] != 0 ? 1.0 : 0.0;
        return;
    case Element::Int8: return decode<std::int8_t>(src, n, swap, dst, beyond53);
    case Element::Int16: return decode<std::int16_t>(src, n, swap, dst, beyond53);
    case Element::Int32: return decode<std::int32_t>(src, n, swap, dst, beyond53);
    case Element::Int64: return decode<std::int64_t>(src, n, swap, dst, beyond53);
    case Element::UInt8: return decode<std::uint8_t>(src, n, swap, dst, beyond53);
    case Element::UInt16: return decode<std::uint16_t>(src, n, swap, dst, beyond53);
    case Element::UInt32: return decode<std::uint32_t>(src, n, swap, dst, beyond53);
    case Element::UInt64: return decode<std::uint64_t>(src, n, swap, dst, beyond53);
    case Element::Float16: return decode16<halfToDouble>(src, n, swap, dst);
    case Element::BFloat16: return decode16<bfloat16ToDouble>(src, n, swap, dst);
    case Element::Float32: return decode<float>(src, n, swap, dst, beyond53);
    case Element::Float64: return decode<double>(src, n, swap, dst, beyond53);
    }
}

std::optional<LoadResult> planArray(const std::vector<std::uint64_t> &dims, const Reshape &reshape, bool autoChannels,
                                    const LoadLimits &limits, const std::string &what, ReshapePlan *plan)
{
    if (dims.empty())
        return failure(LoadErrorKind::Unsupported, "holds a single value (a 0-dimensional array), not a matrix");
    std::uint64_t count = 0;
    if (!checkedProduct(dims, &count) || count > limits.maxElements)
        return tooLarge(what, dims, limits);
    if (count == 0)
        return failure(LoadErrorKind::Empty, "holds an empty " + dimsText(dims) + " array");

    const int n = int(dims.size());
    plan->dims = dims;
    bool channels = reshape.mode == Reshape::Mode::Channels;
    if (reshape.mode == Reshape::Mode::Auto)
        channels = autoChannels && n == 3 && dims[2] <= 4;
    if (channels) {
        if (n != 3 || dims[2] > 4)
            return failure(LoadErrorKind::BadReshape,
                           "holds a " + dimsText(dims) + " array; the channels reshape needs a 3-D height x width x "
                           "channels array with at most 4 channels");
        plan->channels = true;
        plan->rows = Index(dims[0]);
        plan->cols = Index(dims[1]);
        plan->channelCount = std::size_t(dims[2]);
        plan->text = "channels (" + dimsText(dims) + " -> " + std::to_string(dims[2]) + " channels of "
                     + dimsText({dims[0], dims[1]}) + ")";
        plan->note = "The " + dimsText(dims) + " array was read as " + std::to_string(dims[2])
                     + (dims[2] == 1 ? " channel" : " channels") + " (reshape rows:1 reads it as one "
                     + std::to_string(dims[0]) + " x " + std::to_string(dims[1] * dims[2]) + " matrix).";
        return std::nullopt;
    }
    int k = reshape.mode == Reshape::Mode::Rows ? reshape.rowAxes : (n == 1 ? 0 : 1);
    if (k < 0 || k > n)
        return failure(LoadErrorKind::BadReshape, "holds a " + std::to_string(n) + "-D array (" + dimsText(dims)
                                                      + "); the reshape rows:" + std::to_string(k)
                                                      + " needs a rows:K with K from 0 to " + std::to_string(n));
    plan->rowAxes = k;
    plan->rows = Index(product(dims, 0, std::size_t(k)));
    plan->cols = Index(product(dims, std::size_t(k), dims.size()));
    const std::string result = std::to_string(plan->rows) + " x " + std::to_string(plan->cols);
    if (n != 2 || k != 1)
        plan->text = "rows:" + std::to_string(k) + " (" + dimsText(dims) + " -> " + result + ")";
    if (n == 1)
        plan->note = "The 1-D array of " + std::to_string(dims[0]) + " values was read as a " + result
                     + (k == 0 ? " row." : " column.");
    else if (n != 2 || k != 1)
        plan->note = "The " + dimsText(dims) + " array was read as a " + result + " matrix (rows:" + std::to_string(k)
                     + ": " + (k == 0 ? "all in one row" : k == 1 ? "the first axis forms the rows"
                                                                 : "the first " + std::to_string(k) + " axes form the rows")
                     + ").";
    return std::nullopt;
}

TensorFiller::TensorFiller(const ReshapePlan &plan, bool fortranOrder)
{
    m_channels.resize(plan.channelCount); // each allocated in place (assign would copy a prototype)
    for (Matrix &m : m_channels) {
        m.resize(plan.rows, plan.cols);
        adviseHugePages(m);
    }
    const std::vector<std::uint64_t> &d = plan.dims;
    const std::size_t n = d.size();
    std::vector<Axis> logical(n);
    for (std::size_t a = 0; a < n; ++a) {
        Axis &axis = logical[a];
        axis.length = std::int64_t(d[a]);
        if (plan.channels) {
            axis.offset = a == 0 ? 1 : a == 1 ? std::int64_t(plan.rows) : 0;
            axis.channel = a == 2 ? 1 : 0;
        } else if (a < std::size_t(plan.rowAxes)) {
            axis.offset = std::int64_t(product(d, a + 1, std::size_t(plan.rowAxes)));
        } else {
            axis.offset = std::int64_t(product(d, a + 1, n)) * std::int64_t(plan.rows);
        }
    }
    // Memory order, fastest axis first; an axis of length 1 never moves.
    for (std::size_t k = 0; k < n; ++k) {
        const Axis &axis = logical[fortranOrder ? k : n - 1 - k];
        if (axis.length > 1)
            m_axes.push_back(axis);
    }
    if (m_axes.empty())
        m_axes.push_back(Axis{1, 0, 0});
    m_counter.assign(m_axes.size(), 0);

    constexpr Index blockValues = Index(1) << 17;
    if (!plan.channels && !fortranOrder && plan.rows > 1 && plan.cols > 1 && blockValues / plan.cols >= 2) {
        m_blocked = true;
        m_blockRows = std::min(plan.rows, blockValues / plan.cols);
        m_block.resize(std::size_t(m_blockRows * plan.cols));
    }
}

void TensorFiller::flushBlock()
{
    Matrix &m = m_channels.front();
    const Index cols = m.cols();
    const Index rows = Index(m_filled) / cols; // whole rows only: the data ends on a row's end
    for (Index j = 0; j < cols; ++j) {
        double *dst = m.data() + j * m.rows() + m_firstRow;
        const double *src = m_block.data() + j;
        for (Index r = 0; r < rows; ++r)
            dst[r] = src[r * cols];
    }
    m_firstRow += rows;
    m_filled = 0;
}

std::vector<Matrix> TensorFiller::take()
{
    if (m_blocked && m_filled > 0)
        flushBlock();
    return std::move(m_channels);
}

void TensorFiller::advanceOuter()
{
    for (std::size_t a = 1; a < m_axes.size(); ++a) {
        const Axis &axis = m_axes[a];
        m_base += axis.offset;
        m_channel += axis.channel;
        if (++m_counter[a] < axis.length)
            return;
        m_base -= axis.offset * axis.length;
        m_channel -= axis.channel * axis.length;
        m_counter[a] = 0;
    }
}

void TensorFiller::push(const double *values, std::size_t n)
{
    if (m_blocked) {
        while (n > 0) {
            const std::size_t run = std::min(n, m_block.size() - m_filled);
            std::copy(values, values + run, m_block.data() + m_filled);
            m_filled += run;
            values += run;
            n -= run;
            if (m_filled == m_block.size())
                flushBlock();
        }
        return;
    }
    const Axis &inner = m_axes.front();
    while (n > 0) {
        const std::size_t run = std::size_t(std::min<std::uint64_t>(n, std::uint64_t(inner.length - m_inner)));
        if (inner.channel != 0) { // channels fastest (an H × W × C image in C order)
            for (std::size_t k = 0; k < run; ++k)
                m_channels[std::size_t(m_channel + (m_inner + std::int64_t(k)) * inner.channel)].data()[m_base] = values[k];
        } else {
            double *dst = m_channels[std::size_t(m_channel)].data() + m_base + m_inner * inner.offset;
            const std::int64_t stride = inner.offset;
            if (stride == 1)
                std::copy(values, values + run, dst);
            else
                for (std::size_t k = 0; k < run; ++k)
                    dst[std::int64_t(k) * stride] = values[k];
        }
        m_inner += std::int64_t(run);
        values += run;
        n -= run;
        if (m_inner == inner.length) {
            m_inner = 0;
            advanceOuter();
        }
    }
}

std::vector<Matrix> decodeArray(const unsigned char *src, Element e, bool bigEndian, bool fortranOrder,
                                const ReshapePlan &plan, bool *beyond53,
                                const std::function<void(std::uint64_t offset, std::uint64_t bytes)> &consumed)
{
    TensorFiller filler(plan, fortranOrder);
    const std::uint64_t count = product(plan.dims, 0, plan.dims.size());
    const std::size_t size = std::size_t(elementSize(e));
    constexpr std::size_t chunk = std::size_t(1) << 14;
    std::vector<double> values(std::size_t(std::min<std::uint64_t>(chunk, count)));
    for (std::uint64_t done = 0; done < count;) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(chunk, count - done));
        decodeElements(e, bigEndian, src + done * size, n, values.data(), beyond53);
        filler.push(values.data(), n);
        if (consumed)
            consumed(done * size, n * size);
        done += n;
    }
    return filler.take();
}

std::string shownName(const std::string &name)
{
    const std::string q = quoted(name, 200);
    return q.substr(1, q.size() - 2);
}

std::string nameList(const std::vector<std::string> &names, std::size_t shown)
{
    std::string s;
    const std::size_t count = std::min(shown, names.size());
    for (std::size_t k = 0; k < count; ++k) {
        if (k)
            s += k + 1 == count && count == names.size() ? " and " : ", ";
        s += shownName(names[k]);
    }
    if (names.size() > count)
        s += " and " + std::to_string(names.size() - count) + " more";
    return s;
}

LoadResult nameRequired(const std::vector<std::string> &candidates)
{
    return failure(LoadErrorKind::NameRequired,
                   "holds " + std::to_string(candidates.size()) + " arrays; open one as FILE::NAME with NAME one of "
                       + nameList(candidates, 50));
}

std::optional<LoadResult> pickTensor(const TensorListing &listing, const std::string &name, std::size_t *index,
                                     std::string *note)
{
    const std::vector<TensorInfo> &tensors = listing.tensors;
    if (!name.empty()) {
        for (std::size_t k = 0; k < tensors.size(); ++k) {
            if (tensors[k].name != name)
                continue;
            if (!tensors[k].problem.empty())
                return forTensor(failure(tensors[k].problemKind, tensors[k].problem), name);
            *index = k;
            return std::nullopt;
        }
        std::vector<std::string> names;
        for (const TensorInfo &t : tensors)
            names.push_back(t.name);
        return failure(LoadErrorKind::NoSuchName, "holds no array named " + quoted(name, 200)
                                                      + (names.empty() ? std::string(" (it holds no arrays)")
                                                                       : " (its arrays are " + nameList(names, 50) + ")"));
    }
    std::vector<std::string> loadable, unloadable;
    bool allEmpty = true;
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        if (tensors[k].problem.empty()) {
            loadable.push_back(tensors[k].name);
            *index = k;
        } else {
            unloadable.push_back(tensors[k].name + " (" + tensors[k].problem + ")");
            allEmpty = allEmpty && tensors[k].problemKind == LoadErrorKind::Empty;
        }
    }
    if (loadable.size() == 1) {
        if (note && !unloadable.empty())
            *note = "Arrays that cannot be loaded were skipped: " + nameList(unloadable, 10) + ".";
        return std::nullopt;
    }
    if (loadable.size() > 1)
        return nameRequired(loadable);
    if (tensors.empty())
        return failure(LoadErrorKind::Empty, "contains no arrays");
    if (tensors.size() == 1) // the only array: its own error
        return forTensor(failure(tensors[0].problemKind, tensors[0].problem), tensors[0].name);
    return failure(allEmpty ? LoadErrorKind::Empty : LoadErrorKind::Unsupported,
                   "has no array that can be loaded: " + nameList(unloadable, 10));
}

LoadResult forTensor(LoadResult r, const std::string &name)
{
    if (!r.ok())
        r.error.tensor = name;
    return r;
}

} // namespace factorscope::core::detail
