// SPDX-License-Identifier: MIT
#include "headless.h"

#include "commandline.h"
#include "exporter.h"
#include "inputloader.h"

#include "core/color.h"
#include "core/cr.h"
#include "core/cur.h"
#include "core/curve.h"
#include "core/id.h"
#include "core/io/matrixio.h"
#include "core/metrics.h"
#include "core/monarch.h"
#include "core/pinv.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImageWriter>
#include <QSaveFile>

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace factorscope::app {

using namespace factorscope::core;

namespace {

using cli::Arguments;
using cli::UsageError;

struct FileError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};
/// A file that is fine but was asked for wrongly (several arrays and no ::NAME, a reshape beyond
/// the array's axes): exit 2 with the reader's one sentence naming the file.
struct RequestError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// Progress of a long command on standard error: rewritten in place on a terminal, otherwise
/// (with --progress) one line per whole percent at most twice a second.
class StderrProgress final : public Progress
{
public:
    StderrProgress(std::ostream *stream, bool terminal, std::string what)
        : m_stream(stream), m_terminal(terminal), m_what(std::move(what))
    {
        m_clock.start();
    }
    ~StderrProgress() override
    {
        if (m_stream && m_terminal && m_shown)
            *m_stream << "\r\033[K" << std::flush;
    }
    void setFraction(double fraction) override
    {
        if (!m_stream)
            return;
        const int percent = int(std::clamp(fraction, 0.0, 1.0) * 100.0);
        if (percent == m_percent || (m_shown && m_clock.elapsed() < (m_terminal ? 100 : 500)))
            return;
        m_percent = percent;
        m_shown = true;
        m_clock.restart();
        if (m_terminal)
            *m_stream << "\r\033[Kfactorscope: " << m_what << ' ' << percent << " %" << std::flush;
        else
            *m_stream << "factorscope: " << m_what << ' ' << percent << " %\n" << std::flush;
    }

private:
    std::ostream *m_stream;
    bool m_terminal;
    std::string m_what;
    QElapsedTimer m_clock;
    int m_percent = -1;
    bool m_shown = false;
};

/// The progress reporter of a command: stderr's when it is a terminal or --progress was given.
std::unique_ptr<StderrProgress> progressFor(const Arguments &a, const ProgressSink &sink, const char *what)
{
    if (!sink.stream || !(sink.terminal || a.flag(QStringLiteral("progress"))))
        return nullptr;
    return std::make_unique<StderrProgress>(sink.stream, sink.terminal, what);
}

std::vector<Method> parseMethods(const QString &text)
{
    if (text == QStringLiteral("all"))
        return allMethods();
    std::vector<Method> methods;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto m = parseMethod(part.trimmed().toStdString());
        if (!m)
            throw UsageError("unknown method '" + part.toStdString() + "' (use svd, rsvd, id, cr, monarch, cur or all)");
        if (std::find(methods.begin(), methods.end(), *m) == methods.end())
            methods.push_back(*m);
    }
    if (methods.empty())
        throw UsageError("--method is empty");
    return methods;
}

core::Reshape parseReshape(const Arguments &a)
{
    std::string error;
    const auto reshape = core::Reshape::parse(a.value(QStringLiteral("reshape"), QStringLiteral("auto")).toStdString(), &error);
    if (!reshape)
        throw UsageError("--reshape: " + error);
    return *reshape;
}

