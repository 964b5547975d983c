// SPDX-License-Identifier: MIT
// .npz and .safetensors through the core: files written by numpy (np.savez, np.savez_compressed)
// and by a few lines of Python (tests/tools/tensorfiles.py) read back bit for bit for every dtype
// against numpy's own float64 conversion; listings; FILE::NAME; the reshape rule in closed form and
// against a naive placement; and the bad-file table (bad.json) with its kinds and messages.

#include "iotestutil.h"

#include "core/io/matrixio.h"
#include "core/io/tensorfill.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

using namespace factorscope;
using core::LoadErrorKind;
using core::LoadResult;
using core::Matrix;
using core::Reshape;
using test::bitwiseEqual;
using test::kindName;

Q_DECLARE_METATYPE(factorscope::core::Reshape)
Q_DECLARE_METATYPE(factorscope::core::Matrix)
namespace {

std::string str(const QString &s)
{
    return s.toStdString();
}

/// The matrix rows:K makes of an array whose C-order values are value(flat index), given its
/// shape: M[r, c] = A.flat[r·cols + c].
Matrix reshapedClosedForm(const std::vector<std::uint64_t> &shape, int k, const std::function<double(int)> &value)
{
    Eigen::Index rows = 1, cols = 1;
    for (std::size_t a = 0; a < shape.size(); ++a)
        (int(a) < k ? rows : cols) *= Eigen::Index(shape[a]);
    Matrix m(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c)
            m(r, c) = value(int(r * cols + c));
    return m;
}

} // namespace

class TestTensorFiles : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void halfAndBfloat16ClosedForms();
    void reshapeParse();
    void splitTensorPath();
    void fillerAgainstNaivePlacement();

    void safetensorsDtypes_data();
    void safetensorsDtypes();
    void npzArrays_data();
    void npzArrays();
    void reshapeRule_data();
    void reshapeRule();
    void naming_data();
    void naming();
    void listings();
    void textFilesReshape();

    void badFiles_data();
    void badFiles();
    void budget();
    void absurdSizesAllocateNothing();
    void fuzzEntryPointsMatchTheFiles();
    void fuzzRegressions_data();
    void fuzzRegressions();

private:
    QTemporaryDir m_dir;
    QString m_fixtures;
    QString fixture(const QString &name) const { return m_fixtures + QLatin1Char('/') + name; }
};

void TestTensorFiles::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixtures = m_dir.filePath(QStringLiteral("fixtures"));
    const QString error = test::writeTensorFixtures(m_fixtures);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

// --- pieces in closed form --------------------------------------------------------------------

void TestTensorFiles::halfAndBfloat16ClosedForms()
{
    using core::detail::bfloat16ToDouble;
    using core::detail::halfToDouble;
    // Bit for bit (QCOMPARE on doubles is fuzzy).
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    // binary16: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals m · 2^−24.
    QVERIFY(same(halfToDouble(0x3c00), 1.0));
    QVERIFY(same(halfToDouble(0xc000), -2.0));
    QVERIFY(same(halfToDouble(0x7bff), 65504.0));
    QVERIFY(same(halfToDouble(0x0400), std::ldexp(1.0, -14)));
    QVERIFY(same(halfToDouble(0x0001), std::ldexp(1.0, -24)));
    QVERIFY(same(halfToDouble(0x03ff), 1023 * std::ldexp(1.0, -24)));
    QVERIFY(same(halfToDouble(0x3555), 0.333251953125)); // 2^−2 · (1 + 341/1024), the float16 nearest 1/3
    QVERIFY(std::signbit(halfToDouble(0x8000)) && halfToDouble(0x8000) == 0.0);
    QVERIFY(same(halfToDouble(0x7c00), std::numeric_limits<double>::infinity()));
    QVERIFY(same(halfToDouble(0xfc00), -std::numeric_limits<double>::infinity()));
    QVERIFY(std::isnan(halfToDouble(0x7e00)) && std::isnan(halfToDouble(0x7c01)));
    // Every finite pattern: increasing with the bits, and odd in the sign bit.
    double previous = -1;
    for (std::uint32_t bits = 0; bits < 0x7c00; ++bits) {
        const double v = halfToDouble(std::uint16_t(bits));
        QVERIFY(v > previous);
        previous = v;
        QVERIFY(same(halfToDouble(std::uint16_t(bits | 0x8000)), -v));
    }
    // bfloat16: the upper half of a binary32.
    QVERIFY(same(bfloat16ToDouble(0x3f80), 1.0));
    QVERIFY(same(bfloat16ToDouble(0xc0a0), -5.0));
    QVERIFY(same(bfloat16ToDouble(0x0001), std::ldexp(1.0, -133))); // the smallest subnormal
    QVERIFY(same(bfloat16ToDouble(0x7f7f), std::ldexp(255.0, 120))); // the largest finite (0x1.fep127)
    QVERIFY(same(bfloat16ToDouble(0x7f80), std::numeric_limits<double>::infinity()));
    QVERIFY(std::isnan(bfloat16ToDouble(0x7fc0)));
}

