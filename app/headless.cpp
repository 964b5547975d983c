// SPDX-License-Identifier: MIT
#include "headless.h"

#include "exporter.h"
#include "inputloader.h"

#include "core/color.h"
#include "core/cr.h"
#include "core/curve.h"
#include "core/id.h"
#include "core/io/matrixio.h"
#include "core/metrics.h"
#include "core/monarch.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QSaveFile>

#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace factorscope::app {

using namespace factorscope::core;

namespace {

const char *const kUsage =
    "Usage:\n"
    "  factorscope                        open the program (GUI)\n"
    "  factorscope FILE...                open files in the program\n"
    "  factorscope curve INPUT [--method svd,rsvd,id,cr,monarch|all] [--ranks 1:64 | 1,2,4,8 | 1:256:4]\n"
    "                    [--color gray|rgb|ycbcr] [--monarch-blocks N] [--cr-rule top|optimal|uniform]\n"
    "                    [--cr-product m-i|i-m|svd|x-y --cr-y Y_FILE] [--trials N] [--seed S]\n"
    "                    [--oversampling P] [--power-iterations Q] [--id-selector qr|sketch]\n"
    "                    [--spec-estimate] [--output FILE.csv]\n"
    "  factorscope compress INPUT --method M --rank R --output OUT.(png|npy|csv) [--factors DIR]\n"
    "                    [same method options as curve]\n"
    "  factorscope info INPUT\n"
    "Exit status: 0 success, 2 usage error, 3 a file that cannot be read or written.\n";

struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};
struct FileError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// Parsed `--name value` / `--name=value` options and positional arguments.
struct Arguments
{
    QString command;
    QStringList positional;
    std::map<QString, QString> options;
    std::map<QString, bool> flags;

    bool has(const QString &name) const { return options.count(name) > 0; }
    QString value(const QString &name, const QString &fallback = QString()) const
    {
        const auto it = options.find(name);
        return it == options.end() ? fallback : it->second;
    }
};

const QStringList kValueOptions = {
    QStringLiteral("method"), QStringLiteral("ranks"), QStringLiteral("rank"), QStringLiteral("color"),
    QStringLiteral("monarch-blocks"), QStringLiteral("cr-rule"), QStringLiteral("cr-product"),
    QStringLiteral("cr-y"), QStringLiteral("trials"), QStringLiteral("seed"), QStringLiteral("output"),
    QStringLiteral("factors"), QStringLiteral("oversampling"), QStringLiteral("power-iterations"),
    QStringLiteral("id-selector")};
const QStringList kFlagOptions = {QStringLiteral("spec-estimate")};

Arguments parseArguments(const QStringList &args)
{
    Arguments a;
    a.command = args.value(1);
    for (int i = 2; i < args.size(); ++i) {
        const QString &arg = args[i];
        if (!arg.startsWith(QStringLiteral("--")) || arg == QStringLiteral("--")) {
            a.positional << arg;
            continue;
        }
        QString name = arg.mid(2), value;
        const int eq = name.indexOf(QLatin1Char('='));
        bool inlineValue = false;
        if (eq >= 0) {
            value = name.mid(eq + 1);
            name = name.left(eq);
            inlineValue = true;
        }
        if (kFlagOptions.contains(name)) {
            if (inlineValue)
                throw UsageError("option --" + name.toStdString() + " takes no value");
            a.flags[name] = true;
        } else if (kValueOptions.contains(name)) {
            if (!inlineValue) {
                if (i + 1 >= args.size())
                    throw UsageError("option --" + name.toStdString() + " needs a value");
                value = args[++i];
            }
            if (a.options.count(name))
                throw UsageError("option --" + name.toStdString() + " is given twice");
            a.options[name] = value;
        } else {
            throw UsageError("unknown option --" + name.toStdString());
        }
    }
    return a;
}

long long parseInteger(const Arguments &a, const QString &name, long long fallback, long long lo, long long hi)
{
    if (!a.has(name))
        return fallback;
    bool ok = false;
    const long long v = a.value(name).toLongLong(&ok);
    if (!ok || v < lo || v > hi)
        throw UsageError("--" + name.toStdString() + " must be a whole number from " + std::to_string(lo)
                         + " to " + std::to_string(hi) + ", not '" + a.value(name).toStdString() + "'");
    return v;
}

