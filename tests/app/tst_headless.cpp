// SPDX-License-Identifier: MIT
// The headless command end to end: the real binary, no display. CSV columns and values, every
// method, compress outputs and factors (CUR's C, U, R and int64 indices), the variant names of
// CUR and the selectors, pinv (against Eigen and the normal equations), info, usage errors (exit
// 2, nothing written) and a table of bad files (exit 3, one stderr line naming the file, no
// output file left behind); .npz and .safetensors arrays named as FILE::NAME, --reshape, info's
// listing, and their bad-file table (bad.json).
#include "headlessutil.h"
#include "iotestutil.h"

#include "core/io/matrixio.h"
#include "core/random.h"
#include "core/svd.h"

#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <Eigen/Cholesky>
#include <Eigen/QR>

#include <cmath>
#include <cstring>

using namespace factorscope;
using namespace factorscope::test;
using core::Matrix;

class TestHeadless : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void curveSvdValues();
    void curveAllMethods();
    void curveImage();
    void curveToFile();
    void compressOutputs();
    void info();
    void imageKinds_data();
    void imageKinds();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();
    void progress();
    void colourDefault();
    void badFiles_data();
    void badFiles();
    void noPartialOutput();
    void partialOrFull();
    void compressCur();
    void curVariants();
    void pinv();
    void pinvHelp();
    void tensorInfo();
    void tensorCurve();
    void badTensorFiles_data();
    void badTensorFiles();

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
    Matrix m_matrix;
    QString m_tensors; ///< tests/tools/tensorfiles.py's fixtures
    QString tensor(const QString &name) const { return m_tensors + QLatin1Char('/') + name; }
};

void TestHeadless::initTestCase()
{
    QVERIFY(m_dir.isValid());
    core::Rng rng(3);
    m_matrix = rng.gaussian(30, 20);
    writeNpyFile(path(QStringLiteral("m.npy")), m_matrix);
    // A 40×48 colour image with structure.
    QImage img(48, 40, QImage::Format_RGB888);
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 48; ++x)
            img.setPixel(x, y, qRgb((x * 5 + y) % 256, (y * 6) % 256, int(127 + 120 * std::sin(0.2 * x * y / 7.0))));
    QVERIFY(img.save(path(QStringLiteral("img.png"))));
    m_tensors = path(QStringLiteral("tensors"));
    const QString error = writeTensorFixtures(m_tensors);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestHeadless::curveSvdValues()
{
    const RunResult r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--ranks"),
                                        QStringLiteral("1,5,20")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    QVERIFY(r.out.startsWith("# input: "));
    QVERIFY(r.out.contains("# shape: 30 x 20 x 1"));
    const CsvTable t = parseCurveCsv(r.out);
    for (const char *col : {"method", "variant", "rank", "params", "rel_err_fro", "rel_err_spec", "psnr_db"})
        QVERIFY2(t.header.contains(QLatin1String(col)), col);
    QCOMPARE(t.rows.size(), 3);
    const auto svd = core::computeSvd(m_matrix);
    for (int i = 0; i < 3; ++i) {
        const int rank = t.cell(i, QStringLiteral("rank")).toInt();
        const double expected = std::sqrt(svd->errFro2(rank) / m_matrix.squaredNorm());
        QVERIFY(std::abs(t.number(i, QStringLiteral("rel_err_fro")) - expected) <= 1e-15 * std::max(expected, 1e-300) + 1e-300);
        QCOMPARE(t.cell(i, QStringLiteral("params")).toDouble(), double(rank * 51));
        QVERIFY(t.cell(i, QStringLiteral("psnr_db")).isEmpty()); // a matrix has no PSNR
        QCOMPARE(t.cell(i, QStringLiteral("rel_err_spec_kind")), QStringLiteral("exact"));
    }
    QCOMPARE(t.number(2, QStringLiteral("rel_err_fro")), 0.0);
}

void TestHeadless::curveAllMethods()
{
    const RunResult r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                        QStringLiteral("all"), QStringLiteral("--ranks"), QStringLiteral("1:3"),
                                        QStringLiteral("--monarch-blocks"), QStringLiteral("5"), QStringLiteral("--trials"),
                                        QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("7")});
    QCOMPARE(r.exitCode, 0);
    const CsvTable t = parseCurveCsv(r.out);
    QStringList methods;
    for (int i = 0; i < t.rows.size(); ++i) {
        const QString m = t.cell(i, QStringLiteral("method"));
        if (!methods.contains(m))
            methods << m;
        const bool randomized = m == QStringLiteral("rsvd") || m == QStringLiteral("cr");
        QCOMPARE(t.cell(i, QStringLiteral("trials")), randomized ? QStringLiteral("3") : QString());
        QCOMPARE(t.cell(i, QStringLiteral("rel_err_fro_min")).isEmpty(), !randomized);
        QCOMPARE(t.cell(i, QStringLiteral("rel_err_fro_expected")).isEmpty(), m != QStringLiteral("cr"));
        if (randomized) {
            QVERIFY(t.number(i, QStringLiteral("rel_err_fro_min")) <= t.number(i, QStringLiteral("rel_err_fro")) * (1 + 1e-15));
            QVERIFY(t.number(i, QStringLiteral("rel_err_fro_max")) >= t.number(i, QStringLiteral("rel_err_fro")) * (1 - 1e-15));
        }
    }
    QCOMPARE(methods, (QStringList{QStringLiteral("svd"), QStringLiteral("rsvd"), QStringLiteral("id"), QStringLiteral("cr"),
                                    QStringLiteral("monarch"), QStringLiteral("cur")}));
    QCOMPARE(t.rows.size(), 18);
    // The same seed gives the same numbers.
    const RunResult again = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                            QStringLiteral("all"), QStringLiteral("--ranks"), QStringLiteral("1:3"),
                                            QStringLiteral("--monarch-blocks"), QStringLiteral("5"), QStringLiteral("--trials"),
                                            QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("7")});
    QCOMPARE(again.out, r.out);
}

