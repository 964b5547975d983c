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

/// Splits a line into trimmed cells; a cell in double quotes may hold the delimiter, and is
/// returned without its quotes.
void splitCells(std::string_view line, Delimiter d, std::vector<std::string_view> *cells)
{
    cells->clear();
    const std::size_t n = line.size();
    std::size_t i = 0;
    if (d == Delimiter::Whitespace) {
        for (;;) {
            while (i < n && isBlank(line[i]))
                ++i;
            if (i >= n)
                return;
            if (line[i] == '"') {
                const std::size_t close = closingQuote(line, i);
                if (close != std::string_view::npos && (close + 1 == n || isBlank(line[close + 1]))) {
                    cells->push_back(trim(line.substr(i + 1, close - i - 1)));
                    i = close + 1;
                    continue;
                }
            }
            const std::size_t start = i;
            while (i < n && !isBlank(line[i]))
                ++i;
            cells->push_back(line.substr(start, i - start));
        }
    }
    const char dc = d == Delimiter::Tab ? '\t' : d == Delimiter::Semicolon ? ';' : ',';
    for (;;) {
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
                    cells->push_back(trim(line.substr(j + 1, close - j - 1)));
                    if (k == n)
                        return;
                    i = k + 1;
                    continue;
                }
            }
        }
        std::size_t end = line.find(dc, i);
        if (end == std::string_view::npos)
            end = n;
        cells->push_back(trim(line.substr(i, end - i)));
        if (end == n)
            return;
        i = end + 1;
    }
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

/// Fixed-size blocks of values: growth never copies what was read, and the peak memory is the
/// values plus one block.
class ValueStore
{
public:
    void push(double v)
    {
        if (m_blocks.empty() || m_blocks.back().size() == blockSize) {
            m_blocks.emplace_back();
            m_blocks.back().reserve(blockSize);
        }
        m_blocks.back().push_back(v);
        ++m_count;
    }
    std::uint64_t size() const { return m_count; }
    /// Moves the row-major values into a rows×cols matrix, freeing blocks as it goes.
    Matrix toMatrix(Index rows, Index cols)
    {
        Matrix m(rows, cols);
        Index i = 0, j = 0;
        for (auto &block : m_blocks) {
            for (double v : block) {
                m(i, j) = v;
                if (++j == cols) {
                    j = 0;
                    ++i;
                }
            }
            std::vector<double>().swap(block);
        }
        return m;
    }

private:
    static constexpr std::size_t blockSize = std::size_t(1) << 16;
    std::vector<std::vector<double>> m_blocks;
    std::uint64_t m_count = 0;
};

class DelimitedReader
{
public:
    DelimitedReader(InputFile &input, const LoadLimits &limits) : m_input(input), m_limits(limits) {}

    LoadResult run();

private:
    Delimiter detect();
    void split(std::string_view line, std::vector<std::string_view> *cells) const;
    bool parseCell(std::string_view cell, double *value);
    std::optional<LoadResult> addRow(std::vector<std::string_view> &cells, long long line);
    std::optional<LoadResult> nonNumeric(const std::vector<std::string_view> &cells, long long line);

    InputFile &m_input;
    const LoadLimits &m_limits;
    Delimiter m_delimiter = Delimiter::Whitespace;
    bool m_usedDecimalComma = false;
    ValueStore m_values;
    std::uint64_t m_cols = 0;
    std::uint64_t m_rows = 0;
    long long m_firstDataLine = -1;
};