std::vector<Method> parseMethods(const QString &text)
{
    if (text == QStringLiteral("all"))
        return allMethods();
    std::vector<Method> methods;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto m = parseMethod(part.trimmed().toStdString());
        if (!m)
            throw UsageError("unknown method '" + part.toStdString() + "' (use svd, rsvd, id, cr, monarch or all)");
        if (std::find(methods.begin(), methods.end(), *m) == methods.end())
            methods.push_back(*m);
    }
    if (methods.empty())
        throw UsageError("--method is empty");
    return methods;
}

/// Loads INPUT (or throws FileError with the one-sentence message).
InputDocument loadDocument(const QString &path)
{
    OpenResult r = openInput(path);
    if (!r.ok())
        throw FileError(r.error.toStdString());
    return std::move(*r.document);
}

/// The matrices to factorise and, for images, what PSNR compares against.
struct Prepared
{
    std::vector<Matrix> channels;
    std::optional<ImageContext> image;
    QString colorName;
    std::vector<std::string> notes;
};

Prepared prepare(const InputDocument &doc, const Arguments &a)
{
    Prepared p;
    const QString colorText = a.value(QStringLiteral("color"), QStringLiteral("gray"));
    const auto mode = parseColorMode(colorText.toStdString());
    if (!mode)
        throw UsageError("--color must be gray, rgb or ycbcr, not '" + colorText.toStdString() + "'");
    if (doc.isImage) {
        p.channels = imageToChannels(doc.planes, *mode);
        ImageContext ctx;
        ctx.color = *mode;
        ctx.displayOriginal = doc.planes.size() == 3 ? imageToChannels(doc.planes, *mode == ColorMode::Gray ? ColorMode::Gray : ColorMode::Rgb)
                                                     : doc.planes;
        p.image = std::move(ctx);
        p.colorName = doc.planes.size() == 1 ? QStringLiteral("gray (grey image)") : colorText;
    } else {
        p.channels = doc.planes;
        if (a.has(QStringLiteral("color")) && doc.planes.size() >= 3) {
            std::vector<Matrix> rgb(doc.planes.begin(), doc.planes.begin() + 3);
            p.channels = imageToChannels(rgb, *mode);
            p.colorName = colorText;
        } else if (a.has(QStringLiteral("color"))) {
            p.notes.push_back("--color applies to images and 3-channel arrays; this matrix is used as it is");
        }
    }
    return p;
}

MethodSettings parseSettings(const Arguments &a, const Prepared &prepared, std::vector<Matrix> *product)
{
    MethodSettings s;
    s.monarchBlocks = Index(parseInteger(a, QStringLiteral("monarch-blocks"), 16, 1, 1 << 20));
    s.trials = int(parseInteger(a, QStringLiteral("trials"), 5, 1, 100000));
    s.seed = std::uint64_t(parseInteger(a, QStringLiteral("seed"), 0, 0, std::numeric_limits<long long>::max()));
    s.rsvdOversampling = Index(parseInteger(a, QStringLiteral("oversampling"), 10, 0, 100000));
    s.idOversampling = s.rsvdOversampling;
    s.rsvdPowerIterations = int(parseInteger(a, QStringLiteral("power-iterations"), 2, 0, 100));
    const QString rule = a.value(QStringLiteral("cr-rule"), QStringLiteral("optimal"));
    if (rule == QStringLiteral("top"))
        s.crRule = CrRule::Top;
    else if (rule == QStringLiteral("optimal"))
        s.crRule = CrRule::Optimal;
    else if (rule == QStringLiteral("uniform"))
        s.crRule = CrRule::Uniform;
    else
        throw UsageError("--cr-rule must be top, optimal or uniform, not '" + rule.toStdString() + "'");
    const QString prod = a.value(QStringLiteral("cr-product"), QStringLiteral("m-i"));
    if (prod == QStringLiteral("m-i"))
        s.crProduct = CrProduct::MatrixIdentity;
    else if (prod == QStringLiteral("i-m"))
        s.crProduct = CrProduct::IdentityMatrix;
    else if (prod == QStringLiteral("svd"))
        s.crProduct = CrProduct::SvdFactors;
    else if (prod == QStringLiteral("x-y"))
        s.crProduct = CrProduct::Given;
    else
        throw UsageError("--cr-product must be m-i, i-m, svd or x-y, not '" + prod.toStdString() + "'");
    if ((s.crProduct == CrProduct::Given) != a.has(QStringLiteral("cr-y")))
        throw UsageError("--cr-product x-y and --cr-y Y_FILE go together (INPUT is X, the product is X·Y)");
    if (s.crProduct == CrProduct::Given) {
        if (prepared.channels.size() != 1)
            throw UsageError("--cr-product x-y needs a single-channel X");
        const InputDocument y = loadDocument(a.value(QStringLiteral("cr-y")));
        if (y.planes.size() != 1)
            throw UsageError("--cr-y needs a single-channel matrix");
        if (y.planes[0].rows() != prepared.channels[0].cols())
            throw UsageError("X has " + std::to_string(prepared.channels[0].cols()) + " columns but Y has "
                             + std::to_string(y.planes[0].rows()) + " rows");
        s.crLeft = std::make_shared<const Matrix>(prepared.channels[0]);
        s.crRight = std::make_shared<const Matrix>(y.planes[0]);
        if (product)
            *product = {(*s.crLeft) * (*s.crRight)};
    }
    const QString sel = a.value(QStringLiteral("id-selector"), QStringLiteral("qr"));
    if (sel == QStringLiteral("qr"))
        s.idSelector = IdSelector::PivotedQr;
    else if (sel == QStringLiteral("sketch"))
        s.idSelector = IdSelector::SketchPivotedQr;
    else
        throw UsageError("--id-selector must be qr or sketch, not '" + sel.toStdString() + "'");
    return s;
}