void TestHeadless::curveImage()
{
    for (const QString &color : {QStringLiteral("gray"), QStringLiteral("rgb"), QStringLiteral("ycbcr")}) {
        const RunResult r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("img.png")), QStringLiteral("--color"),
                                            color, QStringLiteral("--ranks"), QStringLiteral("1,10,40")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("# color: %1").arg(color).toUtf8()));
        QVERIFY(r.out.contains(color == QStringLiteral("gray") ? "x 1\n" : "x 3\n"));
        const CsvTable t = parseCurveCsv(r.out);
        QCOMPARE(t.rows.size(), 3);
        QVERIFY(t.number(0, QStringLiteral("psnr_db")) > 5);
        QVERIFY(t.number(1, QStringLiteral("psnr_db")) > t.number(0, QStringLiteral("psnr_db")));
        QVERIFY(t.number(2, QStringLiteral("psnr_db")) > 200); // full rank: exact up to rounding
    }
}

void TestHeadless::curveToFile()
{
    const QString out = path(QStringLiteral("curve.csv"));
    const RunResult r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--ranks"),
                                        QStringLiteral("1:4"), QStringLiteral("--output"), out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.isEmpty());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(parseCurveCsv(f.readAll()).rows.size(), 4);
}

void TestHeadless::compressOutputs()
{
    const QString npy = path(QStringLiteral("rec.npy"));
    const QString factors = path(QStringLiteral("factors"));
    RunResult r = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                  QStringLiteral("svd"), QStringLiteral("--rank"), QStringLiteral("4"), QStringLiteral("--output"),
                                  npy, QStringLiteral("--factors"), factors});
    QCOMPARE(r.exitCode, 0);
    const auto loaded = core::loadMatrixFile(npy.toStdString());
    QVERIFY(loaded.ok());
    const auto svd = core::computeSvd(m_matrix);
    QVERIFY((loaded.matrix->channels[0] - svd->reconstruct(4)).norm() < 1e-12 * m_matrix.norm());
    for (const char *name : {"U.npy", "S.npy", "V.npy"})
        QVERIFY2(QFile::exists(factors + QLatin1Char('/') + QLatin1String(name)), name);
    const auto u = core::loadMatrixFile((factors + QStringLiteral("/U.npy")).toStdString());
    QVERIFY(u.ok());
    QCOMPARE(u.matrix->channels[0].cols(), core::Index(4));
    // The stdout row carries the same error as the curve.
    const CsvTable t = parseCurveCsv(r.out);
    QVERIFY(std::abs(t.number(0, QStringLiteral("rel_err_fro")) - std::sqrt(svd->errFro2(4) / m_matrix.squaredNorm())) < 1e-15);

    // Image to PNG, per method; ID and Monarch factors.
    for (const QString &method : {QStringLiteral("svd"), QStringLiteral("id"), QStringLiteral("monarch"), QStringLiteral("cr"),
                                  QStringLiteral("rsvd")}) {
        const QString png = path(QStringLiteral("rec_%1.png").arg(method));
        r = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("img.png")), QStringLiteral("--method"), method,
                            QStringLiteral("--rank"), QStringLiteral("3"), QStringLiteral("--color"), QStringLiteral("rgb"),
                            QStringLiteral("--output"), png, QStringLiteral("--monarch-blocks"), QStringLiteral("4"),
                            QStringLiteral("--factors"), path(QStringLiteral("f_%1").arg(method))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QImage back(png);
        QCOMPARE(back.size(), QSize(48, 40));
        QVERIFY(!back.isGrayscale());
    }
    QVERIFY(QFile::exists(path(QStringLiteral("f_id/Z_G.npy"))));
    QVERIFY(QFile::exists(path(QStringLiteral("f_monarch/L_B.npy"))));
    QVERIFY(QFile::exists(path(QStringLiteral("f_cr/indices_R.npy"))));

    // CSV output of a matrix; a multi-channel CSV is a usage error.
    r = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--method"), QStringLiteral("id"),
                        QStringLiteral("--rank"), QStringLiteral("20"), QStringLiteral("--output"), path(QStringLiteral("rec.csv"))});
    QCOMPARE(r.exitCode, 0);
    const auto csv = core::loadMatrixFile(path(QStringLiteral("rec.csv")).toStdString());
    QVERIFY(csv.ok());
    QVERIFY((csv.matrix->channels[0] - m_matrix).norm() < 1e-12 * m_matrix.norm()); // full rank ID is exact
    r = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("img.png")), QStringLiteral("--color"), QStringLiteral("rgb"),
                        QStringLiteral("--method"), QStringLiteral("svd"), QStringLiteral("--rank"), QStringLiteral("2"),
                        QStringLiteral("--output"), path(QStringLiteral("rgb.csv"))});
    QCOMPARE(r.exitCode, 2);
}