void TestTensorFiles::reshapeParse()
{
    for (const std::string text : {"auto", "channels", "rows:0", "rows:1", "rows:7", "rows:32"}) {
        const auto r = Reshape::parse(text);
        QVERIFY2(r.has_value(), text.c_str());
        QCOMPARE(r->text(), text);
    }
    for (const std::string text : {"", "rows", "rows:", "rows:-1", "rows:+2", "rows:33", "rows:1x", "Rows:1", "cols:1"}) {
        std::string error;
        QVERIFY2(!Reshape::parse(text, &error).has_value(), text.c_str());
        QVERIFY2(error.find("auto, channels or rows:K") != std::string::npos, error.c_str());
    }
}

void TestTensorFiles::splitTensorPath()
{
    auto split = [](const std::string &spec) {
        const core::TensorPath p = core::splitTensorPath(spec);
        return p.file + "|" + p.name;
    };
    const std::string dir = str(m_dir.path());
    QCOMPARE(split("m.npy"), std::string("m.npy|"));
    QCOMPARE(split("model.safetensors::layers.3.mlp.up_proj.weight"),
             std::string("model.safetensors|layers.3.mlp.up_proj.weight"));
    QCOMPARE(split("data.npz::arr_0"), std::string("data.npz|arr_0"));
    QCOMPARE(split("data.npz::a::b"), std::string("data.npz|a::b")); // nothing exists: the first "::"
    // An existing file whose name holds "::" is taken whole; one existing prefix wins.
    const QString odd = m_dir.filePath(QStringLiteral("odd::name.npz"));
    QVERIFY(test::writeBytes(odd, "x"));
    QCOMPARE(split(str(odd)), str(odd) + "|");
    QCOMPARE(split(str(odd) + "::w"), str(odd) + "|w");
    QCOMPARE(split(dir + "/odd::other"), dir + "/odd|other");
}

/// The placement of TensorFiller (an odometer over the axes in memory order) against the
/// definition, element by element, for random shapes, reshapes, orders and chunk sizes.
void TestTensorFiles::fillerAgainstNaivePlacement()
{
    std::mt19937 rng(12);
    for (int trial = 0; trial < 300; ++trial) {
        const int n = 1 + int(rng() % 5);
        std::vector<std::uint64_t> dims(static_cast<std::size_t>(n));
        for (auto &d : dims)
            d = 1 + rng() % 4;
        const bool fortran = rng() % 2;
        const bool channels = n == 3 && dims[2] <= 4 && rng() % 3 == 0;
        const Reshape reshape = channels ? Reshape::channels() : Reshape::rows(int(rng() % (n + 1)));
        core::detail::ReshapePlan plan;
        QVERIFY(!core::detail::planArray(dims, reshape, false, core::LoadLimits{}, "declares", &plan));
        std::uint64_t count = 1;
        for (auto d : dims)
            count *= d;
        // Memory position p holds the value p.
        core::detail::TensorFiller filler(plan, fortran);
        std::vector<double> values(count);
        for (std::size_t p = 0; p < count; ++p)
            values[p] = double(p);
        for (std::size_t done = 0; done < count;) {
            const std::size_t chunk = std::min<std::size_t>(count - done, 1 + rng() % 7);
            filler.push(values.data() + done, chunk);
            done += chunk;
        }
        const std::vector<Matrix> got = filler.take();
        // Naive: every multi-index, its memory position and its (channel, row, column).
        std::vector<std::uint64_t> index(static_cast<std::size_t>(n), 0);
        for (std::uint64_t e = 0; e < count; ++e) {
            std::uint64_t rest = e; // e enumerates indices in C order
            for (int a = n - 1; a >= 0; --a) {
                index[std::size_t(a)] = rest % dims[std::size_t(a)];
                rest /= dims[std::size_t(a)];
            }
            std::uint64_t position = 0, stride = 1;
            for (int k = 0; k < n; ++k) {
                const int a = fortran ? k : n - 1 - k;
                position += index[std::size_t(a)] * stride;
                stride *= dims[std::size_t(a)];
            }
            std::size_t channel = 0;
            std::uint64_t row = 0, column = 0;
            if (channels) {
                row = index[0];
                column = index[1];
                channel = std::size_t(index[2]);
            } else {
                for (int a = 0; a < n; ++a) {
                    if (a < reshape.rowAxes)
                        row = row * dims[std::size_t(a)] + index[std::size_t(a)];
                    else
                        column = column * dims[std::size_t(a)] + index[std::size_t(a)];
                }
            }
            if (got[channel](Eigen::Index(row), Eigen::Index(column)) != double(position)) {
                QFAIL(qPrintable(QStringLiteral("trial %1: %2-D, %3, %4: element %5 misplaced")
                                     .arg(trial)
                                     .arg(n)
                                     .arg(QString::fromStdString(reshape.text()))
                                     .arg(fortran ? QStringLiteral("Fortran") : QStringLiteral("C"))
                                     .arg(e)));
            }
        }
    }
}