/// Loads INPUT, FILE::NAME allowed (or throws FileError / RequestError with the one-sentence message).
InputDocument loadDocument(const QString &path, const core::Reshape &reshape = {})
{
    OpenResult r = openInput(path, TensorChoice{QString(), reshape});
    if (!r.ok()) {
        if (r.errorKind == LoadErrorKind::NameRequired || r.errorKind == LoadErrorKind::BadReshape)
            throw RequestError(r.error.toStdString());
        throw FileError(r.error.toStdString());
    }
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

/// Takes the document's planes (doc.planes is left empty; the rest of doc stays): for a
/// 12-megapixel photo every copy is 96 MB a plane.
Prepared prepare(InputDocument &doc, const Arguments &a, const QString &defaultColor = QStringLiteral("rgb"))
{
    Prepared p;
    // Colour images default to rgb, as the program does (pinv: gray, one matrix).
    const QString colorText = a.value(QStringLiteral("color"), defaultColor);
    const auto mode = parseColorMode(colorText.toStdString());
    if (!mode)
        throw UsageError("--color must be gray, rgb or ycbcr, not '" + colorText.toStdString() + "'");
    if (doc.isImage) {
        p.colorName = doc.planes.size() == 1 ? QStringLiteral("gray (grey image)") : colorText;
        ImageContext ctx;
        ctx.color = *mode;
        if (doc.planes.size() == 1 || *mode != ColorMode::YCbCr) {
            // What is shown is the channels themselves (grey, or R, G, B): no copy for PSNR.
            p.channels = doc.planes.size() == 1 || *mode == ColorMode::Rgb ? std::move(doc.planes)
                                                                           : imageToChannels(doc.planes, *mode);
        } else {
            p.channels = imageToChannels(doc.planes, *mode);
            ctx.displayOriginal = std::move(doc.planes);
        }
        doc.planes.clear();
        p.image = std::move(ctx);
    } else {
        p.channels = std::move(doc.planes);
        if (a.has(QStringLiteral("color")) && p.channels.size() >= 3) {
            std::vector<Matrix> rgb(p.channels.begin(), p.channels.begin() + 3);
            p.channels = imageToChannels(rgb, *mode);
            p.colorName = colorText;
        } else if (a.has(QStringLiteral("color"))) {
            p.notes.push_back("--color applies to images and 3-channel arrays; this matrix is used as it is");
        }
    }
    return p;
}

/// --id-selector / --cur-select: a selector name of core/selectors.h (default qr).
Selector parseSelectorOption(const Arguments &a, const QString &option)
{
    const QString name = a.value(option, QStringLiteral("qr"));
    if (const auto selector = parseSelector(name.toStdString()))
        return *selector;
    std::string names;
    for (Selector s : allSelectors())
        names += (names.empty() ? "" : ", ") + selectorName(s);
    throw UsageError("--" + option.toStdString() + " must be one of " + names + ", not '" + name.toStdString() + "'");
}

/// The CSV metadata every command writes: input, shape, colour, and the array and its reshape.
CsvMetadata csvMetadata(const QString &input, const InputDocument &doc, const Prepared &prepared)
{
    CsvMetadata meta;
    meta.input = input.toStdString();
    meta.rows = prepared.channels[0].rows();
    meta.cols = prepared.channels[0].cols();
    meta.channels = Index(prepared.channels.size());
    meta.color = prepared.colorName.toStdString();
    meta.tensor = doc.tensor.toStdString();
    meta.reshape = doc.reshape.toStdString();
    return meta;
}

MethodSettings parseSettings(const Arguments &a, const Prepared &prepared, std::vector<Matrix> *product)
{
    MethodSettings s;
    s.monarchBlocks = Index(a.integer(QStringLiteral("monarch-blocks"), 16, 1, 1 << 20));
    s.trials = int(a.integer(QStringLiteral("trials"), 5, 1, 100000));
    s.fullFactorisation = a.flag(QStringLiteral("full"));
    s.seed = std::uint64_t(a.integer(QStringLiteral("seed"), 0, 0, std::numeric_limits<long long>::max()));
    s.rsvdOversampling = Index(a.integer(QStringLiteral("oversampling"), 10, 0, 100000));
    s.idOversampling = s.rsvdOversampling;
    s.rsvdPowerIterations = int(a.integer(QStringLiteral("power-iterations"), 2, 0, 100));
    s.sketch = Index(a.integer(QStringLiteral("sketch"), 0, 1, 1 << 30));
    if (a.has(QStringLiteral("sketch")) && s.sketch <= s.rsvdOversampling)
        throw UsageError("--sketch " + std::to_string(s.sketch) + " serves ranks up to the sketch less --oversampling ("
                         + std::to_string(s.rsvdOversampling) + "): give a larger sketch or a smaller oversampling");
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
    s.idSelector = parseSelectorOption(a, QStringLiteral("id-selector"));
    s.curSelector = parseSelectorOption(a, QStringLiteral("cur-select"));
    const QString middle = a.value(QStringLiteral("cur-middle"), QStringLiteral("optimal"));
    const auto curMiddle = parseCurMiddle(middle.toStdString());
    if (!curMiddle)
        throw UsageError("--cur-middle must be optimal or cross, not '" + middle.toStdString() + "'");
    s.curMiddle = *curMiddle;
    // Sizes against the matrix: l ≤ n rows, γ ≤ min(n, m) singular vectors.
    const Index n = prepared.channels[0].rows(), m = prepared.channels[0].cols();
    s.curRows = Index(a.integer(QStringLiteral("cur-rows"), 0, 1, n));
    s.leverageRank = Index(a.integer(QStringLiteral("leverage-rank"), 0, 1, std::min(n, m)));
    s.curTolerance = a.real(QStringLiteral("cur-tolerance"), -1.0, 0.0, std::numeric_limits<double>::infinity());
    if (s.curSelector == Selector::Deim && s.curRows > std::min(n, m))
        throw UsageError("--cur-rows " + std::to_string(s.curRows) + " is more than deim can choose (one row per "
                         "singular vector, min(n, m) = " + std::to_string(std::min(n, m)) + ")");
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

int runCurve(const Arguments &a, std::ostream &out, std::ostream &err, const ProgressSink &sink)
{
    requireInput(a);
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
    InputDocument doc = loadDocument(input, parseReshape(a));
    Prepared prepared = prepare(doc, a);
    std::vector<Matrix> product;
    request.settings = parseSettings(a, prepared, &product);
    if (!product.empty()) {
        prepared.channels = product;
        prepared.image.reset();
    }
    request.image = std::move(prepared.image);
    request.spectralEstimates = a.flag(QStringLiteral("spec-estimate"));
    const Index rows = prepared.channels[0].rows(), cols = prepared.channels[0].cols();
    request.ranks = ranks ? *ranks : [&] {
        std::vector<Index> r;
        for (Index k = 1; k <= std::min<Index>(64, std::min(rows, cols)); ++k)
            r.push_back(k);
        return r;
    }();
    const auto progress = progressFor(a, sink, "curve");
    const CurveResult result = computeCurves(prepared.channels, request, progress.get());
    for (const std::string &note : prepared.notes)
        err << "factorscope: note: " << note << '\n';
    for (const std::string &note : result.notes)
        err << "factorscope: note: " << note << '\n';
    CsvMetadata meta = csvMetadata(input, doc, prepared);
    meta.lines = result.computed;
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

/// What a CUR at rank r is made of, and for the cross middle the tolerance and how well the
/// intersection is conditioned (where `cross` blows up).
std::string curNote(const CurModel &cur, Index rank, std::size_t channel)
{
    std::ostringstream note;
    note << "cur";
    if (channel != std::size_t(-1))
        note << " channel " << channel;
    note << ": " << rank << " columns, " << cur.rowCount(rank) << " rows, middle " << curMiddleName(cur.middle());
    if (cur.middle() == CurMiddle::Cross && rank > 0) {
        const Vector sigma = cur.intersectionSingularValues(rank);
        note << "; intersection " << cur.rowCount(rank) << "×" << rank << ", tolerance "
             << formatNumber(cur.crossTolerance(rank)) << ", " << cur.crossRank(rank) << " of " << sigma.size()
             << " singular values kept";
        if (sigma.size() > 0 && cur.crossRank(rank) > 0)
            note << ", σ_max/σ_min kept = " << formatNumber(sigma[0] / sigma[cur.crossRank(rank) - 1]);
        note << "; optimal middle error would be " << formatNumber(std::sqrt(cur.optimalErrFro2(rank)))
             << ", cross is " << formatNumber(std::sqrt(cur.errFro2(rank))) << " (absolute Frobenius)";
    }
    return note.str();
}

int runCompress(const Arguments &a, std::ostream &out, std::ostream &err, const ProgressSink &sink)
{
    requireInput(a);
    if (!a.has(QStringLiteral("method")) || !a.has(QStringLiteral("rank")) || !a.has(QStringLiteral("output")))
        throw UsageError("compress needs --method, --rank and --output");
    const std::vector<Method> methods = parseMethods(a.value(QStringLiteral("method")));
    if (methods.size() != 1)
        throw UsageError("compress takes one method");
    const Method method = methods[0];
    const Index rank = Index(a.integer(QStringLiteral("rank"), 1, 0, 1 << 30));
    const QString output = a.value(QStringLiteral("output"));
    const QString suffix = QFileInfo(output).suffix().toLower();
    if (suffix != QStringLiteral("png") && suffix != QStringLiteral("npy") && suffix != QStringLiteral("csv"))
        throw UsageError("--output must end in .png, .npy or .csv");
    InputDocument doc = loadDocument(a.positional[0], parseReshape(a));
    Prepared prepared = prepare(doc, a);
    std::vector<Matrix> product;
    MethodSettings settings = parseSettings(a, prepared, &product);
    if (!product.empty()) {
        prepared.channels = product;
        prepared.image.reset();
    }
    const Index rows = prepared.channels[0].rows(), cols = prepared.channels[0].cols();
    const Index usable = maxUsableRank(method, rows, cols, settings);
    if (rank > usable)
        throw UsageError("rank " + std::to_string(rank) + " is beyond the largest usable rank " + std::to_string(usable)
                         + " of " + methodName(method) + " on this input");
    settings = resolvedSettings(method, settings, rank); // γ = r for the leverage selectors
    settings = statedSettings(method, rows, cols, settings, rank);
    if (suffix == QStringLiteral("csv") && prepared.channels.size() != 1)
        throw UsageError("a .csv holds one channel; use .npy or .png for " + std::to_string(prepared.channels.size()));

    std::vector<std::unique_ptr<ChannelModel>> models;
    std::vector<Matrix> approx;
    const auto progress = progressFor(a, sink, "compress");
    for (std::size_t c = 0; c < prepared.channels.size(); ++c) {
        SubProgress sub(progress.get(), double(c) / double(prepared.channels.size()),
                        double(c + 1) / double(prepared.channels.size()));
        models.push_back(factorise(prepared.channels[c], method, settings, rank, 0, true, &sub));
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
        row.psnrDb = psnr(prepared.image->displayOriginal.empty() ? prepared.channels : prepared.image->displayOriginal,
                          shown);
    summary.rows.push_back(row);
    CsvMetadata meta = csvMetadata(a.positional[0], doc, prepared);
    std::vector<const ChannelModel *> computed;
    for (const auto &m : models)
        computed.push_back(m.get());
    meta.lines = {computedLine(method, computed, settings, 1)};
    for (const std::string &note : prepared.notes)
        err << "factorscope: note: " << note << '\n';
    if (method == Method::Cur)
        for (std::size_t c = 0; c < models.size(); ++c)
            err << "factorscope: note: " << curNote(static_cast<const CurModel &>(*models[c]), rank, models.size() > 1 ? c : std::size_t(-1)) << '\n';
    writeCurveCsv(out, summary, meta);
    return ExitOk;
}

/// One line of `info`'s text: control characters of a file's names and metadata become '?'.
std::string oneLine(std::string text)
{
    for (char &c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
            c = '?';
    return text;
}

/// `info` on a file of named arrays: the container, its metadata and one line per array
/// ("array: NAME | DTYPE | SHAPE | BYTES bytes[ | cannot be loaded: REASON]"), from headers alone.
/// Returns how many arrays can be loaded.
std::size_t printListing(const core::TensorListing &listing, std::ostream &out)
{
    out << "container: " << listing.format << '\n' << "arrays: " << listing.tensors.size() << '\n';
    for (const auto &[key, value] : listing.metadata)
        out << "metadata: " << oneLine(key) << " = " << oneLine(value) << '\n';
    std::size_t loadable = 0;
    for (const core::TensorInfo &t : listing.tensors) {
        out << "array: " << oneLine(t.name) << " | " << t.dtype << " | "
            << (t.shape.empty() ? std::string("scalar") : [&] {
                   std::string shape;
                   for (std::size_t k = 0; k < t.shape.size(); ++k)
                       shape += (k ? " x " : "") + std::to_string(t.shape[k]);
                   return shape;
               }())
            << " | " << t.bytes << " bytes";
        if (!t.problem.empty())
            out << " | cannot be loaded: " << oneLine(t.problem);
        else
            ++loadable;
        out << '\n';
    }
    for (const std::string &note : listing.notes)
        out << "note: " << note << '\n';
    return loadable;
}

int runInfo(const Arguments &a, std::ostream &out)
{
    requireInput(a);
    const core::Reshape reshape = parseReshape(a);
    const QString input = a.positional[0];

    // A file of named arrays: list them from the headers (reading no data); without ::NAME and
    // with several loadable arrays, the listing is all (with none, the load below says why).
    const core::TensorPath split = core::splitTensorPath(input.toStdString());
    std::ostringstream listed;
    if (core::holdsNamedArrays(split.file)) {
        const core::ListResult listing = core::listTensors(split.file);
        if (!listing.ok())
            throw FileError(core::describeLoadError(split.file, listing.error));
        const std::size_t loadable = printListing(*listing.listing, listed);
        if (split.name.empty() && loadable > 1) {
            out << "file: " << split.file << '\n' << listed.str();
            return ExitOk;
        }
    }

    const InputDocument doc = loadDocument(input, reshape);
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
    out << "file: " << (split.name.empty() ? input.toStdString() : split.file) << '\n' << listed.str();
    if (!doc.tensor.isEmpty())
        out << "tensor: " << oneLine(doc.tensor.toStdString()) << '\n';
    out << "kind: " << (doc.isImage ? "image" : "matrix") << '\n'
        << "format: " << doc.format.toStdString() << '\n'
        << "shape: " << doc.rows() << " x " << doc.cols() << " x " << doc.planes.size() << '\n';
    if (!doc.reshape.isEmpty())
        out << "reshape: " << doc.reshape.toStdString() << '\n';
    out << "min: " << formatNumber(lo) << '\n'
        << "max: " << formatNumber(hi) << '\n'
        << "mean: " << formatNumber(count > 0 ? sum / count : 0.0) << '\n'
        << "frobenius_norm: " << formatNumber(std::sqrt(squaredNorm(doc.planes))) << '\n';
    for (const QString &note : doc.notes)
        out << "note: " << note.toStdString() << '\n';
    return ExitOk;
}

int runPinv(const Arguments &a, std::ostream &out, const ProgressSink &sink)
{
    requireInput(a);
    if (!a.has(QStringLiteral("output")))
        throw UsageError("pinv needs --output X.npy or X.csv");
    if (a.has(QStringLiteral("tol")) && a.has(QStringLiteral("ridge")))
        throw UsageError("--tol and --ridge exclude each other (the ridge solution has no cut-off)");
    const double max = std::numeric_limits<double>::infinity(); // any finite value
    const double tolerance = a.real(QStringLiteral("tol"), -1.0, 0.0, max);
    const double ridge = a.real(QStringLiteral("ridge"), -1.0, 0.0, max);
    const QString output = a.value(QStringLiteral("output"));
    const QString suffix = QFileInfo(output).suffix().toLower();
    if (suffix != QStringLiteral("npy") && suffix != QStringLiteral("csv"))
        throw UsageError("--output must end in .npy or .csv");
    const QString input = a.positional[0];
    InputDocument doc = loadDocument(input, parseReshape(a));
    const Prepared prepared = prepare(doc, a, QStringLiteral("gray"));
    const Index channels = Index(prepared.channels.size());
    if (channels > 1 && !a.has(QStringLiteral("channel")))
        throw UsageError("INPUT has " + std::to_string(channels) + " channels; pick one with --channel 0 to "
                         + std::to_string(channels - 1));
    const Index channel = Index(a.integer(QStringLiteral("channel"), 0, 0, channels - 1));
    const Matrix &m = prepared.channels[std::size_t(channel)];

    const auto progress = progressFor(a, sink, "pinv");
    const auto p = computePseudoInverse(m, progress.get());
    const double used = tolerance >= 0.0 ? tolerance : p->defaultTolerance();
    const Matrix x = ridge > 0.0 ? p->ridge(ridge) : p->pinv(used);
    std::string error;
    const bool ok = suffix == QStringLiteral("npy") ? writeNpy(output.toStdString(), {x}, &error)
                                                    : writeCsv(output.toStdString(), x, &error);
    if (!ok)
        throw FileError(output.toStdString() + ": " + error);

    const PenroseResiduals r = penroseResiduals(m, x);
    const Vector &sigma = p->singularValues();
    out << "input: " << input.toStdString() << '\n';
    if (!doc.tensor.isEmpty())
        out << "tensor: " << oneLine(doc.tensor.toStdString()) << '\n';
    if (!doc.reshape.isEmpty())
        out << "reshape: " << doc.reshape.toStdString() << '\n';
    out << "shape: " << m.rows() << " x " << m.cols() << '\n';
    if (channels > 1)
        out << "channel: " << channel << '\n';
    out << "sigma_max: " << formatNumber(sigma.size() ? sigma[0] : 0.0) << '\n'
        << "sigma_min: " << formatNumber(sigma.size() ? sigma[sigma.size() - 1] : 0.0) << '\n';
    if (ridge > 0.0) {
        // Distance to M⁺ at the default tolerance, from the filter factors (core/pinv.h).
        out << "ridge: " << formatNumber(ridge) << '\n'
            << "distance_to_pinv: " << formatNumber(p->ridgeDistance(ridge, p->defaultTolerance())) << '\n';
    } else {
        out << "tolerance: " << formatNumber(used) << (tolerance >= 0.0 ? " (given)" : " (max(n, m)·eps·sigma_max)") << '\n'
            << "rank: " << p->rankAbove(used) << " of " << sigma.size() << '\n';
    }
    out << "norm_m: " << formatNumber(m.norm()) << '\n'
        << "norm_x: " << formatNumber(x.norm()) << '\n'
        << "penrose_mxm_minus_m: " << formatNumber(r.mxm) << '\n'
        << "penrose_xmx_minus_x: " << formatNumber(r.xmx) << '\n'
        << "penrose_mx_asymmetry: " << formatNumber(r.mxSymmetry) << '\n'
        << "penrose_xm_asymmetry: " << formatNumber(r.xmSymmetry) << '\n';
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
    if (arguments.size() < 2)
        return false;
    const QString &first = arguments[1];
    if (cli::findCommand(first) || first == QStringLiteral("help") || first == QStringLiteral("--help")
        || first == QStringLiteral("-h") || first == QStringLiteral("--version"))
        return true;
    // A word that names no file and does not look like one is a mistyped sub-command (a usage
    // error), not a document for the program to open.
    if (first.startsWith(QLatin1Char('-')) || QFileInfo::exists(first))
        return false;
    return !first.contains(QLatin1Char('/')) && !first.contains(QLatin1Char('.'));
}

int runHeadless(const QStringList &arguments, std::ostream &out, std::ostream &err, const ProgressSink &progress)
{
    try {
        const QString command = arguments.value(1);
        if (command == QStringLiteral("--version")) {
            out << "factorscope " << FACTORSCOPE_VERSION << '\n';
            return ExitOk;
        }
        if (command == QStringLiteral("help") || command == QStringLiteral("--help") || command == QStringLiteral("-h")) {
            // `factorscope help curve` is `factorscope curve --help`.
            if (const cli::CommandSpec *spec = cli::findCommand(arguments.value(2)))
                out << cli::commandHelp(*spec);
            else if (arguments.size() > 2)
                throw UsageError("unknown command '" + arguments[2].toStdString() + "'");
            else
                out << cli::usage();
            return ExitOk;
        }
        const Arguments a = cli::parse(arguments);
        if (a.help) {
            out << cli::commandHelp(*a.command);
            return ExitOk;
        }
        switch (a.command->bit) {
        case cli::Curve: return runCurve(a, out, err, progress);
        case cli::Compress: return runCompress(a, out, err, progress);
        case cli::Info: return runInfo(a, out);
        case cli::Pinv: return runPinv(a, out, progress);
        }
        throw UsageError("unknown command '" + command.toStdString() + "'");
    } catch (const UsageError &e) {
        err << "factorscope: " << e.what() << " (see factorscope --help)\n";
        return ExitUsage;
    } catch (const RequestError &e) {
        err << e.what() << '\n';
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
