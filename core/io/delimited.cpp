// SPDX-License-Identifier: MIT
// Delimited text tables: .csv, .tsv, .txt.

#include "matrixio_p.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace factorscope::core::detail {

namespace {

enum class Delimiter { Tab, Semicolon, Comma, Whitespace };

const char *delimiterName(Delimiter d)
{
    switch (d) {
    case Delimiter::Tab: return "tab";
    case Delimiter::Semicolon: return "semicolon";
    case Delimiter::Comma: return "comma";
    case Delimiter::Whitespace: return "whitespace";
    }
    return "";
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && isBlank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isBlank(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Blank lines and '#' comments carry no data.
bool isData(std::string_view line)
{
    line = trim(line);
    return !line.empty() && line.front() != '#';
}

/// Index of the quote closing the one at @p open ("" is an escaped quote), or npos.
std::size_t closingQuote(std::string_view line, std::size_t open)
{
    for (std::size_t k = open + 1; k < line.size(); ++k) {
        if (line[k] != '"')
            continue;
        if (k + 1 < line.size() && line[k + 1] == '"') {
            ++k;
            continue;
        }
        return k;
    }
    return std::string_view::npos;
}

/// The trimmed cells of a line, one at a time (no list: a 100 MB line of numbers costs no more
/// than the line). A cell in double quotes may hold the delimiter and is returned without its
/// quotes. Every character is looked at a bounded number of times: linear in the line length.
class CellCursor
{
public:
    CellCursor(std::string_view line, Delimiter d) : m_line(line), m_delimiter(d) {}

    bool next(std::string_view *cell)
    {
        if (m_done)
            return false;
        const std::string_view line = m_line;
        const std::size_t n = line.size();
        std::size_t &i = m_pos;
        if (m_delimiter == Delimiter::Whitespace) {
            while (i < n && isBlank(line[i]))
                ++i;
            if (i >= n) {
                m_done = true;
                return false;
            }
            if (line[i] == '"') {
                const std::size_t close = closingQuote(line, i);
                if (close != std::string_view::npos && (close + 1 == n || isBlank(line[close + 1]))) {
                    *cell = trim(line.substr(i + 1, close - i - 1));
                    i = close + 1;
                    return true;
                }
            }
            const std::size_t start = i;
            while (i < n && !isBlank(line[i]))
                ++i;
            *cell = line.substr(start, i - start);
            return true;
        }
        const char dc = m_delimiter == Delimiter::Tab ? '\t' : m_delimiter == Delimiter::Semicolon ? ';' : ',';
        std::size_t j = i;
        while (j < n && isBlank(line[j]) && line[j] != dc)
            ++j;
        if (j < n && line[j] == '"') {
            const std::size_t close = closingQuote(line, j);
            if (close != std::string_view::npos) {
                std::size_t k = close + 1;
                while (k < n && isBlank(line[k]) && line[k] != dc)
                    ++k;
                if (k == n || line[k] == dc) {
                    *cell = trim(line.substr(j + 1, close - j - 1));
                    if (k == n)
                        m_done = true;
                    else
                        i = k + 1;
                    return true;
                }
            }
        }
        std::size_t end = line.find(dc, i);
        if (end == std::string_view::npos)
            end = n;
        *cell = trim(line.substr(i, end - i));
        if (end == n)
            m_done = true;
        else
            i = end + 1;
        return true;
    }

private:
    std::string_view m_line;
    Delimiter m_delimiter;
    std::size_t m_pos = 0;
    bool m_done = false;
};

/// Calls f(index, cell) for each cell of a row, in order, until f returns false, and returns the
/// number of cells the row has. "1,2,3," — a trailing delimiter, common in spreadsheet exports —
/// has three cells, not four.
template <typename F>
std::size_t visitCells(std::string_view line, Delimiter d, F &&f)
{
    CellCursor cursor(line, d);
    std::string_view cell, held;
    std::size_t count = 0;
    bool visiting = true;
    while (cursor.next(&cell)) {
        if (count > 0 && visiting)
            visiting = f(count - 1, held);
        held = cell;
        ++count;
    }
    if (count > 1 && d != Delimiter::Whitespace && held.empty())
        return count - 1;
    if (count > 0 && visiting)
        f(count - 1, held);
    return count;
}

std::size_t countCells(std::string_view line, Delimiter d)
{
    return visitCells(line, d, [](std::size_t, std::string_view) { return true; });
}

/// How many of each candidate delimiter a line holds outside double quotes.
std::array<int, 3> delimiterCounts(std::string_view line)
{
    std::array<int, 3> counts{0, 0, 0};
    bool inQuotes = false;
    for (char c : line) {
        if (c == '"')
            inQuotes = !inQuotes;
        else if (!inQuotes && c == '\t')
            ++counts[0];
        else if (!inQuotes && c == ';')
            ++counts[1];
        else if (!inQuotes && c == ',')
            ++counts[2];
    }
    return counts;
}

std::string_view stripBom(std::string_view line, long long lineNumber)
{
    if (lineNumber == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")
        line.remove_prefix(3);
    return line;
}

/// Reads a table in two passes over the file. The first checks every line and counts rows and
/// columns without keeping any value; the second fills the matrix, allocated once at its final
/// size. The peak memory is the matrix plus the longest line (counted against the budget beyond
/// fixedWorkingBytes), never a list of cells or a second copy of the values.
class DelimitedReader
{
public:
    DelimitedReader(InputFile &input, const LoadLimits &limits) : m_input(input), m_limits(limits) {}

    LoadResult run();

private:
    Delimiter detect();
    std::optional<LoadResult> scan(Matrix *target);
    bool parseCell(std::string_view cell, double *value);
    std::optional<LoadResult> addRow(std::string_view line, long long lineNumber, Matrix *target);
    LoadResult nonNumeric(std::string_view line, long long lineNumber);
    LoadResult changed() const;

    InputFile &m_input;
    const LoadLimits &m_limits;
    Delimiter m_delimiter = Delimiter::Whitespace;
    bool m_usedDecimalComma = false;
    std::uint64_t m_cols = 0;
    std::uint64_t m_rows = 0;
    long long m_firstDataLine = -1;
    bool m_header = false;
    std::string m_first; ///< the first data line, held until the second decides whether it is a header
    std::uint64_t m_longestLine = 0;
    std::uint64_t m_firstLength = 0;
};

Delimiter DelimitedReader::detect()
{
    // The first delimiter (in the order tab, semicolon, comma) present in at least half of the
    // first ten data lines of the first MiB; none: runs of whitespace. Semicolon beats comma so
    // "1,5;2,25" (decimal commas) is read right; numbers never contain a tab or a semicolon.
    std::FILE *f = m_input.file.get();
    std::string head(std::size_t(std::min<std::uint64_t>(m_input.size, fixedWorkingBytes)), '\0');
    head.resize(std::fread(head.data(), 1, head.size(), f));
    std::rewind(f);
    std::array<int, 3> linesWith{0, 0, 0};
    int lines = 0;
    bool blanksInsideTabCells = false; // "1 2\t3": whitespace-separated with a stray tab
    std::string_view rest = head;
    long long lineNumber = 0;
    while (lines < 10 && !rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string_view line = stripBom(rest.substr(0, end), ++lineNumber);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        if (!isData(line))
            continue;
        ++lines;
        if (lines > 1 && !blanksInsideTabCells) { // the first line may be a header of names with spaces
            CellCursor cursor(line, Delimiter::Tab);
            std::string_view c;
            while (cursor.next(&c))
                if (c.find_first_of(" \t") != std::string_view::npos) {
                    blanksInsideTabCells = true;
                    break;
                }
        }
        const auto counts = delimiterCounts(line);
        for (int k = 0; k < 3; ++k)
            linesWith[k] += counts[k] > 0 ? 1 : 0;
    }
    const Delimiter order[3] = {Delimiter::Tab, Delimiter::Semicolon, Delimiter::Comma};
    for (int k = 0; k < 3; ++k)
        if (lines > 0 && 2 * linesWith[k] >= lines && !(k == 0 && blanksInsideTabCells))
            return order[k];
    return Delimiter::Whitespace;
}

bool DelimitedReader::parseCell(std::string_view cell, double *value)
{
    if (parseDouble(cell, value))
        return true;
    // "1,5" in a semicolon-separated file: a decimal comma (European spreadsheets).
    if (m_delimiter == Delimiter::Semicolon && cell.find('.') == std::string_view::npos
        && cell.find(',') != std::string_view::npos && parseDouble(cell, value, ',')) {
        m_usedDecimalComma = true;
        return true;
    }
    return false;
}

LoadResult DelimitedReader::nonNumeric(std::string_view line, long long lineNumber)
{
    std::optional<LoadResult> bad;
    visitCells(line, m_delimiter, [&](std::size_t k, std::string_view cell) {
        const long long column = static_cast<long long>(k) + 1;
        double v;
        if (cell.empty())
            bad = failure(LoadErrorKind::NonNumeric,
                          "line " + std::to_string(lineNumber) + ", column " + std::to_string(column) + " is empty",
                          lineNumber, column);
        else if (!parseCell(cell, &v))
            bad = failure(LoadErrorKind::NonNumeric,
                          "line " + std::to_string(lineNumber) + ", column " + std::to_string(column)
                              + " is not a number: " + quoted(cell),
                          lineNumber, column);
        return !bad;
    });
    if (bad)
        return std::move(*bad);
    return failure(LoadErrorKind::NonNumeric, "line " + std::to_string(lineNumber) + " is not a row of numbers",
                   lineNumber);
}

LoadResult DelimitedReader::changed() const
{
    return failure(LoadErrorKind::Unreadable, "changed while it was being read");
}

std::optional<LoadResult> DelimitedReader::addRow(std::string_view line, long long lineNumber, Matrix *target)
{
    const std::uint64_t cells = countCells(line, m_delimiter);
    if (m_cols == 0) {
        m_cols = cells;
        m_firstDataLine = lineNumber;
        if (m_cols > m_limits.maxElements)
            return failure(LoadErrorKind::TooLarge,
                           "line " + std::to_string(lineNumber) + " has " + std::to_string(m_cols)
                               + " values, more than the memory budget of " + budgetText(m_limits),
                           lineNumber);
    } else if (cells != m_cols) {
        return failure(LoadErrorKind::Ragged,
                       "line " + std::to_string(lineNumber) + " has " + std::to_string(cells)
                           + (cells == 1 ? " value" : " values") + " where line " + std::to_string(m_firstDataLine)
                           + " has " + std::to_string(m_cols),
                       lineNumber);
    }
    std::uint64_t values = 0;
    if (!checkedMul(m_rows + 1, m_cols, &values) || values > m_limits.maxElements)
        return failure(LoadErrorKind::TooLarge,
                       "has more than " + std::to_string(m_limits.maxElements)
                           + " values, more than the memory budget of " + budgetText(m_limits),
                       lineNumber);
    const Index row = Index(m_rows++);
    if (target && (row >= target->rows() || Index(m_cols) != target->cols()))
        return changed();
    std::optional<LoadResult> bad;
    visitCells(line, m_delimiter, [&](std::size_t k, std::string_view cell) {
        double v = 0;
        if (cell.empty() || !parseCell(cell, &v)) {
            bad = nonNumeric(line, lineNumber);
            return false;
        }
        if (!std::isfinite(v)) {
            const long long column = static_cast<long long>(k) + 1;
            // "1e999" overflows to Inf; say so rather than call it Inf.
            const bool spelled = cell.find_first_of("nNiI") != std::string_view::npos;
            bad = failure(LoadErrorKind::NonFinite,
                          "value at row " + std::to_string(m_rows) + ", column " + std::to_string(column) + " (line "
                              + std::to_string(lineNumber) + ") is "
                              + (spelled ? nonFiniteName(v) : quoted(cell) + ", beyond the range of a double"),
                          lineNumber, column);
            return false;
        }
        if (target)
            (*target)(row, Index(k)) = v;
        return true;
    });
    return bad;
}

std::optional<LoadResult> DelimitedReader::scan(Matrix *target)
{
    std::FILE *f = m_input.file.get();
    std::rewind(f);
    LineReader reader(f, maxLineBytes(m_limits), m_input.size);
    long long firstLine = -1;
    bool haveFirst = false, decided = false;
    bool sawAnything = false;
    m_rows = m_cols = 0;
    m_first.clear();
    std::string_view line;

    auto allNumeric = [&](std::string_view l) {
        bool all = true;
        visitCells(l, m_delimiter, [&](std::size_t, std::string_view c) {
            double v;
            all = !c.empty() && parseCell(c, &v);
            return all;
        });
        return all;
    };
    auto anyNumeric = [&](std::string_view l) {
        bool any = false;
        visitCells(l, m_delimiter, [&](std::size_t, std::string_view c) {
            double v;
            any = !c.empty() && parseCell(c, &v);
            return !any;
        });
        return any;
    };
    auto hasText = [&](std::string_view l) {
        bool text = false;
        visitCells(l, m_delimiter, [&](std::size_t, std::string_view c) {
            double v;
            text = !c.empty() && !parseCell(c, &v);
            return !text;
        });
        return text;
    };
    auto allEmpty = [&](std::string_view l) {
        bool empty = true;
        visitCells(l, m_delimiter, [&](std::size_t, std::string_view c) {
            empty = c.empty();
            return empty;
        });
        return empty;
    };

    while (reader.next(&line)) {
        const long long lineNumber = reader.lineNumber();
        line = stripBom(line, lineNumber);
        if (std::memchr(line.data(), '\0', line.size()))
            return failure(LoadErrorKind::Malformed,
                           "is not a text table (it holds binary data: a NUL byte on line " + std::to_string(lineNumber)
                               + ")",
                           lineNumber);
        if (!trim(line).empty())
            sawAnything = true;
        if (!isData(line))
            continue;
        if (allEmpty(line)) // ",,," rows of spreadsheet exports
            continue;
        if (!haveFirst) {
            // Held until the next data line decides whether it is a header; its length beyond the
            // fixed working memory is counted (checked against the budget before the second pass).
            m_first.assign(line);
            m_firstLength = line.size();
            firstLine = lineNumber;
            haveFirst = true;
            continue;
        }
        if (!decided) {
            decided = true;
            if (allNumeric(m_first)) {
                if (auto bad = addRow(m_first, firstLine, target))
                    return bad;
            } else if (hasText(m_first) && anyNumeric(line)) {
                m_header = true; // a row of names above a row of numbers
            } else {
                return nonNumeric(m_first, firstLine);
            }
            m_first.resize(std::min<std::size_t>(m_first.size(), 256)); // enough for the note
            m_first.shrink_to_fit();
        }
        if (auto bad = addRow(line, lineNumber, target))
            return bad;
    }
    if (reader.status() != LineReader::Status::Ok)
        return lineReaderFailure(reader);
    m_longestLine = reader.longestLine();

    if (!haveFirst)
        return failure(LoadErrorKind::Empty, sawAnything ? "contains no numbers, only comments or blank lines"
                                                         : "contains no numbers, only blank lines");
    if (!decided) {
        if (!anyNumeric(m_first))
            return failure(LoadErrorKind::Empty, "has a header row but no numbers", firstLine);
        if (auto bad = addRow(m_first, firstLine, target))
            return bad;
    }
    return std::nullopt;
}

LoadResult DelimitedReader::run()
{
    m_delimiter = detect();
    // Pass 1: check every line, count rows and columns.
    if (auto bad = scan(nullptr))
        return std::move(*bad);
    const std::uint64_t rows = m_rows, cols = m_cols;
    // The matrix, the longest line and the held first line must fit in the budget together.
    const std::uint64_t working = lineExcess(m_longestLine) + lineExcess(m_firstLength);
    std::uint64_t matrixBytes = 0;
    if (!checkedMul(rows * cols, 8, &matrixBytes)
        || matrixBytes > budgetBytes(m_limits) - std::min(budgetBytes(m_limits), working))
        return failure(LoadErrorKind::TooLarge,
                       "has lines of up to " + bytesText(m_longestLine) + ", which with its " + dimsText({rows, cols})
                           + " values need more than the memory budget of " + budgetText(m_limits));
    // Pass 2: the same reading, into a matrix of the final size.
    Matrix m(static_cast<Index>(rows), static_cast<Index>(cols));
    const bool header = m_header;
    m_header = false;
    if (auto bad = scan(&m))
        return std::move(*bad);
    if (m_rows != rows || m_cols != cols || m_header != header)
        return changed();

    LoadedMatrix out;
    out.channels.push_back(std::move(m));
    const std::string &ext = m_input.extension;
    out.format = ext == ".csv" ? "CSV" : ext == ".tsv" ? "TSV" : "text";
    out.format += std::string(" (") + delimiterName(m_delimiter);
    if (m_header)
        out.format += ", header row";
    if (m_usedDecimalComma)
        out.format += ", decimal comma";
    out.format += ")";
    if (m_header)
        out.notes.push_back("The first row (" + quoted(m_first, 60) + ") was read as column names and skipped.");
    if (m_usedDecimalComma)
        out.notes.push_back("Decimal commas were read as decimal points.");
    LoadResult r;
    r.matrix = std::move(out);
    return r;
}

} // namespace

LoadResult loadDelimited(InputFile &input, const LoadLimits &limits)
{
    DelimitedReader reader(input, limits);
    return reader.run();
}

} // namespace factorscope::core::detail
