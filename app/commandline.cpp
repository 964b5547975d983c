// SPDX-License-Identifier: MIT
#include "commandline.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace factorscope::app::cli {

namespace {

constexpr unsigned Factorising = Curve | Compress;

} // namespace

const std::vector<CommandSpec> &commands()
{
    static const std::vector<CommandSpec> list = {
        {"curve", Curve, "INPUT [options]",
         "Error curves of the chosen methods over a range of ranks, as CSV on standard output (or "
         "--output): one row per method and rank with the relative Frobenius and spectral errors, "
         "PSNR for images and the numbers stored. The numbers are those the program shows."},
        {"compress", Compress, "INPUT --method M --rank R --output OUT.(png|npy|csv) [options]",
         "Approximates INPUT with one method at one rank, writes the reconstruction (images clamped "
         "to [0, 1]) and, with --factors, the factors as .npy files; prints the CSV row of that "
         "approximation."},
        {"info", Info, "INPUT [--reshape R]",
         "What INPUT holds: kind, format, shape, range, mean and Frobenius norm. For a .npz, "
         ".safetensors or .mat: the container, its metadata and every array (name | dtype | shape | "
         "bytes) from the headers alone; with several arrays and no ::NAME, only that list."},
        {"pinv", Pinv, "INPUT [--tol T | --ridge EPS] --output X.(npy|csv) [options]",
         "The Moore–Penrose pseudo-inverse M⁺ of INPUT from its SVD, singular values at or below the "
         "tolerance treated as zero (default max(n, m)·ε·σ₁), or with --ridge the ridge solution "
         "(MᵀM + εI)⁻¹Mᵀ; writes it (m×n) to --output and prints the tolerance, the rank used and the "
         "residuals of the four Penrose conditions ‖MXM − M‖, ‖XMX − X‖, ‖(MX)ᵀ − MX‖, ‖(XM)ᵀ − XM‖ "
         "(Frobenius norms)."},
    };
    return list;
}

const std::vector<OptionSpec> &options()
{
    static const std::vector<OptionSpec> list = {
        {"method", "LIST", Factorising,
         "svd, rsvd, id, cr, monarch, cur, comma separated, or all (curve; default svd); compress takes one"},
        {"ranks", "LIST", Curve,
         "ranks as 1:64, 1,2,4,8 or 1:256:4, combinable with commas (default 1 to min(64, n, m))"},
        {"rank", "R", Compress, "the rank (Monarch: the block rank ρ)"},
        {"color", "MODE", Factorising | Pinv,
         "gray, rgb or ycbcr for colour images: BT.709 grey, each of R, G, B alone, or JPEG's Y, Cb, "
         "Cr (default rgb, as the program; pinv: gray; a grey image has one channel in every mode)"},
        {"channel", "C", Pinv,
         "pinv of input with several channels (rgb, ycbcr, an H×W×C array): which one, from 0"},
        {"monarch-blocks", "N", Factorising, "Monarch's number of blocks (default 16)"},
        {"cr-rule", "RULE", Factorising, "CR's column-row choice: top, optimal or uniform (default optimal)"},
        {"cr-product", "PRODUCT", Factorising,
         "the product CR approximates: m-i (M·I), i-m (I·M), svd (UΣ·Vᵀ) or x-y (INPUT·Y, with --cr-y) "
         "(default m-i)"},
        {"cr-y", "Y_FILE", Factorising, "the right factor Y of --cr-product x-y"},
        {"trials", "N", Factorising, "trials of a randomized method (default 5)"},
        {"seed", "S", Factorising, "seed of trial 0; trial t uses a seed derived from it (default 0)"},
        {"oversampling", "P", Factorising, "oversampling p of randomized SVD and the sketched ID (default 10)"},
        {"power-iterations", "Q", Factorising, "power iterations q of randomized SVD (default 2)"},
        {"sketch", "N", Factorising,
         "the sketch size of randomized SVD (columns of Ω) and of the sketched ID (rows of Ω), which the "
         "numbers depend on; N serves ranks up to N − p (default: the largest rank asked for + p; the "
         "variant column states it, e.g. p=10;q=2;sketch=138, the program's for rSVD up to rank 128)"},
        {"id-selector", "SELECTOR", Factorising,
         "ID's column choice: qr (pivoted QR), sketch (pivoted QR of a Gaussian sketch), leverage, "
         "leverage-sample, deim, norm, norm-sample or uniform, as --cur-select (default qr)"},
        {"cur-select", "SELECTOR", Factorising,
         "CUR's choice of columns (and, on Mᵀ, rows): qr (first pivots of column-pivoted QR), sketch, "
         "leverage (largest leverage scores ‖V[j, :γ]‖²), leverage-sample (drawn with p = score/γ), deim "
         "(DEIM on the singular vectors), norm (largest norms), norm-sample (drawn with p ∝ norm²) or "
         "uniform; draws are without replacement (default qr)"},
        {"cur-middle", "MIDDLE", Factorising,
         "CUR's middle matrix: optimal (U = C⁺MR⁺, the best for the chosen C and R) or cross "
         "(U = (M[rows, columns])⁺, which reproduces the chosen rows and columns) (default optimal)"},
        {"cur-rows", "L", Factorising, "CUR's number of rows l at every rank (default l = r)"},
        {"cur-tolerance", "T", Factorising,
         "cross middle: singular values of the intersection at or below T count as zero (default "
         "max(r, l)·ε·σ₁ of the intersection)"},
        {"leverage-rank", "G", Factorising,
         "γ of the leverage selectors: the number of top singular vectors behind the scores (default the "
         "rank; in curve the largest rank asked for, so that one selection serves every rank)"},
        {"tol", "T", Pinv, "singular values at or below T count as zero (default max(n, m)·ε·σ₁)"},
        {"ridge", "EPS", Pinv, "the ridge solution (MᵀM + εI)⁻¹Mᵀ with ε = EPS > 0 instead of M⁺"},
        {"full", nullptr, Factorising,
         "factorise completely (dgesdd, dgeqp3, every Monarch block rank) instead of only up to the "
         "largest rank asked for (block Lanczos SVD, pivoted QR stopped at that rank); curve's CSV "
         "metadata says which was used"},
        {"spec-estimate", nullptr, Curve,
         "estimate the spectral error by power iteration where it is not exact (marked estimate)"},
        {"output", "FILE", Factorising | Pinv,
         "where to write: curve's CSV (default standard output), compress's reconstruction as .png, .npy or "
         ".csv, pinv's X as .npy or .csv"},
        {"factors", "DIR", Compress, "also write the factors into DIR as .npy files"},
        {"reshape", "R", Factorising | Info | Pinv,
         "how an N-D array becomes a matrix: rows:K (the first K axes form the rows, numpy's "
         "reshape(prod(shape[:K]), -1)), channels (H x W x C, C <= 4, as image channels) or auto "
         "(default: rows:1; a 1-D array rows:0, a 1 x n row; a stand-alone .npy or .mat "
         "H x W x C with C <= 4 channels)"},
        {"progress", nullptr, Factorising | Pinv,
         "report progress on standard error (always on when standard error is a terminal)"},
    };
    return list;
}