void requireInput(const Arguments &a)
{
    if (a.positional.size() != 1)
        throw UsageError(a.positional.isEmpty() ? "missing INPUT file" : "expected one INPUT file, got "
                                                                           + std::to_string(a.positional.size()));
}

void writeOutput(const QString &path, const std::string &text)
{
    std::string error;
    const bool ok = writeFileAtomically(path.toStdString(), [&](std::ostream &os) {
        os << text;
        return bool(os);
    }, &error);
    if (!ok)
        throw FileError(path.toStdString() + ": " + error);
}

int runCurve(const Arguments &a, std::ostream &out, std::ostream &err)
{
    requireInput(a);
    for (const QString &name : {QStringLiteral("rank"), QStringLiteral("factors")})
        if (a.has(name))
            throw UsageError("--" + name.toStdString() + " belongs to compress, not curve");
    CurveRequest request;
    request.methods = parseMethods(a.value(QStringLiteral("method"), QStringLiteral("svd")));
    std::string rankError;
    std::optional<std::vector<Index>> ranks;
    if (a.has(QStringLiteral("ranks"))) {
        ranks = parseRanks(a.value(QStringLiteral("ranks")).toStdString(), &rankError);
        if (!ranks)
            throw UsageError("--ranks: " + rankError);
    }
    const QString input = a.positional[0];
    const InputDocument doc = loadDocument(input);
    Prepared prepared = prepare(doc, a);
    std::vector<Matrix> product;
    request.settings = parseSettings(a, prepared, &product);
    if (!product.empty()) {
        prepared.channels = product;
        prepared.image.reset();
    }
    request.image = prepared.image;
    request.spectralEstimates = a.flags.count(QStringLiteral("spec-estimate")) > 0;
    const Index rows = prepared.channels[0].rows(), cols = prepared.channels[0].cols();
    request.ranks = ranks ? *ranks : [&] {
        std::vector<Index> r;
        for (Index k = 1; k <= std::min<Index>(64, std::min(rows, cols)); ++k)
            r.push_back(k);
        return r;
    }();
    const CurveResult result = computeCurves(prepared.channels, request);
    for (const std::string &note : prepared.notes)
        err << "factorscope: note: " << note << '\n';
    for (const std::string &note : result.notes)
        err << "factorscope: note: " << note << '\n';
    CsvMetadata meta;
    meta.input = input.toStdString();
    meta.rows = rows;
    meta.cols = cols;
    meta.channels = Index(prepared.channels.size());
    meta.color = prepared.colorName.toStdString();
    std::ostringstream csv;
    writeCurveCsv(csv, result, meta);
    if (a.has(QStringLiteral("output")))
        writeOutput(a.value(QStringLiteral("output")), csv.str());
    else
        out << csv.str() << std::flush;
    return ExitOk;
}

std::vector<std::string> channelSuffixes(const Prepared &p, std::size_t count)
{
    return exporter::channelSuffixes(p.colorName, count);
}

/// Writes a model's factors as .npy files into dir (names documented in the README).
void writeFactors(const QString &dir, const ChannelModel &model, Method method, Index rank, const std::string &suffix)
{
    QString path, error;
    if (!exporter::writeFactors(dir, model, method, rank, suffix, exporter::FactorFormat::Npy, &path, &error))
        throw FileError(path.toStdString() + ": " + error.toStdString());
}