void TestHeadless::info()
{
    const RunResult r = runFactorscope({QStringLiteral("info"), path(QStringLiteral("img.png"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("kind: image"));
    QVERIFY(r.out.contains("shape: 40 x 48 x 3"));
    const RunResult m = runFactorscope({QStringLiteral("info"), path(QStringLiteral("m.npy"))});
    QCOMPARE(m.exitCode, 0);
    QVERIFY(m.out.contains("kind: matrix"));
    QVERIFY(m.out.contains("shape: 30 x 20 x 1"));
    QVERIFY(m.out.contains(QByteArray("frobenius_norm: ") + QByteArray::number(m_matrix.norm(), 'g', 17)));
}

void TestHeadless::imageKinds_data()
{
    QTest::addColumn<QImage>("image");
    QTest::addColumn<QString>("shape");
    QTest::addColumn<double>("expectedMax"); // the largest value after import, in [0, 1]
    QImage grey16(20, 10, QImage::Format_Grayscale16);
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 20; ++x)
            reinterpret_cast<quint16 *>(grey16.scanLine(y))[x] = quint16(1000 * x + 7 * y); // max 19063
    QTest::newRow("16-bit grey") << grey16 << QStringLiteral("10 x 20 x 1") << 19063.0 / 65535.0;
    QImage palette(12, 8, QImage::Format_Indexed8);
    palette.setColorTable({qRgb(255, 0, 0), qRgb(0, 0, 200)});
    palette.fill(0);
    palette.setPixel(3, 3, 1);
    QTest::newRow("palette colour") << palette << QStringLiteral("8 x 12 x 3") << 1.0;
    QImage alpha(9, 9, QImage::Format_ARGB32);
    alpha.fill(qRgba(100, 150, 200, 10)); // alpha dropped, not blended
    QTest::newRow("alpha dropped") << alpha << QStringLiteral("9 x 9 x 3") << 200.0 / 255.0;
    QImage rgb64(6, 5, QImage::Format_RGBX64);
    rgb64.fill(QColor::fromRgba64(qRgba64(65535, 30000, 12, 65535)));
    QTest::newRow("16-bit colour") << rgb64 << QStringLiteral("5 x 6 x 3") << 1.0;
}

void TestHeadless::imageKinds()
{
    QFETCH(QImage, image);
    QFETCH(QString, shape);
    QFETCH(double, expectedMax);
    const QString file = path(QStringLiteral("kind_%1.png").arg(QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
    QVERIFY(image.save(file));
    const RunResult r = runFactorscope({QStringLiteral("info"), file});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("shape: %1").arg(shape).toUtf8()), r.out.constData());
    const int at = r.out.indexOf("max: ");
    const double max = r.out.mid(at + 5, r.out.indexOf('\n', at) - at - 5).toDouble();
    QVERIFY2(std::abs(max - expectedMax) < 1e-12, qPrintable(QString::number(max, 'g', 17)));
    if (QByteArray(QTest::currentDataTag()) == "alpha dropped")
        QVERIFY(r.out.contains("note: The alpha channel was dropped."));
}

void TestHeadless::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("fragment");
    const QString m = QStringLiteral("MATRIX");
    // A file for the GUI, which needs a display and says so in one line.
    QTest::newRow("gui without display") << QStringList{QStringLiteral("photo.png")} << QStringLiteral("no display");
    // A word that is neither a sub-command nor a file: a usage error, with the closest command.
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("unknown command 'frobnicate'");
    QTest::newRow("mistyped command") << QStringList{QStringLiteral("curv"), m} << QStringLiteral("did you mean curve?");
    QTest::newRow("help of no command") << QStringList{QStringLiteral("help"), QStringLiteral("curves")} << QStringLiteral("unknown command");
    QTest::newRow("option of another command") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--rank"), QStringLiteral("3")}
                                               << QStringLiteral("--rank belongs to compress, not curve");
    QTest::newRow("flag with a value") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--progress=yes")}
                                       << QStringLiteral("takes no value");
    QTest::newRow("no input") << QStringList{QStringLiteral("curve")} << QStringLiteral("missing INPUT");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--bogus")} << QStringLiteral("--bogus");
    QTest::newRow("bad ranks") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--ranks"), QStringLiteral("x")} << QStringLiteral("--ranks");
    QTest::newRow("bad method") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--method"), QStringLiteral("qr")} << QStringLiteral("unknown method");
    QTest::newRow("bad color") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--color"), QStringLiteral("cmyk")} << QStringLiteral("--color");
    QTest::newRow("bad blocks") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--monarch-blocks"), QStringLiteral("0")} << QStringLiteral("--monarch-blocks");
    QTest::newRow("missing value") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--trials")} << QStringLiteral("needs a value");
    QTest::newRow("sketch within p") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--method"), QStringLiteral("rsvd"),
                                                    QStringLiteral("--sketch"), QStringLiteral("10")}
                                     << QStringLiteral("--sketch 10 serves ranks up to the sketch less --oversampling (10)");
    QTest::newRow("compress no rank") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd")} << QStringLiteral("--rank");
    QTest::newRow("compress rank too big") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd"),
                                                          QStringLiteral("--rank"), QStringLiteral("21"), QStringLiteral("--output"), QStringLiteral("OUT.npy")}
                                           << QStringLiteral("beyond");
    QTest::newRow("compress bad suffix") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd"),
                                                        QStringLiteral("--rank"), QStringLiteral("2"), QStringLiteral("--output"), QStringLiteral("OUT.jpg")}
                                         << QStringLiteral(".png, .npy or .csv");
    // CUR, the selectors and pinv: one sentence, exit 2, nothing written (OUT.npy, OUTDIR).
    const auto cur = [&](std::initializer_list<const char *> extra) {
        QStringList a{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("cur"), QStringLiteral("--rank"),
                      QStringLiteral("3"), QStringLiteral("--output"), QStringLiteral("OUT.npy"), QStringLiteral("--factors"),
                      QStringLiteral("OUTDIR")};
        for (const char *e : extra)
            a << QString::fromUtf8(e);
        return a;
    };
    QTest::newRow("cur unknown selector") << cur({"--cur-select", "best"}) << QStringLiteral("--cur-select must be one of qr, sketch");
    QTest::newRow("id unknown selector") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--method"), QStringLiteral("id"),
                                                        QStringLiteral("--id-selector"), QStringLiteral("pivoted-qr")}
                                         << QStringLiteral("--id-selector must be one of");
    QTest::newRow("cur unknown middle") << cur({"--cur-middle", "skeleton"}) << QStringLiteral("--cur-middle must be optimal or cross");
    QTest::newRow("cur rank above min(n, m)") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("cur"),
                                                             QStringLiteral("--rank"), QStringLiteral("21"), QStringLiteral("--output"),
                                                             QStringLiteral("OUT.npy"), QStringLiteral("--factors"), QStringLiteral("OUTDIR")}
                                              << QStringLiteral("beyond the largest usable rank 20");
    QTest::newRow("cur rows above n") << cur({"--cur-rows", "31"}) << QStringLiteral("--cur-rows must be a whole number from 1 to 30");
    QTest::newRow("cur tolerance zero") << cur({"--cur-middle", "cross", "--cur-tolerance", "0"}) << QStringLiteral("--cur-tolerance must be a number in (0");
    QTest::newRow("cur tolerance negative") << cur({"--cur-tolerance", "-1e-3"}) << QStringLiteral("--cur-tolerance");
    QTest::newRow("cur tolerance nan") << cur({"--cur-tolerance", "nan"}) << QStringLiteral("not 'nan'");
    QTest::newRow("leverage rank above min(n, m)") << cur({"--cur-select", "leverage", "--leverage-rank", "21"})
                                                   << QStringLiteral("--leverage-rank must be a whole number from 1 to 20");
    const auto pinv = [&](std::initializer_list<const char *> extra) {
        QStringList a{QStringLiteral("pinv"), m, QStringLiteral("--output"), QStringLiteral("OUT.npy")};
        for (const char *e : extra)
            a << QString::fromUtf8(e);
        return a;
    };
    QTest::newRow("pinv tolerance zero") << pinv({"--tol", "0"}) << QStringLiteral("--tol must be a number in (0");
    QTest::newRow("pinv tolerance negative") << pinv({"--tol", "-2"}) << QStringLiteral("--tol must be a number");
    QTest::newRow("pinv tolerance nan") << pinv({"--tol", "nan"}) << QStringLiteral("not 'nan'");
    QTest::newRow("pinv tolerance text") << pinv({"--tol", "small"}) << QStringLiteral("not 'small'");
    QTest::newRow("pinv ridge zero") << pinv({"--ridge", "0"}) << QStringLiteral("--ridge must be a number in (0");
    QTest::newRow("pinv tol and ridge") << pinv({"--tol", "1e-3", "--ridge", "1e-3"}) << QStringLiteral("exclude each other");
    QTest::newRow("pinv without output") << QStringList{QStringLiteral("pinv"), m} << QStringLiteral("pinv needs --output");
    QTest::newRow("pinv bad suffix") << QStringList{QStringLiteral("pinv"), m, QStringLiteral("--output"), QStringLiteral("OUT.jpg")}
                                     << QStringLiteral(".npy or .csv");
    QTest::newRow("pinv option of another command") << pinv({"--rank", "2"}) << QStringLiteral("--rank belongs to compress, not pinv");
    QTest::newRow("pinv channel out of range") << pinv({"--channel", "1"}) << QStringLiteral("--channel must be a whole number from 0 to 0");
    // Files of named arrays: fine files asked for wrongly (no ::NAME among several, a reshape
    // the array's axes do not allow) are usage errors too, with the reader's sentence.
    const QString npz = QStringLiteral("TENSORS/arrays.npz");
    QTest::newRow("several arrays, no name")
        << QStringList{QStringLiteral("curve"), npz}
        << QStringLiteral("arrays.npz: holds 7 arrays; open one as FILE::NAME with NAME one of a, cube, v, fortran, big, "
                          "half and u64.");
    QTest::newRow("several arrays, compress")
        << QStringList{QStringLiteral("compress"), npz, QStringLiteral("--method"), QStringLiteral("svd"),
                       QStringLiteral("--rank"), QStringLiteral("1"), QStringLiteral("--output"), QStringLiteral("OUT.npy")}
        << QStringLiteral("holds 7 arrays");
    QTest::newRow("reshape beyond the axes")
        << QStringList{QStringLiteral("curve"), npz + QStringLiteral("::cube"), QStringLiteral("--reshape"), QStringLiteral("rows:4")}
        << QStringLiteral("arrays.npz::cube: holds a 3-D array (2 x 3 x 4); the reshape rows:4 needs a rows:K with K from 0 to 3.");
    QTest::newRow("channels of a 2-D array")
        << QStringList{QStringLiteral("info"), npz + QStringLiteral("::a"), QStringLiteral("--reshape"), QStringLiteral("channels")}
        << QStringLiteral("the channels reshape needs a 3-D");
    QTest::newRow("unknown reshape") << QStringList{QStringLiteral("curve"), npz + QStringLiteral("::a"),
                                                    QStringLiteral("--reshape"), QStringLiteral("cols:2")}
                                     << QStringLiteral("--reshape: a reshape is auto, channels or rows:K");
    QTest::newRow("info takes --reshape, not --rank")
        << QStringList{QStringLiteral("info"), npz, QStringLiteral("--rank"), QStringLiteral("2")}
        << QStringLiteral("--rank belongs to compress, not info");
}