// --- every dtype, bit for bit ---------------------------------------------------------------------

void TestTensorFiles::safetensorsDtypes_data()
{
    QTest::addColumn<QString>("name");
    for (const char *dtype : {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"})
        QTest::newRow(dtype) << QString::fromLatin1(dtype);
}

void TestTensorFiles::safetensorsDtypes()
{
    QFETCH(QString, name);
    const auto expected = test::expectedArray(m_fixtures, QStringLiteral("dtypes.safetensors"), name);
    QVERIFY(expected);
    const std::string file = str(fixture(QStringLiteral("dtypes.safetensors")));
    const LoadResult r = core::loadTensor(file, str(name));
    QVERIFY2(r.ok(), core::describeLoadError(file, r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    QVERIFY2(bitwiseEqual(r.matrix->channels[0], *expected), qPrintable(name));
    QCOMPARE(r.matrix->tensor, str(name));
    QCOMPARE(r.matrix->format, "safetensors (" + str(name) + ")");
    QCOMPARE(r.matrix->reshape, std::string()); // 2-D, read as it is
    const bool rounded = name == QLatin1String("I64") || name == QLatin1String("U64");
    bool saysRounded = false;
    for (const std::string &note : r.matrix->notes)
        saysRounded = saysRounded || note.find("exceed 2^53") != std::string::npos;
    QCOMPARE(saysRounded, rounded);
}

void TestTensorFiles::npzArrays_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("formatFragment");
    const QStringList names = {QStringLiteral("a"), QStringLiteral("cube"), QStringLiteral("v"), QStringLiteral("fortran"),
                               QStringLiteral("big"), QStringLiteral("half"), QStringLiteral("u64")};
    for (const QString &name : names) {
        QTest::addRow("stored %s", qPrintable(name)) << QStringLiteral("arrays.npz") << name << QStringLiteral("stored, ");
        QTest::addRow("deflated %s", qPrintable(name))
            << QStringLiteral("compressed.npz") << name << QStringLiteral("deflated, ");
    }
    QTest::newRow("fortran order") << QStringLiteral("arrays.npz") << QStringLiteral("fortran") << QStringLiteral("Fortran order");
    QTest::newRow("big-endian") << QStringLiteral("arrays.npz") << QStringLiteral("big") << QStringLiteral("float32, big-endian");
    QTest::newRow("zip64 records") << QStringLiteral("zip64.npz") << QStringLiteral("m") << QStringLiteral("deflated, float64");
    QTest::newRow("zeros near deflate's limit") << QStringLiteral("zeros.npz") << QStringLiteral("z") << QStringLiteral("deflated");
    QTest::newRow("positional arr_0") << QStringLiteral("single.npz") << QStringLiteral("arr_0") << QStringLiteral("stored");
}

void TestTensorFiles::npzArrays()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(QString, formatFragment);
    const auto expected = test::expectedArray(m_fixtures, file, name);
    QVERIFY(expected);
    const std::string path = str(fixture(file));
    const LoadResult r = core::loadTensor(path, str(name));
    QVERIFY2(r.ok(), core::describeLoadError(path, r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    QVERIFY2(bitwiseEqual(r.matrix->channels[0], *expected), qPrintable(name));
    QCOMPARE(r.matrix->tensor, str(name));
    QVERIFY2(r.matrix->format.find(str(formatFragment)) != std::string::npos, r.matrix->format.c_str());
}

// --- the reshape rule -----------------------------------------------------------------------------

void TestTensorFiles::reshapeRule_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<Reshape>("reshape");
    QTest::addColumn<QList<Matrix>>("expected");
    QTest::addColumn<QString>("reshapeText");

    auto counting = [](int k) { return double(k); };
    const std::vector<std::uint64_t> cube = {2, 3, 4};
    for (int k = 0; k <= 3; ++k) {
        const Matrix m = reshapedClosedForm(cube, k, counting);
        QTest::addRow("cube rows:%d", k) << QStringLiteral("arrays.npz") << QStringLiteral("cube") << Reshape::rows(k)
                                         << QList<Matrix>{m}
                                         << QStringLiteral("rows:%1 (2 x 3 x 4 -> %2 x %3)").arg(k).arg(m.rows()).arg(m.cols());
    }
    QTest::newRow("cube auto is rows:1") << QStringLiteral("compressed.npz") << QStringLiteral("cube") << Reshape{}
                                         << QList<Matrix>{reshapedClosedForm(cube, 1, counting)}
                                         << QStringLiteral("rows:1 (2 x 3 x 4 -> 2 x 12)");
    QList<Matrix> planes;
    for (int c = 0; c < 4; ++c) {
        Matrix p(2, 3);
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                p(i, j) = (i * 3 + j) * 4 + c;
        planes << p;
    }
    QTest::newRow("cube as channels") << QStringLiteral("arrays.npz") << QStringLiteral("cube") << Reshape::channels()
                                      << planes << QStringLiteral("channels (2 x 3 x 4 -> 4 channels of 2 x 3)");
    // The Fortran-order member is reshaped as its logical (C-order) values: 0.5, 1.5, …
    QTest::newRow("fortran rows:0") << QStringLiteral("arrays.npz") << QStringLiteral("fortran") << Reshape::rows(0)
                                    << QList<Matrix>{reshapedClosedForm({3, 2}, 0, [](int k) { return k + 0.5; })}
                                    << QStringLiteral("rows:0 (3 x 2 -> 1 x 6)");
    QTest::newRow("fortran rows:2") << QStringLiteral("arrays.npz") << QStringLiteral("fortran") << Reshape::rows(2)
                                    << QList<Matrix>{reshapedClosedForm({3, 2}, 2, [](int k) { return k + 0.5; })}
                                    << QStringLiteral("rows:2 (3 x 2 -> 6 x 1)");
    const auto v = [](int k) { return std::vector<double>{-3, 0, 5, 32767}[std::size_t(k)]; };
    QTest::newRow("1-D auto is a row") << QStringLiteral("arrays.npz") << QStringLiteral("v") << Reshape{}
                                       << QList<Matrix>{reshapedClosedForm({4}, 0, v)} << QStringLiteral("rows:0 (4 -> 1 x 4)");
    QTest::newRow("1-D rows:1 is a column") << QStringLiteral("arrays.npz") << QStringLiteral("v") << Reshape::rows(1)
                                            << QList<Matrix>{reshapedClosedForm({4}, 1, v)}
                                            << QStringLiteral("rows:1 (4 -> 4 x 1)");
    // A convolution kernel out x in x kh x kw: out x in·kh·kw by default.
    const auto conv = [](int k) { return (k - 50.0) / 8; };
    QTest::newRow("conv kernel auto") << QStringLiteral("checkpoint.safetensors") << QStringLiteral("conv.weight") << Reshape{}
                                      << QList<Matrix>{reshapedClosedForm({4, 3, 3, 3}, 1, conv)}
                                      << QStringLiteral("rows:1 (4 x 3 x 3 x 3 -> 4 x 27)");
    QTest::newRow("conv kernel rows:2") << QStringLiteral("checkpoint.safetensors") << QStringLiteral("conv.weight")
                                        << Reshape::rows(2) << QList<Matrix>{reshapedClosedForm({4, 3, 3, 3}, 2, conv)}
                                        << QStringLiteral("rows:2 (4 x 3 x 3 x 3 -> 12 x 9)");
    // The one conflict of the two rules, decided: a stand-alone .npy H x W x C (C <= 4) stays an
    // image's channels; the same array inside an .npz (or a .safetensors) is d0 x rest.
    const auto image = [](int k) { return double(k * 10 % 256); };
    QList<Matrix> imagePlanes;
    for (int c = 0; c < 3; ++c) {
        Matrix p(2, 3);
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                p(i, j) = image((i * 3 + j) * 3 + c);
        imagePlanes << p;
    }
    QTest::newRow(".npy H x W x 3 auto: channels") << QStringLiteral("image.npy") << QString() << Reshape{} << imagePlanes
                                                   << QStringLiteral("channels (2 x 3 x 3 -> 3 channels of 2 x 3)");
    QTest::newRow(".npy H x W x 3 rows:1") << QStringLiteral("image.npy") << QString() << Reshape::rows(1)
                                           << QList<Matrix>{reshapedClosedForm({2, 3, 3}, 1, image)}
                                           << QStringLiteral("rows:1 (2 x 3 x 3 -> 2 x 9)");
    QTest::newRow(".npz H x W x 3 auto: rows:1") << QStringLiteral("image.npz") << QStringLiteral("image") << Reshape{}
                                                 << QList<Matrix>{reshapedClosedForm({2, 3, 3}, 1, image)}
                                                 << QStringLiteral("rows:1 (2 x 3 x 3 -> 2 x 9)");
    QTest::newRow(".npz H x W x 3 channels") << QStringLiteral("image.npz") << QStringLiteral("image") << Reshape::channels()
                                             << imagePlanes << QStringLiteral("channels (2 x 3 x 3 -> 3 channels of 2 x 3)");
}

void TestTensorFiles::reshapeRule()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(Reshape, reshape);
    QFETCH(QList<Matrix>, expected);
    QFETCH(QString, reshapeText);
    const std::string path = str(fixture(file));
    const LoadResult r = core::loadTensor(path, str(name), reshape);
    QVERIFY2(r.ok(), core::describeLoadError(path, r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(expected.size()));
    for (int c = 0; c < expected.size(); ++c)
        QVERIFY2(bitwiseEqual(r.matrix->channels[std::size_t(c)], expected[c]), qPrintable(QStringLiteral("channel %1").arg(c)));
    QCOMPARE(QString::fromStdString(r.matrix->reshape), reshapeText);
    bool noted = false;
    for (const std::string &note : r.matrix->notes)
        noted = noted || note.find("was read as") != std::string::npos;
    QVERIFY(noted);
}

// --- names ----------------------------------------------------------------------------------------

void TestTensorFiles::naming_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expectedTensor");
    QTest::addColumn<QString>("noteFragment");
    QTest::newRow("only array, no name") << QStringLiteral("single.npz") << QString() << QStringLiteral("arr_0") << QString();
    QTest::newRow("member name with .npy") << QStringLiteral("single.npz") << QStringLiteral("arr_0.npy")
                                           << QStringLiteral("arr_0") << QString();
    QTest::newRow("only tensor, no name") << QStringLiteral("one.safetensors") << QString() << QStringLiteral("w") << QString();
    QTest::newRow("other members skipped, said") << QStringLiteral("mixed.npz") << QString() << QStringLiteral("w")
                                                 << QStringLiteral("skipped: readme.txt (is not a .npy array");
    QTest::newRow("name with dots") << QStringLiteral("checkpoint.safetensors") << QStringLiteral("attn.proj")
                                    << QStringLiteral("attn.proj") << QString();
}

void TestTensorFiles::naming()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(QString, expectedTensor);
    QFETCH(QString, noteFragment);
    const std::string path = str(fixture(file));
    const LoadResult r = core::loadTensor(path, str(name));
    QVERIFY2(r.ok(), core::describeLoadError(path, r.error).c_str());
    QCOMPARE(QString::fromStdString(r.matrix->tensor), expectedTensor);
    const auto expected = test::expectedArray(m_fixtures, file, expectedTensor);
    QVERIFY(expected);
    QVERIFY(bitwiseEqual(r.matrix->channels[0], *expected));
    std::string notes;
    for (const std::string &n : r.matrix->notes)
        notes += n + "\n";
    QVERIFY2(noteFragment.isEmpty() || notes.find(str(noteFragment)) != std::string::npos, notes.c_str());
}

void TestTensorFiles::listings()
{
    // .safetensors: in the order of the data, with dtypes as the file names them and metadata.
    const core::ListResult st = core::listTensors(str(fixture(QStringLiteral("checkpoint.safetensors"))));
    QVERIFY(st.ok());
    const core::TensorListing &l = *st.listing;
    QCOMPARE(l.format, std::string("safetensors"));
    QCOMPARE(l.tensors.size(), std::size_t(3));
    QCOMPARE(l.tensors[0].name, std::string("conv.weight"));
    QCOMPARE(l.tensors[0].shape, (std::vector<std::uint64_t>{4, 3, 3, 3}));
    QCOMPARE(l.tensors[0].dtype, std::string("F32"));
    QCOMPARE(l.tensors[0].bytes, std::uint64_t(4 * 27 * 4));
    QCOMPARE(l.tensors[1].name, std::string("conv.bias"));
    QCOMPARE(l.tensors[1].shape, (std::vector<std::uint64_t>{4}));
    QCOMPARE(l.tensors[2].name, std::string("attn.proj"));
    QCOMPARE(l.tensors[2].dtype, std::string("BF16"));
    QCOMPARE(l.tensors[2].bytes, std::uint64_t(48));
    QCOMPARE(l.metadata.size(), std::size_t(2));
    QCOMPARE(l.metadata[0], (std::pair<std::string, std::string>{"format", "pt"}));
    QCOMPARE(l.metadata[1], (std::pair<std::string, std::string>{"note", "line one\nline two"}));
    for (const auto &t : l.tensors)
        QVERIFY(t.problem.empty());

    // .npz: every member, numpy's names without ".npy", dtypes and shapes from the .npy headers.
    for (const QString &file : {QStringLiteral("arrays.npz"), QStringLiteral("compressed.npz")}) {
        const core::ListResult npz = core::listTensors(str(fixture(file)));
        QVERIFY(npz.ok());
        QCOMPARE(npz.listing->format, std::string("NumPy .npz (zip)"));
        const std::vector<std::string> names = {"a", "cube", "v", "fortran", "big", "half", "u64"};
        const std::vector<std::string> dtypes = {"float64", "float32", "int16", "float64", "float32", "float16", "uint64"};
        const std::vector<std::uint64_t> bytes = {48, 96, 8, 48, 16, 12, 16};
        QCOMPARE(npz.listing->tensors.size(), names.size());
        for (std::size_t k = 0; k < names.size(); ++k) {
            QCOMPARE(npz.listing->tensors[k].name, names[k]);
            QCOMPARE(npz.listing->tensors[k].dtype, dtypes[k]);
            QCOMPARE(npz.listing->tensors[k].bytes, bytes[k]);
        }
        QCOMPARE(npz.listing->tensors[1].shape, (std::vector<std::uint64_t>{2, 3, 4}));
    }
    const core::ListResult mixed = core::listTensors(str(fixture(QStringLiteral("mixed.npz"))));
    QVERIFY(mixed.ok());
    QCOMPARE(mixed.listing->tensors.size(), std::size_t(2));
    QCOMPARE(mixed.listing->tensors[0].name, std::string("readme.txt"));
    QVERIFY(mixed.listing->tensors[0].problem.find("not a .npy array") != std::string::npos);
    QVERIFY(mixed.listing->tensors[1].problem.empty());

    // Unsupported dtypes are listed with the reason they cannot be loaded.
    const core::ListResult f8 = core::listTensors(str(fixture(QStringLiteral("f8.safetensors"))));
    QVERIFY(f8.ok());
    QCOMPARE(f8.listing->tensors[0].dtype, std::string("F8_E4M3"));
    QCOMPARE(kindName(f8.listing->tensors[0].problemKind), kindName(LoadErrorKind::Unsupported));

    // A .npy: one unnamed array; text formats do not list.
    const core::ListResult npy = core::listTensors(str(fixture(QStringLiteral("image.npy"))));
    QVERIFY(npy.ok());
    QCOMPARE(npy.listing->tensors.size(), std::size_t(1));
    QCOMPARE(npy.listing->tensors[0].name, std::string());
    QCOMPARE(npy.listing->tensors[0].dtype, std::string("uint8"));
    QCOMPARE(npy.listing->tensors[0].shape, (std::vector<std::uint64_t>{2, 3, 3}));
    const QString csv = m_dir.filePath(QStringLiteral("m.csv"));
    QVERIFY(test::writeBytes(csv, "1,2\n3,4\n"));
    const core::ListResult text = core::listTensors(str(csv));
    QVERIFY(!text.ok());
    QCOMPARE(kindName(text.error.kind), kindName(LoadErrorKind::Unsupported));
    // A name for a file without named arrays.
    const LoadResult named = core::loadTensor(str(csv), "x");
    QCOMPARE(kindName(named.error.kind), kindName(LoadErrorKind::NoSuchName));
    QCOMPARE(core::holdsNamedArrays("a.NPZ"), true);
    QCOMPARE(core::holdsNamedArrays("a.safetensors"), true);
    QCOMPARE(core::holdsNamedArrays("a.mat"), true);
    QCOMPARE(core::holdsNamedArrays("a.npy"), false);
}

/// A text matrix is a 2-D array: the same rule applies to it.
void TestTensorFiles::textFilesReshape()
{
    const QString csv = m_dir.filePath(QStringLiteral("r.csv"));
    QVERIFY(test::writeBytes(csv, "1,2,3\n4,5,6\n"));
    const auto flat = [](int k) { return double(k + 1); };
    for (int k = 0; k <= 2; ++k) {
        const LoadResult r = core::loadTensor(str(csv), "", Reshape::rows(k));
        QVERIFY2(r.ok(), core::describeLoadError(str(csv), r.error).c_str());
        QVERIFY(bitwiseEqual(r.matrix->channels[0], reshapedClosedForm({2, 3}, k, flat)));
        QCOMPARE(r.matrix->reshape.empty(), k == 1);
    }
    const LoadResult channels = core::loadTensor(str(csv), "", Reshape::channels());
    QCOMPARE(kindName(channels.error.kind), kindName(LoadErrorKind::BadReshape));
}

// --- bad files ------------------------------------------------------------------------------------

void TestTensorFiles::badFiles_data()
{
    test::addBadTensorFileRows(m_fixtures);
}

void TestTensorFiles::badFiles()
{
    QFETCH(test::BadTensorFile, bad);
    const std::string path = str(fixture(bad.file));
    const auto reshape = Reshape::parse(str(bad.reshape));
    QVERIFY(reshape);
    LoadResult r;
    try {
        r = core::loadTensor(path, str(bad.name), *reshape);
    } catch (...) {
        QFAIL("loadTensor threw");
    }
    QVERIFY2(!r.ok(), "a bad file was accepted");
    QCOMPARE(QString::fromLatin1(kindName(r.error.kind)), bad.kind);
    QCOMPARE(QString::fromStdString(r.error.tensor), bad.tensor);
    const QString message = QString::fromStdString(core::describeLoadError(path, r.error));
    QVERIFY2(message.startsWith(bad.messageStart(m_fixtures)), qPrintable(message));
    QVERIFY2(message.contains(bad.fragment), qPrintable(message));
    QVERIFY2(message.endsWith(QLatin1Char('.')) && !message.contains(QLatin1Char('\n')), qPrintable(message));
}

void TestTensorFiles::budget()
{
    core::LoadLimits limits;
    limits.maxElements = 10;
    struct Case
    {
        const char *file;
        const char *name;
        const char *fragment;
    };
    const Case cases[] = {
        {"checkpoint.safetensors", "conv.weight", "::conv.weight: declares 4 x 3 x 3 x 3 values, more than the memory budget of 80 bytes"},
        {"arrays.npz", "cube", "::cube: declares 2 x 3 x 4 values, more than the memory budget of 80 bytes"},
        // Refused from the zip directory alone, before inflating: 512 x 512 float64 + its header.
        {"zeros.npz", "z", "::z: declares 2097280 bytes uncompressed, more than the memory budget of 80 bytes"},
    };
    for (const Case &c : cases) {
        const std::string path = str(fixture(QString::fromLatin1(c.file)));
        const LoadResult r = core::loadTensor(path, c.name, {}, limits);
        QVERIFY(!r.ok());
        QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind::TooLarge));
        const std::string message = core::describeLoadError(path, r.error);
        QVERIFY2(message.find(c.fragment) != std::string::npos, message.c_str());
    }
    limits.maxElements = 24; // exactly the cube
    QVERIFY(core::loadTensor(str(fixture(QStringLiteral("arrays.npz"))), "cube", {}, limits).ok());
}

