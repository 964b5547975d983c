// SPDX-License-Identifier: MIT
// Matrix Market exchange format (.mtx), real matrices.
// https://math.nist.gov/MatrixMarket/formats.html

#include "matrixio_p.h"

#include <cmath>

namespace factorscope::core::detail {

namespace {

enum class Symmetry { General, Symmetric, Skew };

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return out;
}

/// Splits on runs of spaces and tabs; returns how many tokens there are, keeping at most maxTokens.
std::size_t tokens(std::string_view line, std::string_view *out, std::size_t maxTokens)
{
    std::size_t count = 0, i = 0;
    const std::size_t n = line.size();
    for (;;) {
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        if (i >= n)
            return count;
        const std::size_t start = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (count < maxTokens)
            out[count] = line.substr(start, i - start);
        ++count;
    }
}

/// The next token of @p rest (spaces and tabs separate tokens), which is advanced past it; false at
/// the end. Reading a line token by token this way is linear in its length.
bool nextToken(std::string_view *rest, std::string_view *token)
{
    std::size_t i = 0;
    const std::size_t n = rest->size();
    while (i < n && ((*rest)[i] == ' ' || (*rest)[i] == '\t'))
        ++i;
    if (i == n) {
        *rest = {};
        return false;
    }
    const std::size_t start = i;
    while (i < n && (*rest)[i] != ' ' && (*rest)[i] != '\t')
        ++i;
    *token = rest->substr(start, i - start);
    rest->remove_prefix(i);
    return true;
}

bool isSkippable(std::string_view line)
{
    std::string_view tok;
    return !nextToken(&line, &tok) || tok.front() == '%';
}

std::string at(long long line)
{
    return "line " + std::to_string(line);
}

} // namespace