const CommandSpec *findCommand(const QString &name)
{
    for (const CommandSpec &c : commands())
        if (name == QLatin1String(c.name))
            return &c;
    return nullptr;
}

namespace {

const OptionSpec *findOption(const QString &name)
{
    for (const OptionSpec &o : options())
        if (name == QLatin1String(o.name))
            return &o;
    return nullptr;
}

/// The commands an option applies to, for "--rank belongs to compress, not curve".
std::string commandNames(unsigned bits)
{
    std::string names;
    for (const CommandSpec &c : commands())
        if (bits & c.bit)
            names += (names.empty() ? "" : " and ") + std::string(c.name);
    return names;
}

/// `text` in lines of at most `width` columns, each after `indent` spaces but the first, which
/// continues a line that is already `start` columns wide.
std::string wrap(const std::string &text, std::size_t indent, std::size_t start, std::size_t width = 100)
{
    std::ostringstream out;
    std::istringstream words(text);
    std::string word;
    std::size_t at = start;
    bool first = true;
    while (words >> word) {
        const std::size_t columns = QString::fromStdString(word).size(); // UTF-8 "ρ" is one column
        if (!first && at + 1 + columns > width) {
            out << '\n' << std::string(indent, ' ');
            at = indent;
            first = true;
        }
        out << (first ? "" : " ") << word;
        at += columns + (first ? 0 : 1);
        first = false;
    }
    return out.str();
}

int editDistance(const QString &a, const QString &b)
{
    std::vector<int> row(std::size_t(b.size()) + 1);
    for (std::size_t j = 0; j < row.size(); ++j)
        row[j] = int(j);
    for (int i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = i;
        for (int j = 1; j <= b.size(); ++j) {
            const int up = row[std::size_t(j)];
            row[std::size_t(j)] = std::min({up + 1, row[std::size_t(j) - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row.back();
}

} // namespace

QString closestCommand(const QString &word)
{
    QString best;
    int bestDistance = 3;
    for (const CommandSpec &c : commands()) {
        const int d = editDistance(word.toLower(), QLatin1String(c.name));
        if (d < bestDistance) {
            bestDistance = d;
            best = QLatin1String(c.name);
        }
    }
    return best;
}

long long Arguments::integer(const QString &name, long long fallback, long long lo, long long hi) const
{
    if (!has(name))
        return fallback;
    bool ok = false;
    const long long v = value(name).toLongLong(&ok);
    if (!ok || v < lo || v > hi)
        throw UsageError("--" + name.toStdString() + " must be a whole number from " + std::to_string(lo) + " to "
                         + std::to_string(hi) + ", not '" + value(name).toStdString() + "'");
    return v;
}

double Arguments::real(const QString &name, double fallback, double lo, double hi, bool closed) const
{
    if (!has(name))
        return fallback;
    bool ok = false;
    const double v = value(name).toDouble(&ok);
    if (!ok || !std::isfinite(v) || v > hi || v < lo || (!closed && v == lo)) {
        std::ostringstream range;
        range << (closed ? "[" : "(") << lo << ", " << hi << "]";
        throw UsageError("--" + name.toStdString() + " must be a number in " + range.str() + ", not '"
                         + value(name).toStdString() + "'");
    }
    return v;
}

Arguments parse(const QStringList &arguments)
{
    Arguments a;
    const QString word = arguments.value(1);
    a.command = findCommand(word);
    if (!a.command) {
        const QString near = closestCommand(word);
        throw UsageError("unknown command '" + word.toStdString() + "'"
                         + (near.isEmpty() ? std::string() : " (did you mean " + near.toStdString() + "?)"));
    }
    // Help wins over everything else on the line, even over a mistake in it.
    for (int i = 2; i < arguments.size(); ++i)
        if (arguments[i] == QStringLiteral("--help") || arguments[i] == QStringLiteral("-h")) {
            a.help = true;
            return a;
        }
    for (int i = 2; i < arguments.size(); ++i) {
        const QString &arg = arguments[i];
        if (!arg.startsWith(QStringLiteral("--")) || arg == QStringLiteral("--")) {
            a.positional << arg;
            continue;
        }
        QString name = arg.mid(2), value;
        const int eq = name.indexOf(QLatin1Char('='));
        const bool inlineValue = eq >= 0;
        if (inlineValue) {
            value = name.mid(eq + 1);
            name = name.left(eq);
        }
        const OptionSpec *option = findOption(name);
        if (!option)
            throw UsageError("unknown option --" + name.toStdString());
        if (!(option->commands & a.command->bit))
            throw UsageError("--" + name.toStdString() + " belongs to " + commandNames(option->commands) + ", not "
                             + a.command->name);
        if (!option->valueName) {
            if (inlineValue)
                throw UsageError("option --" + name.toStdString() + " takes no value");
            a.flags[name] = true;
            continue;
        }
        if (!inlineValue) {
            if (i + 1 >= arguments.size())
                throw UsageError("option --" + name.toStdString() + " needs a value");
            value = arguments[++i];
        }
        if (a.options.count(name))
            throw UsageError("option --" + name.toStdString() + " is given twice");
        a.options[name] = value;
    }
    return a;
}

std::string usage()
{
    std::ostringstream out;
    out << "Usage:\n"
        << "  factorscope                  open the program\n"
        << "  factorscope FILE...          open files in the program\n";
    for (const CommandSpec &c : commands())
        out << "  factorscope " << c.name << ' ' << c.synopsis << '\n';
    out << "  factorscope COMMAND --help   the options of a command\n"
        << "INPUT names one array of a .npz, .safetensors or .mat as FILE::NAME (e.g. data.npz::arr_0).\n"
        << "Exit status: 0 success, 2 usage error (also several arrays and no ::NAME), 3 a file that\n"
        << "cannot be read or written.\n";
    return out.str();
}

std::string commandHelp(const CommandSpec &command)
{
    std::ostringstream out;
    out << "Usage: factorscope " << command.name << ' ' << command.synopsis << "\n\n" << wrap(command.summary, 0, 0)
        << "\n\nOptions:\n";
    const std::size_t column = 28; // help texts start here
    for (const OptionSpec &o : options()) {
        if (!(o.commands & command.bit))
            continue;
        const std::string left = std::string("  --") + o.name + (o.valueName ? std::string(" ") + o.valueName : std::string());
        out << left;
        if (left.size() + 2 > column)
            out << '\n' << std::string(column, ' ');
        else
            out << std::string(column - left.size(), ' ');
        out << wrap(o.help, column, column) << '\n';
    }
    out << "  --help, -h                this help\n"
        << "\nExit status: 0 success, 2 usage error, 3 a file that cannot be read or written.\n";
    return out.str();
}

} // namespace factorscope::app::cli