/// Declared sizes are refused before anything is allocated: with 256 MiB of address space to
/// spare, an allocation of what these files declare would fail as "does not fit in the memory
/// available" instead of the reason checked here.
void TestTensorFiles::absurdSizesAllocateNothing()
{
    const QString dir = m_dir.filePath(QStringLiteral("absurd"));
    QDir().mkpath(dir);
    auto safetensors = [](const QByteArray &header, const QByteArray &data) {
        QByteArray out(8, '\0');
        for (int k = 0; k < 8; ++k)
            out[k] = char((quint64(header.size()) >> (8 * k)) & 0xff);
        return out + header + data;
    };
    struct Case
    {
        QString file;
        QByteArray content;
        LoadErrorKind kind;
    };
    const QList<Case> cases = {
        {QStringLiteral("huge.safetensors"),
         safetensors(R"({"w": {"dtype": "F64", "shape": [1000000000, 1000000000], "data_offsets": [0, 8000000000000000000]}})",
                     QByteArray(8, '\0')),
         LoadErrorKind::Truncated},
        {QStringLiteral("overflow.safetensors"),
         safetensors(R"({"w": {"dtype": "F64", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 8]}})",
                     QByteArray(8, '\0')),
         LoadErrorKind::Malformed},
    };
    for (const Case &c : cases)
        QVERIFY(test::writeBytes(dir + QLatin1Char('/') + c.file, c.content));
    const QStringList fixtures = {QStringLiteral("hugeheader.safetensors"), QStringLiteral("ratio.npz")};
    LoadResult results[4];
#if defined(__linux__)
    {
        test::AddressSpaceCap cap(std::uint64_t(256) << 20);
        if (!cap.active())
            qWarning("could not cap the address space; the no-allocation check is weaker");
        for (int k = 0; k < 2; ++k)
            results[k] = core::loadTensor(str(dir + QLatin1Char('/') + cases[k].file), "");
        for (int k = 0; k < 2; ++k)
            results[2 + k] = core::loadTensor(str(fixture(fixtures[k])), "");
    }
#else
    QSKIP("needs an address-space limit");
#endif
    const LoadErrorKind kinds[4] = {LoadErrorKind::Truncated, LoadErrorKind::Malformed, LoadErrorKind::Truncated,
                                    LoadErrorKind::Malformed};
    for (int k = 0; k < 4; ++k) {
        QVERIFY(!results[k].ok());
        const std::string message = core::describeLoadError("f", results[k].error);
        QVERIFY2(message.find("does not fit in the memory available") == std::string::npos, message.c_str());
        QVERIFY2(results[k].error.kind == kinds[k], message.c_str());
    }
}

