// SPDX-License-Identifier: MIT
#pragma once

// Internal to the matrix file readers: the .npy reader in two steps (header, data) over a
// ByteStream, so that .npy files and .npz members share it.

#include "tensorfill.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace factorscope::core::detail {

class ByteStream;

/// What a .npy header declares.
struct NpyHeader
{
    Element element = Element::Float64;
    bool bigEndian = false;
    bool fortranOrder = false;
    std::vector<std::uint64_t> dims;
    int major = 1, minor = 0;
    std::uint64_t dataStart = 0; ///< bytes before the data: preamble and header
};

/// Reads and checks the preamble and the header dictionary of a .npy of @p size bytes (the whole
/// .npy: a file's length, an .npz member's declared size). The stream is then at the first data
/// byte. Reads at most 12 + 1 MiB bytes whatever the header says.
std::optional<LoadResult> readNpyHeader(ByteStream &in, std::uint64_t size, NpyHeader *header);

/// Checks the data length (size − dataStart) against the declared shape and dtype.
std::optional<LoadResult> checkNpyDataSize(const NpyHeader &header, std::uint64_t size, const LoadLimits &limits);

/// Name-less TensorInfo of a header (shape, dtype, bytes).
TensorInfo npyTensorInfo(const NpyHeader &header);

/// Reads the data after readNpyHeader(): planArray() (budget, reshape) and the data length are
/// checked before allocating; then one pass through a 1 MiB buffer.
LoadResult readNpyData(ByteStream &in, std::uint64_t size, const NpyHeader &header, const Reshape &reshape,
                       bool autoChannels, const LoadLimits &limits);

/// readNpyHeader() then readNpyData().
LoadResult loadNpy(ByteStream &in, std::uint64_t size, const Reshape &reshape, bool autoChannels,
                   const LoadLimits &limits);

/// A whole .npy in memory (a fuzzer's entry point): loadNpy() on a MemoryStream.
LoadResult loadNpyBytes(const void *data, std::size_t size, const Reshape &reshape, const LoadLimits &limits);

/// The listing of a .npy: one unnamed array.
ListResult listNpy(ByteStream &in, std::uint64_t size);

} // namespace factorscope::core::detail