int runCompress(const Arguments &a, std::ostream &out, std::ostream &err)
{
    requireInput(a);
    if (!a.has(QStringLiteral("method")) || !a.has(QStringLiteral("rank")) || !a.has(QStringLiteral("output")))
        throw UsageError("compress needs --method, --rank and --output");
    const std::vector<Method> methods = parseMethods(a.value(QStringLiteral("method")));
    if (methods.size() != 1)
        throw UsageError("compress takes one method");
    const Method method = methods[0];
    const Index rank = Index(parseInteger(a, QStringLiteral("rank"), 1, 0, 1 << 30));
    const QString output = a.value(QStringLiteral("output"));
    const QString suffix = QFileInfo(output).suffix().toLower();
    if (suffix != QStringLiteral("png") && suffix != QStringLiteral("npy") && suffix != QStringLiteral("csv"))
        throw UsageError("--output must end in .png, .npy or .csv");
    const InputDocument doc = loadDocument(a.positional[0]);
    Prepared prepared = prepare(doc, a);
    std::vector<Matrix> product;
    MethodSettings settings = parseSettings(a, prepared, &product);
    if (!product.empty()) {
        prepared.channels = product;
        prepared.image.reset();
    }
    const Index rows = prepared.channels[0].rows(), cols = prepared.channels[0].cols();
    if (method == Method::Monarch && std::max(rows, cols) < settings.monarchBlocks)
        throw UsageError("--monarch-blocks " + std::to_string(settings.monarchBlocks) + " is more than the rows and columns of the "
                         + std::to_string(rows) + " x " + std::to_string(cols) + " input");
    const Index usable = maxUsableRank(method, rows, cols, settings);
    if (rank > usable)
        throw UsageError("rank " + std::to_string(rank) + " is beyond the largest usable rank " + std::to_string(usable)
                         + " of " + methodName(method) + " on this input");
    if (suffix == QStringLiteral("csv") && prepared.channels.size() != 1)
        throw UsageError("a .csv holds one channel; use .npy or .png for " + std::to_string(prepared.channels.size()));

    std::vector<std::unique_ptr<ChannelModel>> models;
    std::vector<Matrix> approx;
    for (const Matrix &c : prepared.channels) {
        models.push_back(factorise(c, method, settings, rank, 0, true));
        approx.push_back(models.back()->reconstruct(rank));
    }
    if (a.has(QStringLiteral("factors"))) {
        const QString dir = a.value(QStringLiteral("factors"));
        if (!QDir().mkpath(dir))
            throw FileError(dir.toStdString() + ": the folder cannot be created");
        const auto suffixes = channelSuffixes(prepared, models.size());
        for (std::size_t c = 0; c < models.size(); ++c)
            writeFactors(dir, *models[c], method, rank, suffixes[c]);
    }

    // What is written: images as displayed (clamped to [0, 1]); matrices as computed.
    std::vector<Matrix> shown = prepared.image ? channelsToDisplay(approx, prepared.image->color) : approx;
    if (prepared.image)
        for (Matrix &p : shown)
            p = p.cwiseMax(0.0).cwiseMin(1.0);
    std::string error;
    if (suffix == QStringLiteral("png")) {
        std::vector<Matrix> planes = shown;
        if (!prepared.image) { // a matrix as a grey picture, its own range mapped to [0, 1]
            if (planes.size() != 1 && planes.size() != 3)
                throw UsageError("a .png holds 1 or 3 channels; use .npy");
            double lo = 0, hi = 0;
            for (std::size_t c = 0; c < planes.size(); ++c) {
                lo = c ? std::min(lo, prepared.channels[c].minCoeff()) : prepared.channels[c].minCoeff();
                hi = c ? std::max(hi, prepared.channels[c].maxCoeff()) : prepared.channels[c].maxCoeff();
            }
            for (Matrix &p : planes)
                p = hi > lo ? Matrix((p.array() - lo) / (hi - lo)) : Matrix(Matrix::Zero(p.rows(), p.cols()));
        }
        const QImage image = planesToImage(planes);
        QSaveFile file(output);
        if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
            throw FileError(output.toStdString() + ": " + (file.errorString().isEmpty() ? std::string("the PNG could not be written")
                                                                                          : file.errorString().toStdString()));
    } else if (suffix == QStringLiteral("npy")) {
        if (!writeNpy(output.toStdString(), shown, &error))
            throw FileError(output.toStdString() + ": " + error);
    } else if (!writeCsv(output.toStdString(), shown[0], &error)) {
        throw FileError(output.toStdString() + ": " + error);
    }

    // One CSV row on stdout: the same columns as `curve`.
    CurveResult summary;
    CurveRow row;
    row.method = methodName(method);
    row.variant = methodVariant(method, settings);
    row.rank = rank;
    double err2 = 0;
    for (const auto &m : models) {
        err2 += m->errFro2(rank);
        row.params += m->storedParams(rank);
    }
    const double total = squaredNorm(prepared.channels);
    row.relErrFro = total > 0 ? std::sqrt(err2 / total) : 0.0;
    if (prepared.image)
        row.psnrDb = psnr(prepared.image->displayOriginal, shown);
    summary.rows.push_back(row);
    CsvMetadata meta;
    meta.input = a.positional[0].toStdString();
    meta.rows = rows;
    meta.cols = cols;
    meta.channels = Index(prepared.channels.size());
    meta.color = prepared.colorName.toStdString();
    for (const std::string &note : prepared.notes)
        err << "factorscope: note: " << note << '\n';
    writeCurveCsv(out, summary, meta);
    return ExitOk;
}