/// The in-memory entry points (what a libFuzzer target calls) give what the file readers give.
void TestTensorFiles::fuzzEntryPointsMatchTheFiles()
{
    const core::LoadLimits limits = core::LoadLimits::defaults();
    const QByteArray st = test::readBytes(fixture(QStringLiteral("checkpoint.safetensors")));
    const LoadResult fromBytes = core::detail::loadSafetensorsBytes(st.constData(), std::size_t(st.size()),
                                                                    {"conv.weight", {}}, limits);
    QVERIFY(fromBytes.ok());
    QVERIFY(bitwiseEqual(fromBytes.matrix->channels[0],
                         *test::expectedArray(m_fixtures, QStringLiteral("checkpoint.safetensors"), QStringLiteral("conv.weight"))));
    QCOMPARE(core::detail::listSafetensorsBytes(st.constData(), std::size_t(st.size())).listing->tensors.size(), std::size_t(3));
    const QByteArray npz = test::readBytes(fixture(QStringLiteral("compressed.npz")));
    const LoadResult member = core::detail::loadNpzBytes(npz.constData(), std::size_t(npz.size()), {"half", {}}, limits);
    QVERIFY(member.ok());
    QVERIFY(bitwiseEqual(member.matrix->channels[0],
                         *test::expectedArray(m_fixtures, QStringLiteral("compressed.npz"), QStringLiteral("half"))));
    QCOMPARE(core::detail::listNpzBytes(npz.constData(), std::size_t(npz.size())).listing->tensors.size(), std::size_t(7));
    // Every prefix of a file is refused cleanly, never accepted, never a crash.
    for (int cut = 0; cut < st.size(); cut += 7)
        QVERIFY(!core::detail::loadSafetensorsBytes(st.constData(), std::size_t(cut), {"conv.weight", {}}, limits).ok());
    for (int cut = 0; cut < npz.size(); cut += 97)
        QVERIFY(!core::detail::loadNpzBytes(npz.constData(), std::size_t(cut), {"half", {}}, limits).ok());
}