void TestHeadless::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, fragment);
    QStringList written;
    for (QString &a : args) {
        if (a == QStringLiteral("MATRIX"))
            a = path(QStringLiteral("m.npy"));
        if (a == QStringLiteral("OUT.npy") || a == QStringLiteral("OUT.jpg") || a == QStringLiteral("OUTDIR")) {
            a = path(QStringLiteral("usage_%1_%2").arg(QString::number(qHash(QString::fromLatin1(QTest::currentDataTag()))), a));
            written << a;
        }
        a.replace(QStringLiteral("TENSORS"), m_tensors);
    }
    const RunResult r = runFactorscope(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
    for (const QString &file : written)
        QVERIFY2(!QFileInfo::exists(file), qPrintable(file + QStringLiteral(" was written")));
}

void TestHeadless::help_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("command");
    QTest::newRow("curve --help") << QStringList{QStringLiteral("curve"), QStringLiteral("--help")} << QStringLiteral("curve");
    QTest::newRow("curve -h with other options") << QStringList{QStringLiteral("curve"), QStringLiteral("x.npy"), QStringLiteral("--bogus"), QStringLiteral("-h")}
                                                  << QStringLiteral("curve");
    QTest::newRow("compress --help") << QStringList{QStringLiteral("compress"), QStringLiteral("--help")} << QStringLiteral("compress");
    QTest::newRow("info --help") << QStringList{QStringLiteral("info"), QStringLiteral("--help")} << QStringLiteral("info");
    QTest::newRow("help curve") << QStringList{QStringLiteral("help"), QStringLiteral("curve")} << QStringLiteral("curve");
    QTest::newRow("--help") << QStringList{QStringLiteral("--help")} << QString();
}

void TestHeadless::help()
{
    // Exit 0, the help on stdout, nothing on stderr; a command's page lists exactly its options.
    QFETCH(QStringList, args);
    QFETCH(QString, command);
    const RunResult r = runFactorscope(args);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    const QString text = QString::fromUtf8(r.out);
    if (command.isEmpty()) {
        for (const char *c : {"curve", "compress", "info"})
            QVERIFY2(text.contains(QStringLiteral("factorscope %1 ").arg(QLatin1String(c))), c);
        return;
    }
    QVERIFY2(text.startsWith(QStringLiteral("Usage: factorscope %1 ").arg(command)), qPrintable(text));
    const bool factorising = command != QStringLiteral("info");
    for (const char *option : {"--method", "--ranks", "--color", "--monarch-blocks", "--trials", "--seed", "--progress"}) {
        const bool wanted = factorising && (QByteArray(option) != "--ranks" || command == QStringLiteral("curve"));
        QVERIFY2(text.contains(QStringLiteral("  %1").arg(QLatin1String(option))) == wanted, option);
    }
    QCOMPARE(text.contains(QStringLiteral("  --rank R")), command == QStringLiteral("compress"));
    if (factorising)
        QVERIFY(text.contains(QStringLiteral("default rgb")));
}