LoadResult loadMatrixMarket(InputFile &input, const LoadLimits &limits)
{
    LineReader reader(input.file.get(), maxLineBytes(limits), input.size);
    std::string_view line;
    if (!reader.next(&line))
        return reader.status() != LineReader::Status::Ok
                   ? lineReaderFailure(reader)
                   : failure(LoadErrorKind::Malformed, "is not a Matrix Market file (it has no banner line)");
    if (line.substr(0, 3) == "\xEF\xBB\xBF")
        line.remove_prefix(3);

    // Banner: %%MatrixMarket matrix <format> <field> <symmetry>, case-insensitive.
    std::string_view banner[6];
    const std::size_t nb = tokens(line, banner, 6);
    if (nb == 0 || lower(banner[0]) != "%%matrixmarket")
        return failure(LoadErrorKind::Malformed,
                       "is not a Matrix Market file (the first line does not start with %%MatrixMarket)", 1);
    if (nb < 5)
        return failure(LoadErrorKind::Malformed,
                       "has an incomplete Matrix Market banner (expected \"%%MatrixMarket matrix format field "
                       "symmetry\")",
                       1);
    const std::string object = lower(banner[1]), format = lower(banner[2]), field = lower(banner[3]),
                      symmetryName = lower(banner[4]);
    if (object != "matrix")
        return failure(LoadErrorKind::Unsupported,
                       "holds a Matrix Market " + quoted(banner[1]) + " object; only matrices are read", 1);
    if (format != "coordinate" && format != "array")
        return failure(LoadErrorKind::Malformed, "has the unknown Matrix Market format " + quoted(banner[2]), 1);
    if (field == "complex")
        return failure(LoadErrorKind::Unsupported,
                       "holds complex values; only real, integer and pattern matrices are read", 1);
    if (field != "real" && field != "double" && field != "integer" && field != "pattern")
        return failure(LoadErrorKind::Malformed, "has the unknown Matrix Market field " + quoted(banner[3]), 1);
    Symmetry symmetry;
    if (symmetryName == "general")
        symmetry = Symmetry::General;
    else if (symmetryName == "symmetric")
        symmetry = Symmetry::Symmetric;
    else if (symmetryName == "skew-symmetric")
        symmetry = Symmetry::Skew;
    else if (symmetryName == "hermitian")
        return failure(LoadErrorKind::Unsupported, "is Hermitian, which only complex matrices can be", 1);
    else
        return failure(LoadErrorKind::Malformed, "has the unknown Matrix Market symmetry " + quoted(banner[4]), 1);
    const bool coordinate = format == "coordinate";
    const bool pattern = field == "pattern";
    if (pattern && !coordinate)
        return failure(LoadErrorKind::Malformed, "combines 'array' with 'pattern', which Matrix Market does not allow",
                       1);
    if (pattern && symmetry == Symmetry::Skew)
        return failure(LoadErrorKind::Malformed,
                       "combines 'pattern' with 'skew-symmetric', which Matrix Market does not allow", 1);

    // Size line, after '%' comments.
    bool haveSize = false;
    while (reader.next(&line))
        if (!isSkippable(line)) {
            haveSize = true;
            break;
        }
    if (reader.status() != LineReader::Status::Ok)
        return lineReaderFailure(reader);
    if (!haveSize)
        return failure(LoadErrorKind::Truncated, "ends before its size line");
    const long long sizeLine = reader.lineNumber();
    std::string_view sizes[4];
    const std::size_t ns = tokens(line, sizes, 4);
    const std::size_t expectedSizes = coordinate ? 3 : 2;
    std::uint64_t rows = 0, cols = 0, entries = 0;
    if (ns != expectedSizes || !parseUnsigned(sizes[0], &rows) || !parseUnsigned(sizes[1], &cols)
        || (coordinate && !parseUnsigned(sizes[2], &entries)))
        return failure(LoadErrorKind::Malformed,
                       at(sizeLine) + " should hold the sizes \"" + (coordinate ? "rows columns entries" : "rows columns")
                           + "\" as non-negative integers",
                       sizeLine);
    if (rows == 0 || cols == 0)
        return failure(LoadErrorKind::Empty, "declares an empty " + dimsText({rows, cols}) + " matrix", sizeLine);
    std::uint64_t count = 0;
    if (!checkedMul(rows, cols, &count) || count > limits.maxElements) {
        LoadResult r = tooLarge("declares", {rows, cols}, limits);
        r.error.line = sizeLine;
        return r;
    }
    if (symmetry != Symmetry::General && rows != cols)
        return failure(LoadErrorKind::Malformed,
                       "declares a " + dimsText({rows, cols}) + " matrix " + symmetryName + ", but only a square one can be",
                       sizeLine);
    // Values a full listing holds: all, the lower triangle, or the strictly lower triangle.
    const std::uint64_t n = rows;
    const std::uint64_t capacity = symmetry == Symmetry::General     ? count
                                   : symmetry == Symmetry::Symmetric ? n * (n + 1) / 2
                                                                     : n * (n - 1) / 2;
    const std::uint64_t remaining = input.size - std::min(input.size, reader.bytesConsumed());
    const std::uint64_t expected = coordinate ? entries : capacity;
    // Coordinate entries may repeat (duplicates are summed), so their count is bounded by the file
    // length only. Shortest possible listing: "i j\n" (4 bytes) or "i j v\n" (6) per entry, "v\n" (2) per value.
    const std::uint64_t minBytes = coordinate ? (pattern ? 4 : 6) : 2;
    std::uint64_t needed = 0;
    if (expected > 0 && (!checkedMul(expected, minBytes, &needed) || needed - 1 > remaining))
        return failure(LoadErrorKind::Truncated,
                       "declares " + std::to_string(expected) + (coordinate ? " entries" : " values") + " but only "
                           + std::to_string(remaining) + " bytes follow, too few to hold them",
                       sizeLine);

    // Two passes over the entries: the first checks every one (indices, values, counts) without
    // storing anything, the second fills the dense matrix. A coordinate file declares its dense
    // size independently of its length (66 bytes can declare 16384 x 16384), so nothing of that
    // size is allocated before the whole file has been found good.
    auto nonFinite = [&](double v, std::uint64_t i, std::uint64_t j, long long l) {
        return failure(LoadErrorKind::NonFinite,
                       "value at row " + std::to_string(i + 1) + ", column " + std::to_string(j + 1) + " (line "
                           + std::to_string(l) + ") is " + nonFiniteName(v),
                       l, static_cast<long long>(j) + 1);
    };
    auto readEntries = [&](LineReader &reader, Matrix *m) -> std::optional<LoadResult> {
        std::string_view line;
        std::uint64_t seen = 0;
        if (coordinate) {
            const std::size_t fields = pattern ? 2 : 3;
            std::string_view tok[4];
            while (reader.next(&line)) {
                if (isSkippable(line))
                    continue;
                const long long l = reader.lineNumber();
                if (seen == entries)
                    return failure(LoadErrorKind::Malformed,
                                   "has more entries than the " + std::to_string(entries) + " it declares (" + at(l) + ")",
                                   l);
                const std::size_t nt = tokens(line, tok, 4);
                if (nt != fields)
                    return failure(LoadErrorKind::Malformed,
                                   at(l) + " has " + std::to_string(nt) + " fields where an entry has "
                                       + std::to_string(fields) + (pattern ? " (row column)" : " (row column value)"),
                                   l);
                std::uint64_t idx[2];
                const std::uint64_t limit[2] = {rows, cols};
                const char *what[2] = {"row", "column"};
                for (int k = 0; k < 2; ++k) {
                    if (!parseUnsigned(tok[k], &idx[k]))
                        return failure(LoadErrorKind::Malformed,
                                       at(l) + ": the " + what[k] + " index " + quoted(tok[k])
                                           + " is not a positive integer",
                                       l, k + 1);
                    if (idx[k] < 1 || idx[k] > limit[k])
                        return failure(LoadErrorKind::Malformed,
                                       at(l) + ": the " + what[k] + " index " + std::to_string(idx[k])
                                           + " is outside 1.." + std::to_string(limit[k]),
                                       l, k + 1);
                }
                const std::uint64_t i = idx[0] - 1, j = idx[1] - 1;
                double v = 1.0;
                if (!pattern) {
                    if (!parseDouble(tok[2], &v))
                        return failure(LoadErrorKind::NonNumeric,
                                       at(l) + ": the value " + quoted(tok[2]) + " is not a number", l, 3);
                    if (!std::isfinite(v))
                        return nonFinite(v, i, j, l);
                }
                if (symmetry == Symmetry::Skew && i == j)
                    return failure(LoadErrorKind::Malformed,
                                   at(l) + " puts a value on the diagonal of a skew-symmetric matrix", l);
                // Duplicates are summed (as scipy.io.mmread does); the mirror of an off-diagonal
                // entry of a symmetric matrix is implied.
                if (m) {
                    (*m)(Index(i), Index(j)) += v;
                    if (symmetry == Symmetry::Symmetric && i != j)
                        (*m)(Index(j), Index(i)) += v;
                    else if (symmetry == Symmetry::Skew)
                        (*m)(Index(j), Index(i)) -= v;
                }
                ++seen;
            }
        } else {
            // Column-major; symmetric lists the lower triangle, skew-symmetric the strictly lower one.
            std::uint64_t i = symmetry == Symmetry::Skew ? 1 : 0, j = 0;
            std::string_view tok;
            while (reader.next(&line)) {
                if (isSkippable(line))
                    continue;
                const long long l = reader.lineNumber();
                std::string_view rest = line;
                while (nextToken(&rest, &tok)) {
                    if (seen == expected)
                        return failure(LoadErrorKind::Malformed,
                                       "has more values than the " + std::to_string(expected) + " it declares ("
                                           + at(l) + ")",
                                       l);
                    double v = 0;
                    if (!parseDouble(tok, &v))
                        return failure(LoadErrorKind::NonNumeric,
                                       at(l) + ": the value " + quoted(tok) + " is not a number", l);
                    if (!std::isfinite(v))
                        return nonFinite(v, i, j, l);
                    if (m) {
                        (*m)(Index(i), Index(j)) = v;
                        if (symmetry == Symmetry::Symmetric)
                            (*m)(Index(j), Index(i)) = v;
                        else if (symmetry == Symmetry::Skew)
                            (*m)(Index(j), Index(i)) = -v;
                    }
                    ++seen;
                    if (++i == rows) {
                        ++j;
                        i = symmetry == Symmetry::General ? 0 : symmetry == Symmetry::Symmetric ? j : j + 1;
                    }
                }
            }
        }
        if (reader.status() != LineReader::Status::Ok)
            return lineReaderFailure(reader);
        if (seen < expected)
            return failure(LoadErrorKind::Truncated, "declares " + std::to_string(expected)
                                                         + (coordinate ? " entries" : " values") + " but has only "
                                                         + std::to_string(seen));
        return std::nullopt;
    };

    if (auto bad = readEntries(reader, nullptr))
        return std::move(*bad);
    // The dense matrix and the longest line must fit in the budget together.
    const std::uint64_t working = lineExcess(reader.longestLine());
    std::uint64_t matrixBytes = 0;
    if (!checkedMul(count, 8, &matrixBytes) || matrixBytes > budgetBytes(limits) - std::min(budgetBytes(limits), working))
        return failure(LoadErrorKind::TooLarge,
                       "has lines of up to " + bytesText(reader.longestLine()) + ", which with its "
                           + dimsText({rows, cols}) + " values need more than the memory budget of "
                           + budgetText(limits));
    Matrix m = Matrix::Zero(Index(rows), Index(cols));
    std::rewind(input.file.get());
    LineReader again(input.file.get(), maxLineBytes(limits), input.size);
    for (long long skipped = 0; skipped < sizeLine; ++skipped)
        if (!again.next(&line))
            return failure(LoadErrorKind::Unreadable, "changed while it was being read");
    if (auto bad = readEntries(again, &m))
        return std::move(*bad);

    LoadedMatrix out;
    out.channels.push_back(std::move(m));
    out.format = "Matrix Market (" + format + " " + (field == "double" ? std::string("real") : field) + " "
                 + symmetryName + ")";
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace factorscope::core::detail