// The fuzz targets' findings (tests/fuzz/regressions/<target>/), each refused through the
// program's entry point with one sentence naming the file and, when it is about one, the array.
void TestTensorFiles::fuzzRegressions_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("fragment");
    // fuzz_safetensors called the reader without loadTensor()'s finite-value check: a NaN came
    // back as a value. The program's path refuses it; the target now checks as loadTensor() does.
    QTest::newRow("NaN in an F32 tensor") << QStringLiteral("safetensors/nan-in-f32-tensor.safetensors")
                                          << QStringLiteral("conv.weight") << QStringLiteral("NonFinite")
                                          << QStringLiteral("value at row 1, column 16 is NaN");
    // nlohmann-json threw out_of_range (not parse_error) on the number 2e308 in the header: the
    // exception left listSafetensorsBytes(); through loadTensor() it was "could not be read".
    QTest::newRow("number beyond a double in the header")
        << QStringLiteral("safetensors/number-beyond-double.safetensors") << QString() << QStringLiteral("Malformed")
        << QStringLiteral("has a header with a number too large for a double");
    // The fuzz target's promise was too strict: a NameRequired message ends in the last name,
    // here "scala!", after which describeLoadError() adds no full stop (as after "…?").
    QTest::newRow("names listed, the last ending in '!'")
        << QStringLiteral("safetensors/name-ending-in-exclamation.safetensors") << QString()
        << QStringLiteral("NameRequired") << QStringLiteral("conv.weight, conv.bias and scala!");
}

void TestTensorFiles::fuzzRegressions()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(QString, kind);
    QFETCH(QString, fragment);
    const QString path = QStringLiteral(FS_SOURCE_DIR "/tests/fuzz/regressions/") + file;
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    const LoadResult r = core::loadTensor(str(path), str(name));
    QVERIFY2(!r.ok(), "a regression file was accepted");
    const QString message = QString::fromStdString(core::describeLoadError(str(path), r.error));
    QCOMPARE(QString::fromLatin1(kindName(r.error.kind)), kind);
    QCOMPARE(QString::fromStdString(r.error.tensor), name);
    const QString named = name.isEmpty() ? path : path + QStringLiteral("::") + name;
    QVERIFY2(message.startsWith(named + QStringLiteral(": ")), qPrintable(message));
    QVERIFY2(message.contains(fragment), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
    QVERIFY2(message.endsWith(QLatin1Char('.')) || message.endsWith(fragment), qPrintable(message));
}

QTEST_APPLESS_MAIN(TestTensorFiles)
#include "tst_tensorfiles.moc"