void TestHeadless::progress()
{
    // --progress: lines of whole percentages on stderr, ending at 100; the CSV is unchanged.
    const QStringList base{QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--method"), QStringLiteral("all"),
                           QStringLiteral("--ranks"), QStringLiteral("1:4"), QStringLiteral("--monarch-blocks"), QStringLiteral("4")};
    const RunResult quiet = runFactorscope(base);
    const RunResult loud = runFactorscope(QStringList(base) << QStringLiteral("--progress"));
    QCOMPARE(quiet.exitCode, 0);
    QCOMPARE(loud.exitCode, 0);
    QVERIFY2(quiet.err.isEmpty(), quiet.err.constData());
    QCOMPARE(loud.out, quiet.out);
    const QList<QByteArray> lines = loud.err.trimmed().split('\n');
    QVERIFY(!lines.isEmpty());
    int previous = -1;
    for (const QByteArray &line : lines) {
        QVERIFY2(line.startsWith("factorscope: curve ") && line.endsWith(" %"), line.constData());
        const int percent = line.mid(19, line.size() - 21).toInt();
        QVERIFY(percent > previous && percent <= 100);
        previous = percent;
    }
}

void TestHeadless::colourDefault()
{
    // A colour image without --color is factorised as the program does: rgb, three channels.
    for (const char *command : {"curve", "compress"}) {
        QStringList args{QLatin1String(command), path(QStringLiteral("img.png"))};
        if (QByteArray(command) == "compress")
            args << QStringLiteral("--method") << QStringLiteral("svd") << QStringLiteral("--rank") << QStringLiteral("4")
                 << QStringLiteral("--output") << path(QStringLiteral("default-colour.npy"));
        else
            args << QStringLiteral("--ranks") << QStringLiteral("4");
        const RunResult r = runFactorscope(args);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("# color: rgb\n"), r.out.constData());
        QVERIFY(r.out.contains("# shape: 40 x 48 x 3\n"));
        const RunResult explicitRgb = runFactorscope(QStringList(args) << QStringLiteral("--color") << QStringLiteral("rgb"));
        QCOMPARE(parseCurveCsv(explicitRgb.out).rows, parseCurveCsv(r.out).rows);
    }
}

void TestHeadless::badFiles_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content"); // empty name suffix "/" means a directory
    QTest::addColumn<QString>("fragment");
    auto npyHeader = [](const QByteArray &dict) {
        QByteArray h = dict;
        while ((10 + h.size() + 1) % 64 != 0)
            h += ' ';
        h += '\n';
        QByteArray out("\x93NUMPY\x01\x00", 8);
        out += char(h.size() & 0xff);
        out += char(h.size() >> 8);
        return out + h;
    };
    QTest::newRow("missing") << QStringLiteral("missing.npy") << QByteArray() << QStringLiteral("does not exist");
    QTest::newRow("directory") << QStringLiteral("dir.npy/") << QByteArray() << QStringLiteral("directory");
    QTest::newRow("empty npy") << QStringLiteral("empty.npy") << QByteArray("") << QStringLiteral("empty");
    QTest::newRow("empty png") << QStringLiteral("empty.png") << QByteArray("") << QStringLiteral("empty");
    QTest::newRow("truncated npy") << QStringLiteral("trunc.npy")
                                   << npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }") + QByteArray(40, 'x')
                                   << QString();
    QTest::newRow("absurd npy") << QStringLiteral("huge.npy")
                                << npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }")
                                << QString();
    QTest::newRow("wrong magic") << QStringLiteral("magic.npy") << QByteArray("PK\x03\x04 this is a zip") << QString();
    QTest::newRow("unsupported dtype") << QStringLiteral("complex.npy")
                                       << npyHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (1, 1), }") + QByteArray(16, '\0')
                                       << QString();
    QTest::newRow("ragged csv") << QStringLiteral("ragged.csv") << QByteArray("1,2,3\n4,5\n") << QString();
    QTest::newRow("non-numeric csv") << QStringLiteral("text.csv") << QByteArray("1,2\n3,apple\n") << QString();
    QTest::newRow("nan csv") << QStringLiteral("nan.csv") << QByteArray("1,2\n3,nan\n") << QStringLiteral("NaN");
    QTest::newRow("absurd mtx") << QStringLiteral("huge.mtx")
                                << QByteArray("%%MatrixMarket matrix array real general\n1000000000 1000000000\n1\n") << QString();
    QTest::newRow("not a mat") << QStringLiteral("junk.mat") << QByteArray(200, 'z') << QString();
    QTest::newRow("corrupt png") << QStringLiteral("corrupt.png") << QByteArray("\x89PNG\r\n\x1a\n garbage garbage") << QString();
    QTest::newRow("unknown kind") << QStringLiteral("notes.xyz") << QByteArray("hello") << QStringLiteral("image");
    // A PNG whose header claims 60000 × 60000 pixels: refused before decoding.
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    QByteArray ihdr("IHDR", 4);
    auto be32 = [](quint32 v) { QByteArray b(4, '\0'); b[0] = char(v >> 24); b[1] = char(v >> 16); b[2] = char(v >> 8); b[3] = char(v); return b; };
    ihdr += be32(60000) + be32(60000) + QByteArray("\x08\x02\x00\x00\x00", 5);
    png += be32(13) + ihdr + be32(0 /* CRC not checked before size */);
    QTest::newRow("oversized png") << QStringLiteral("huge.png") << png << QString();
}

void TestHeadless::badFiles()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, fragment);
    QString file = path(QStringLiteral("bad/") + name);
    QDir().mkpath(path(QStringLiteral("bad")));
    if (name.endsWith(QLatin1Char('/'))) {
        file.chop(1);
        QDir().mkpath(file);
    } else if (!name.startsWith(QStringLiteral("missing"))) {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    for (const QString &command : {QStringLiteral("curve"), QStringLiteral("info")}) {
        const RunResult r = runFactorscope({command, file});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.out.isEmpty());
        QCOMPARE(r.err.count('\n'), 1);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains(file), r.err.constData()); // names the file
        if (!fragment.isEmpty())
            QVERIFY2(err.contains(fragment, Qt::CaseInsensitive), r.err.constData());
    }
}

void TestHeadless::noPartialOutput()
{
    const QString out = path(QStringLiteral("never.csv"));
    RunResult r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("bad/ragged.csv")), QStringLiteral("--output"), out});
    QCOMPARE(r.exitCode, 3);
    QVERIFY(!QFile::exists(out));
    const QString unwritable = path(QStringLiteral("no/such/folder/curve.csv"));
    r = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--output"), unwritable});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(QString::fromUtf8(r.err).contains(unwritable), r.err.constData());
    QVERIFY(!QFile::exists(unwritable));
    QDir dir(path(QStringLiteral("no")));
    QVERIFY(!dir.exists());
}

