// SPDX-License-Identifier: MIT
#pragma once

// Internal to the .mat reader (matfile.cpp): the file's structure checked by our own code before
// matio sees the file. Not installed, not part of the public API.

#include "matrixio_p.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace factorscope::core::detail {

/// One top-level variable as the layout check read it.
struct MatVariableLayout
{
    std::string name;
    int matClass = 0;  ///< v5 class code: 6 double, 7 single, 8 int8 … 15 uint64, 1 cell, 2 struct …
    bool complex = false;
    bool logical = false;
    std::vector<std::uint64_t> dims;
};

/// A .mat file's structure, checked without matio.
struct MatLayout
{
    enum class Version { V4, V5, V73 };
    Version version = Version::V5;
    std::vector<MatVariableLayout> variables;
    std::uint64_t inflatedBytes = 0; ///< v5: what the compressed variables expand to, together
};

/// Limits of the layout check (what a hostile file can make matio do is bounded by them).
struct MatLayoutLimits
{
    /// Compressed variables may expand together to max(inflateFloorBytes, inflateRatio × file size):
    /// a file under 1 MB to at most 256 MB. (v7.3: the chosen variable's raw values, which HDF5
    /// may store compressed, are held to the same limit.)
    std::uint64_t inflateFloorBytes = std::uint64_t(64) << 20;
    std::uint64_t inflateRatio = 256;
    std::uint64_t inflateCap(std::uint64_t fileSize) const;
    /// Cells and structs nested deeper than this are refused (matio reads them recursively).
    int maxDepth = 32;
    /// More dimensions than this are refused.
    std::uint64_t maxRank = 64;
};

/// The v5 class code of a real numeric 2-D variable matio would load (6 … 15); its element size.
std::size_t matClassSize(int matClass);
/// "double", "int16", "cell" … for a v5 class code.
std::string matClassName(int matClass);

/// Reads the structure of a .mat file of @p size bytes (v4 headers; every v5 data element, the
/// compressed ones inflated in a streaming pass with constant memory; for v7.3 only the HDF5
/// signature) and checks what can be checked before matio allocates anything: every element lies
/// within its parent and the file; a numeric variable holds exactly the bytes its dimensions
/// declare; cells and structs hold room for the children they declare and nest at most
/// limits.maxDepth deep; a compressed stream is complete, undamaged, expands to what it declares
/// and, with the others, to at most the inflate limit. A real numeric variable whose values are
/// missing is refused as TooLarge (LoadError::tensor set) when its dimensions exceed @p budget,
/// as Truncated otherwise; the budget of the variable actually loaded is checked once it is
/// chosen by name (loadMat()). Cost: one pass over the file and the inflated data, O(1) memory
/// beyond the variable list. nullopt when the file passes; the failure otherwise.
std::optional<LoadResult> checkMatLayout(std::FILE *file, std::uint64_t size, const LoadLimits &budget,
                                         const MatLayoutLimits &limits, MatLayout *layout);

/// 8·N + (matio's copy of N values of @p elementSize bytes beyond fixedWorkingBytes): what loading
/// a .mat variable of N values costs, or nullopt on overflow.
std::optional<std::uint64_t> matLoadBytes(std::uint64_t count, std::size_t elementSize);

} // namespace factorscope::core::detail