int runInfo(const Arguments &a, std::ostream &out)
{
    requireInput(a);
    if (!a.options.empty() || !a.flags.empty())
        throw UsageError("info takes no options");
    const QString input = a.positional[0];
    const InputDocument doc = loadDocument(input);
    double lo = 0, hi = 0, sum = 0, count = 0;
    for (std::size_t c = 0; c < doc.planes.size(); ++c) {
        const Matrix &p = doc.planes[c];
        if (p.size() == 0)
            continue;
        lo = c ? std::min(lo, p.minCoeff()) : p.minCoeff();
        hi = c ? std::max(hi, p.maxCoeff()) : p.maxCoeff();
        sum += p.sum();
        count += double(p.size());
    }
    out << "file: " << input.toStdString() << '\n'
        << "kind: " << (doc.isImage ? "image" : "matrix") << '\n'
        << "format: " << doc.format.toStdString() << '\n'
        << "shape: " << doc.rows() << " x " << doc.cols() << " x " << doc.planes.size() << '\n'
        << "min: " << formatNumber(lo) << '\n'
        << "max: " << formatNumber(hi) << '\n'
        << "mean: " << formatNumber(count > 0 ? sum / count : 0.0) << '\n'
        << "frobenius_norm: " << formatNumber(std::sqrt(squaredNorm(doc.planes))) << '\n';
    for (const QString &note : doc.notes)
        out << "note: " << note.toStdString() << '\n';
    return ExitOk;
}

} // namespace

bool hasDisplay()
{
#if defined(Q_OS_UNIX) && !defined(Q_OS_MACOS)
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
           || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
#else
    return true;
#endif
}

bool isHeadlessInvocation(const QStringList &arguments)
{
    static const QStringList commands = {QStringLiteral("curve"), QStringLiteral("compress"), QStringLiteral("info"),
                                         QStringLiteral("help"), QStringLiteral("--help"), QStringLiteral("-h"),
                                         QStringLiteral("--version")};
    return arguments.size() > 1 && commands.contains(arguments[1]);
}

int runHeadless(const QStringList &arguments, std::ostream &out, std::ostream &err)
{
    try {
        const QString command = arguments.value(1);
        if (command == QStringLiteral("--version")) {
            out << "factorscope " << FACTORSCOPE_VERSION << '\n';
            return ExitOk;
        }
        if (command == QStringLiteral("help") || command == QStringLiteral("--help") || command == QStringLiteral("-h")) {
            out << kUsage;
            return ExitOk;
        }
        const Arguments a = parseArguments(arguments);
        if (command == QStringLiteral("curve"))
            return runCurve(a, out, err);
        if (command == QStringLiteral("compress"))
            return runCompress(a, out, err);
        if (command == QStringLiteral("info"))
            return runInfo(a, out);
        throw UsageError("unknown command '" + command.toStdString() + "'");
    } catch (const UsageError &e) {
        err << "factorscope: " << e.what() << " (see factorscope --help)\n";
        return ExitUsage;
    } catch (const FileError &e) {
        err << e.what() << '\n';
        return ExitBadFile;
    } catch (const std::bad_alloc &) {
        err << "factorscope: out of memory\n";
        return ExitFailure;
    } catch (const std::exception &e) {
        err << "factorscope: " << e.what() << '\n';
        return ExitFailure;
    }
}

} // namespace factorscope::app