void TestHeadless::compressCur()
{
    // C, U, R and the 1-D int64 columns/rows; C·U·R is the reconstruction written; C and R are
    // M's own columns and rows.
    for (const char *middle : {"optimal", "cross"}) {
        const QString dir = path(QStringLiteral("cur_%1").arg(QLatin1String(middle)));
        const QString rec = dir + QStringLiteral(".npy");
        const RunResult r = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                            QStringLiteral("cur"), QStringLiteral("--cur-select"), QStringLiteral("deim"),
                                            QStringLiteral("--cur-middle"), QString::fromLatin1(middle), QStringLiteral("--rank"),
                                            QStringLiteral("5"), QStringLiteral("--cur-rows"), QStringLiteral("7"), QStringLiteral("--output"),
                                            rec, QStringLiteral("--factors"), dir});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("cur: 5 columns, 7 rows, middle ") && (QByteArray(middle) == "optimal" || r.err.contains("tolerance")),
                 r.err.constData());
        const auto load = [&](const char *name) {
            const auto l = core::loadMatrixFile((dir + QLatin1Char('/') + QLatin1String(name) + QStringLiteral(".npy")).toStdString());
            return l.ok() ? l.matrix->channels[0] : Matrix();
        };
        const Matrix c = load("C"), u = load("U"), rr = load("R"), columns = load("columns"), rows = load("rows");
        QCOMPARE(c.rows(), core::Index(30));
        QCOMPARE(c.cols(), core::Index(5));
        QCOMPARE(u.rows(), core::Index(5));
        QCOMPARE(u.cols(), core::Index(7));
        QCOMPARE(rr.rows(), core::Index(7));
        QCOMPARE(rr.cols(), core::Index(20));
        QCOMPARE(columns.rows(), core::Index(1)); // a 1-D array reads as a row
        QCOMPARE(columns.size(), core::Index(5));
        QCOMPARE(rows.size(), core::Index(7));
        for (core::Index j = 0; j < 5; ++j)
            QCOMPARE(c.col(j), m_matrix.col(core::Index(columns(j))));
        for (core::Index i = 0; i < 7; ++i)
            QCOMPARE(rr.row(i), m_matrix.row(core::Index(rows(i))));
        const auto written = core::loadMatrixFile(rec.toStdString());
        QVERIFY(written.ok());
        QVERIFY((c * u * rr - written.matrix->channels[0]).norm() <= 1e-12 * m_matrix.norm());
        QFile f(dir + QStringLiteral("/columns.npy"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray head = f.read(128);
        QVERIFY2(head.contains("'descr': '<i8'") && head.contains("'shape': (5,)"), head.constData());
        const CsvTable t = parseCurveCsv(r.out);
        QCOMPARE(t.cell(0, QStringLiteral("variant")), QStringLiteral("deim;%1;rows=7").arg(QLatin1String(middle)));
        QCOMPARE(t.number(0, QStringLiteral("params")), double(30 * 5 + 5 * 7 + 7 * 20));
        const double err = (m_matrix - c * u * rr).norm() / m_matrix.norm();
        QVERIFY(std::abs(t.number(0, QStringLiteral("rel_err_fro")) - err) <= 1e-12 * err);
    }
}

void TestHeadless::curVariants()
{
    // The variant names what the numbers depend on: selector, middle, γ (the largest rank of the
    // curve when not given), rows and tolerance; ID with a selector likewise.
    const auto variants = [&](const QStringList &extra) {
        const RunResult r = runFactorscope(QStringList{QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--ranks"),
                                                       QStringLiteral("2,4")} + extra);
        const CsvTable t = parseCurveCsv(r.out);
        return r.exitCode == 0 && t.rows.size() == 2 ? t.cell(1, QStringLiteral("variant")) : QString::fromUtf8(r.err);
    };
    const QString cur = QStringLiteral("--method=cur");
    QCOMPARE(variants({cur}), QStringLiteral("qr;optimal"));
    QCOMPARE(variants({cur, QStringLiteral("--cur-select=leverage")}), QStringLiteral("leverage;optimal;gamma=4"));
    QCOMPARE(variants({cur, QStringLiteral("--cur-select=leverage-sample"), QStringLiteral("--leverage-rank=6")}),
             QStringLiteral("leverage-sample;optimal;gamma=6"));
    QCOMPARE(variants({cur, QStringLiteral("--cur-middle=cross"), QStringLiteral("--cur-tolerance=0.001"), QStringLiteral("--cur-rows=9")}),
             QStringLiteral("qr;cross;rows=9;tol=0.001"));
    QCOMPARE(variants({QStringLiteral("--method=id"), QStringLiteral("--id-selector=deim")}), QStringLiteral("deim"));
    QCOMPARE(variants({QStringLiteral("--method=id"), QStringLiteral("--id-selector=leverage")}), QStringLiteral("leverage;gamma=4"));
    QCOMPARE(variants({QStringLiteral("--method=id")}), QStringLiteral("pivoted-qr"));
}