Delimiter DelimitedReader::detect()
{
    // The first delimiter (in the order tab, semicolon, comma) present in at least half of the
    // first ten data lines of the first MiB; none: runs of whitespace. Semicolon beats comma so
    // "1,5;2,25" (decimal commas) is read right; numbers never contain a tab or a semicolon.
    std::FILE *f = m_input.file.get();
    std::string head(std::size_t(std::min<std::uint64_t>(m_input.size, std::uint64_t(1) << 20)), '\0');
    head.resize(std::fread(head.data(), 1, head.size(), f));
    std::rewind(f);
    std::array<int, 3> linesWith{0, 0, 0};
    int lines = 0;
    bool blanksInsideTabCells = false; // "1 2\t3": whitespace-separated with a stray tab
    std::vector<std::string_view> cells;
    std::string_view rest = head;
    long long lineNumber = 0;
    while (lines < 10 && !rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string_view line = stripBom(rest.substr(0, end), ++lineNumber);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        if (!isData(line))
            continue;
        ++lines;
        if (lines > 1) { // the first line may be a header of names with spaces
            splitCells(line, Delimiter::Tab, &cells);
            for (std::string_view c : cells)
                if (c.find_first_of(" \t") != std::string_view::npos)
                    blanksInsideTabCells = true;
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

std::optional<LoadResult> DelimitedReader::nonNumeric(const std::vector<std::string_view> &cells, long long line)
{
    double v;
    for (std::size_t k = 0; k < cells.size(); ++k) {
        const long long column = static_cast<long long>(k) + 1;
        if (cells[k].empty())
            return failure(LoadErrorKind::NonNumeric,
                           "line " + std::to_string(line) + ", column " + std::to_string(column) + " is empty", line,
                           column);
        if (!parseCell(cells[k], &v))
            return failure(LoadErrorKind::NonNumeric,
                           "line " + std::to_string(line) + ", column " + std::to_string(column)
                               + " is not a number: " + quoted(cells[k]),
                           line, column);
    }
    return std::nullopt;
}

void DelimitedReader::split(std::string_view line, std::vector<std::string_view> *cells) const
{
    splitCells(line, m_delimiter, cells);
    // "1,2,3," — a trailing delimiter — is common in spreadsheet exports.
    if (m_delimiter != Delimiter::Whitespace && cells->size() > 1 && cells->back().empty())
        cells->pop_back();
}

std::optional<LoadResult> DelimitedReader::addRow(std::vector<std::string_view> &cells, long long line)
{
    if (m_cols == 0) {
        m_cols = cells.size();
        m_firstDataLine = line;
        if (m_cols > m_limits.maxElements)
            return failure(LoadErrorKind::TooLarge,
                           "line " + std::to_string(line) + " has " + std::to_string(m_cols)
                               + " values, more than the memory budget of " + budgetText(m_limits),
                           line);
    } else if (cells.size() != m_cols) {
        return failure(LoadErrorKind::Ragged,
                       "line " + std::to_string(line) + " has " + std::to_string(cells.size())
                           + (cells.size() == 1 ? " value" : " values") + " where line "
                           + std::to_string(m_firstDataLine) + " has " + std::to_string(m_cols),
                       line);
    }
    if (m_values.size() + m_cols > m_limits.maxElements)
        return failure(LoadErrorKind::TooLarge,
                       "has more than " + std::to_string(m_limits.maxElements)
                           + " values, more than the memory budget of " + budgetText(m_limits),
                       line);
    ++m_rows;
    for (std::size_t k = 0; k < cells.size(); ++k) {
        double v = 0;
        if (cells[k].empty() || !parseCell(cells[k], &v))
            return nonNumeric(cells, line);
        if (!std::isfinite(v)) {
            const long long column = static_cast<long long>(k) + 1;
            // "1e999" overflows to Inf; say so rather than call it Inf.
            const bool spelled = cells[k].find_first_of("nNiI") != std::string_view::npos;
            return failure(LoadErrorKind::NonFinite,
                           "value at row " + std::to_string(m_rows) + ", column " + std::to_string(column) + " (line "
                               + std::to_string(line) + ") is "
                               + (spelled ? nonFiniteName(v) : quoted(cells[k]) + ", beyond the range of a double"),
                           line, column);
        }
        m_values.push(v);
    }
    return std::nullopt;
}

LoadResult DelimitedReader::run()
{
    m_delimiter = detect();
    LineReader reader(m_input.file.get());
    std::vector<std::string_view> cells;
    std::string first; // the first data line, held until the second decides whether it is a header
    long long firstLine = -1;
    bool haveFirst = false, decided = false, header = false;
    bool sawAnything = false;
    std::string_view line;

    auto allNumeric = [&](const std::vector<std::string_view> &cs) {
        double v;
        for (std::string_view c : cs)
            if (c.empty() || !parseCell(c, &v))
                return false;
        return true;
    };
    auto anyNumeric = [&](const std::vector<std::string_view> &cs) {
        double v;
        for (std::string_view c : cs)
            if (!c.empty() && parseCell(c, &v))
                return true;
        return false;
    };
    auto hasText = [&](const std::vector<std::string_view> &cs) {
        double v;
        for (std::string_view c : cs)
            if (!c.empty() && !parseCell(c, &v))
                return true;
        return false;
    };
    auto allEmpty = [](const std::vector<std::string_view> &cs) {
        for (std::string_view c : cs)
            if (!c.empty())
                return false;
        return true;
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
        split(line, &cells);
        if (allEmpty(cells)) // ",,," rows of spreadsheet exports
            continue;
        if (!haveFirst) {
            first.assign(line);
            firstLine = lineNumber;
            haveFirst = true;
            continue;
        }
        if (!decided) {
            decided = true;
            std::vector<std::string_view> firstCells;
            split(first, &firstCells);
            if (allNumeric(firstCells)) {
                if (auto bad = addRow(firstCells, firstLine))
                    return std::move(*bad);
            } else if (hasText(firstCells) && anyNumeric(cells)) {
                header = true; // a row of names above a row of numbers
            } else {
                return std::move(*nonNumeric(firstCells, firstLine));
            }
            // The second line's cells were computed before the first's; recompute (views into line).
            split(line, &cells);
        }
        if (auto bad = addRow(cells, lineNumber))
            return std::move(*bad);
    }
    if (reader.status() != LineReader::Status::Ok)
        return lineReaderFailure(reader);

    if (!haveFirst)
        return failure(LoadErrorKind::Empty, sawAnything ? "contains no numbers, only comments or blank lines"
                                                         : "contains no numbers, only blank lines");
    if (!decided) {
        std::vector<std::string_view> firstCells;
        split(first, &firstCells);
        if (!anyNumeric(firstCells))
            return failure(LoadErrorKind::Empty, "has a header row but no numbers", firstLine);
        if (auto bad = addRow(firstCells, firstLine))
            return std::move(*bad);
    }

    LoadedMatrix out;
    out.channels.push_back(m_values.toMatrix(Index(m_rows), Index(m_cols)));
    const std::string &ext = m_input.extension;
    out.format = ext == ".csv" ? "CSV" : ext == ".tsv" ? "TSV" : "text";
    out.format += std::string(" (") + delimiterName(m_delimiter);
    if (header)
        out.format += ", header row";
    if (m_usedDecimalComma)
        out.format += ", decimal comma";
    out.format += ")";
    if (header)
        out.notes.push_back("The first row (" + quoted(first, 60) + ") was read as column names and skipped.");
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