void TestHeadless::pinv()
{
    // X = M⁺ (Eigen's complete orthogonal decomposition as the independent value), the report on
    // stdout, the tolerance cut-off, the ridge solution against the normal equations, CSV output,
    // and the channel of a colour image.
    const QString x = path(QStringLiteral("pinv.npy"));
    RunResult r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("m.npy")), QStringLiteral("--output"), x});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    auto loaded = core::loadMatrixFile(x.toStdString());
    QVERIFY(loaded.ok());
    const Matrix expected = m_matrix.completeOrthogonalDecomposition().pseudoInverse();
    QVERIFY((loaded.matrix->channels[0] - expected).norm() <= 1e-10 * expected.norm());
    const QString text = QString::fromUtf8(r.out);
    QVERIFY2(text.contains(QStringLiteral("rank: 20 of 20\n")) && text.contains(QStringLiteral("(max(n, m)·eps·sigma_max)")), qPrintable(text));
    for (const char *key : {"penrose_mxm_minus_m: ", "penrose_xmx_minus_x: ", "penrose_mx_asymmetry: ", "penrose_xm_asymmetry: "}) {
        const int at = text.indexOf(QLatin1String(key));
        QVERIFY2(at >= 0, key);
        const double value = text.mid(at + int(std::strlen(key))).section(QLatin1Char('\n'), 0, 0).toDouble();
        QVERIFY2(value < 1e-12, key);
    }
    // A tolerance between σ's drops the smaller ones.
    const auto svd = core::computeSvd(m_matrix);
    const double tol = 0.5 * (svd->singularValues()[9] + svd->singularValues()[10]);
    r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("m.npy")), QStringLiteral("--tol"), QString::number(tol, 'g', 17),
                        QStringLiteral("--output"), path(QStringLiteral("pinv10.csv"))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("rank: 10 of 20\n") && r.out.contains("(given)"), r.out.constData());
    loaded = core::loadMatrixFile(path(QStringLiteral("pinv10.csv")).toStdString());
    QVERIFY(loaded.ok());
    const Matrix x10 = svd->v().leftCols(10) * svd->singularValues().head(10).cwiseInverse().asDiagonal() * svd->u().leftCols(10).transpose();
    QVERIFY((loaded.matrix->channels[0] - x10).norm() <= 1e-12 * x10.norm());
    // Ridge.
    r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("m.npy")), QStringLiteral("--ridge"), QStringLiteral("0.5"),
                        QStringLiteral("--output"), path(QStringLiteral("ridge.npy"))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(r.out.contains("ridge: 0.5\n") && r.out.contains("distance_to_pinv: "));
    loaded = core::loadMatrixFile(path(QStringLiteral("ridge.npy")).toStdString());
    const Matrix normal = (m_matrix.transpose() * m_matrix + 0.5 * Matrix::Identity(20, 20)).llt().solve(m_matrix.transpose());
    QVERIFY((loaded.matrix->channels[0] - normal).norm() <= 1e-12 * normal.norm());
    // A colour image: grey by default; rgb needs --channel.
    r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("img.png")), QStringLiteral("--output"), path(QStringLiteral("img_pinv.npy"))});
    QVERIFY2(r.exitCode == 0 && r.out.contains("shape: 40 x 48\n"), r.err.constData());
    r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("img.png")), QStringLiteral("--color"), QStringLiteral("rgb"),
                        QStringLiteral("--output"), path(QStringLiteral("img_pinv_rgb.npy"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("pick one with --channel 0 to 2"), r.err.constData());
    QVERIFY(!QFile::exists(path(QStringLiteral("img_pinv_rgb.npy"))));
    r = runFactorscope({QStringLiteral("pinv"), path(QStringLiteral("img.png")), QStringLiteral("--color"), QStringLiteral("rgb"),
                        QStringLiteral("--channel"), QStringLiteral("2"), QStringLiteral("--output"), path(QStringLiteral("img_pinv_rgb.npy"))});
    QVERIFY2(r.exitCode == 0 && r.out.contains("channel: 2\n"), r.err.constData());
}

void TestHeadless::pinvHelp()
{
    const RunResult r = runFactorscope({QStringLiteral("pinv"), QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    const QString text = QString::fromUtf8(r.out);
    for (const char *option : {"--tol T", "--ridge EPS", "--output FILE", "--color MODE", "--channel C"})
        QVERIFY2(text.contains(QLatin1String(option)), option);
    for (const char *option : {"--method", "--rank", "--cur-select"})
        QVERIFY2(!text.contains(QLatin1String(option)), option);
    const RunResult all = runFactorscope({QStringLiteral("--help")});
    QVERIFY(all.out.contains("factorscope pinv INPUT"));
    const RunResult compress = runFactorscope({QStringLiteral("compress"), QStringLiteral("--help")});
    for (const char *option : {"--cur-select SELECTOR", "--cur-middle MIDDLE", "--cur-rows L", "--cur-tolerance T", "--leverage-rank G"})
        QVERIFY2(compress.out.contains(option), option);
}

// --- .npz, .safetensors, FILE::NAME, --reshape ------------------------------------------------------

void TestHeadless::tensorInfo()
{
    // Several arrays and no name: the listing from the headers, and nothing else.
    RunResult r = runFactorscope({QStringLiteral("info"), tensor(QStringLiteral("checkpoint.safetensors"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    const QByteArray listing = "container: safetensors\n"
                               "arrays: 3\n"
                               "metadata: format = pt\n"
                               "metadata: note = line one?line two\n"
                               "array: conv.weight | F32 | 4 x 3 x 3 x 3 | 432 bytes\n"
                               "array: conv.bias | F32 | 4 | 16 bytes\n"
                               "array: attn.proj | BF16 | 6 x 4 | 48 bytes\n";
    QCOMPARE(r.out, "file: " + tensor(QStringLiteral("checkpoint.safetensors")).toUtf8() + '\n' + listing);

    // A name: the listing, then the array as the commands see it.
    const Matrix conv = *expectedArray(m_tensors, QStringLiteral("checkpoint.safetensors"), QStringLiteral("conv.weight"));
    r = runFactorscope({QStringLiteral("info"), tensor(QStringLiteral("checkpoint.safetensors::conv.weight"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains(listing));
    for (const QByteArray &line : {QByteArray("tensor: conv.weight\n"), QByteArray("kind: matrix\n"),
                                  QByteArray("format: safetensors (F32)\n"), QByteArray("shape: 4 x 27 x 1\n"),
                                  QByteArray("reshape: rows:1 (4 x 3 x 3 x 3 -> 4 x 27)\n"),
                                  "frobenius_norm: " + QByteArray::number(conv.norm(), 'g', 17) + '\n'})
        QVERIFY2(r.out.contains(line), r.out.constData());
    r = runFactorscope({QStringLiteral("info"), tensor(QStringLiteral("checkpoint.safetensors::conv.weight")),
                        QStringLiteral("--reshape"), QStringLiteral("rows:2")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("shape: 12 x 9 x 1\nreshape: rows:2 (4 x 3 x 3 x 3 -> 12 x 9)\n"));

    // One loadable array among others: it is opened, the others listed with their reason.
    r = runFactorscope({QStringLiteral("info"), tensor(QStringLiteral("mixed.npz"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("array: readme.txt | "), r.out.constData());
    QVERIFY(r.out.contains("| cannot be loaded: is not a .npy array (an .npz holds .npy members)\n"));
    QVERIFY(r.out.contains("tensor: w\n"));
    QVERIFY(r.out.contains("shape: 2 x 2 x 1\n"));
    QVERIFY(r.out.contains("note: Arrays that cannot be loaded were skipped: readme.txt"));

    // A stand-alone .npy: no container lines; its 3-D H x W x 3 is an image's channels.
    r = runFactorscope({QStringLiteral("info"), tensor(QStringLiteral("image.npy"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(!r.out.contains("container:"));
    QVERIFY(r.out.contains("shape: 2 x 3 x 3\nreshape: channels (2 x 3 x 3 -> 3 channels of 2 x 3)\n"));
}

void TestHeadless::tensorCurve()
{
    const QString spec = tensor(QStringLiteral("checkpoint.safetensors::conv.weight"));
    const Matrix conv = *expectedArray(m_tensors, QStringLiteral("checkpoint.safetensors"), QStringLiteral("conv.weight"));
    for (const QString &reshape : {QStringLiteral("auto"), QStringLiteral("rows:2")}) {
        const RunResult r = runFactorscope({QStringLiteral("curve"), spec, QStringLiteral("--ranks"), QStringLiteral("1,3"),
                                            QStringLiteral("--reshape"), reshape});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        // What was read, in the metadata.
        const bool rows2 = reshape == QLatin1String("rows:2");
        QVERIFY(r.out.startsWith("# input: " + spec.toUtf8() + '\n'));
        QVERIFY(r.out.contains(rows2 ? "# shape: 12 x 9 x 1\n" : "# shape: 4 x 27 x 1\n"));
        QVERIFY(r.out.contains("# tensor: conv.weight\n"));
        QVERIFY(r.out.contains(rows2 ? "# reshape: rows:2 (4 x 3 x 3 x 3 -> 12 x 9)\n"
                                     : "# reshape: rows:1 (4 x 3 x 3 x 3 -> 4 x 27)\n"));
        // And the numbers are those of that matrix: numpy's conv.reshape(4, -1) (or (12, -1)).
        Matrix m(rows2 ? 12 : 4, rows2 ? 9 : 27);
        for (Eigen::Index k = 0; k < 108; ++k) // C order of both shapes
            m(k / m.cols(), k % m.cols()) = conv(k / 27, k % 27);
        const auto svd = core::computeSvd(m);
        const CsvTable t = parseCurveCsv(r.out);
        QCOMPARE(t.rows.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const int rank = t.cell(i, QStringLiteral("rank")).toInt();
            const double expected = std::sqrt(svd->errFro2(rank) / m.squaredNorm());
            QVERIFY(std::abs(t.number(i, QStringLiteral("rel_err_fro")) - expected) <= 1e-13 * expected);
        }
    }
    // A 2-D array: the tensor is named, no reshape line.
    const RunResult r = runFactorscope({QStringLiteral("curve"), tensor(QStringLiteral("arrays.npz::a")),
                                        QStringLiteral("--ranks"), QStringLiteral("1")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("# tensor: a\n"));
    QVERIFY(!r.out.contains("# reshape:"));
}

void TestHeadless::badTensorFiles_data()
{
    test::addBadTensorFileRows(m_tensors);
}

/// Every bad .npz and .safetensors through the command: exit 3 (2 when the file is fine but the
/// request is not), nothing on stdout, one stderr line that begins FILE: or FILE::NAME:.
void TestHeadless::badTensorFiles()
{
    QFETCH(BadTensorFile, bad);
    const bool request = bad.kind == QLatin1String("NameRequired") || bad.kind == QLatin1String("BadReshape");
    QStringList commands = {QStringLiteral("curve")};
    if (bad.kind != QLatin1String("NameRequired")) // info lists a file of several arrays instead
        commands << QStringLiteral("info");
    for (const QString &command : commands) {
        const RunResult r = runFactorscope({command, bad.spec(m_tensors), QStringLiteral("--reshape"), bad.reshape});
        QCOMPARE(r.exitCode, request ? 2 : 3);
        QVERIFY(r.out.isEmpty());
        QCOMPARE(r.err.count('\n'), 1);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.startsWith(bad.messageStart(m_tensors)), r.err.constData());
        QVERIFY2(err.contains(bad.fragment), r.err.constData());
    }
}

QTEST_GUILESS_MAIN(TestHeadless)
// --ranks 1:24 factorises to rank 24 only (block Lanczos, pivoted QR stopped at 24); --full the
// whole; the numbers agree and the metadata says which was used.
void TestHeadless::partialOrFull()
{
    core::Rng rng(5);
    core::Vector sigma(300);
    for (int i = 0; i < 300; ++i)
        sigma[i] = std::pow(1.0 + i, -1.1);
    const Matrix u = rng.gaussian(420, 300).householderQr().householderQ() * Matrix::Identity(420, 300);
    const Matrix v = rng.gaussian(300, 300).householderQr().householderQ() * Matrix::Identity(300, 300);
    writeNpyFile(path(QStringLiteral("decay.npy")), u * sigma.asDiagonal() * v.transpose());
    const QStringList args = {QStringLiteral("curve"), path(QStringLiteral("decay.npy")), QStringLiteral("--method"),
                              QStringLiteral("svd,id"), QStringLiteral("--ranks"), QStringLiteral("1:24")};
    const RunResult partial = runFactorscope(args);
    const RunResult full = runFactorscope(args + QStringList{QStringLiteral("--full")});
    QCOMPARE(partial.exitCode, 0);
    QCOMPARE(full.exitCode, 0);
    QVERIFY2(partial.out.contains("\n# svd: exact SVD; partial, k = 24, block Lanczos"), partial.out.left(600).constData());
    QVERIFY(partial.out.contains("; partial, k = 24, pivoted QR stopped after 24 of 300 steps"));
    QVERIFY(full.out.contains("\n# svd: exact SVD; full, dgesdd, all 300 singular values"));
    QVERIFY(full.out.contains("; full, dgeqp3, all 300 steps"));
    const CsvTable a = parseCurveCsv(partial.out), b = parseCurveCsv(full.out);
    QCOMPARE(a.rows.size(), 48);
    QCOMPARE(b.rows.size(), 48);
    for (int i = 0; i < 48; ++i)
        for (const QString &column : {QStringLiteral("rel_err_fro"), QStringLiteral("rel_err_spec")}) {
            if (a.cell(i, column).isEmpty() && b.cell(i, column).isEmpty())
                continue;
            const double x = a.number(i, column), y = b.number(i, column);
            QVERIFY2(std::abs(x - y) <= 1e-10 * std::abs(y), qPrintable(QStringLiteral("row %1 %2: %3 vs %4").arg(i).arg(column).arg(x, 0, 'g', 17).arg(y, 0, 'g', 17)));
        }
}

#include "tst_headless.moc"
