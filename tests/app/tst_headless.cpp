// SPDX-License-Identifier: MIT
// The headless command end to end: the real binary, no display. CSV columns and values, every
// method, compress outputs and factors, info, usage errors (exit 2) and a table of bad files
// (exit 3, one stderr line naming the file, no output file left behind).
#include "headlessutil.h"

#include "core/io/matrixio.h"
#include "core/random.h"
#include "core/svd.h"

#include <QBuffer>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <sys/stat.h>

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
    void curveAllMethodsOnSmallMatrices_data();
    void curveAllMethodsOnSmallMatrices();
    void curveImage();
    void curveToFile();
    void compressOutputs();
    void info();
    void imageKinds_data();
    void imageKinds();
    void usageErrors_data();
    void usageErrors();
    void badFiles_data();
    void badFiles();
    void noPartialOutput();

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
    Matrix m_matrix;
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
                                    QStringLiteral("monarch")}));
    QCOMPARE(t.rows.size(), 15);
    // The same seed gives the same numbers.
    const RunResult again = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                            QStringLiteral("all"), QStringLiteral("--ranks"), QStringLiteral("1:3"),
                                            QStringLiteral("--monarch-blocks"), QStringLiteral("5"), QStringLiteral("--trials"),
                                            QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("7")});
    QCOMPARE(again.out, r.out);
}

// Issue 13: with max(n, m) below Monarch's 16 blocks, "--method all" exited with status 1
// ("computeMonarch: blocks = 16 outside [1, 3]"). Monarch is left out with a note; exit 0.
void TestHeadless::curveAllMethodsOnSmallMatrices_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("1 x 1") << 1 << 1;
    QTest::newRow("3 x 2") << 3 << 2;
    QTest::newRow("15 x 15") << 15 << 15;
    QTest::newRow("2 x 15") << 2 << 15;
}

void TestHeadless::curveAllMethodsOnSmallMatrices()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    const QString file = path(QStringLiteral("small_%1x%2.csv").arg(rows).arg(cols));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < rows; ++i) {
            QStringList cells;
            for (int j = 0; j < cols; ++j)
                cells << QString::number(1 + (i * 7 + j * 3) % 11);
            f.write(cells.join(QLatin1Char(',')).toUtf8() + '\n');
        }
    }
    const RunResult r = runFactorscope({QStringLiteral("curve"), file, QStringLiteral("--method"), QStringLiteral("all")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains(QStringLiteral("monarch: left out: 16 blocks need at least as many rows or columns")),
             r.err.constData());
    const CsvTable t = parseCurveCsv(r.out);
    QStringList methods;
    for (int i = 0; i < t.rows.size(); ++i)
        if (!methods.contains(t.cell(i, QStringLiteral("method"))))
            methods << t.cell(i, QStringLiteral("method"));
    QCOMPARE(methods, (QStringList{QStringLiteral("svd"), QStringLiteral("rsvd"), QStringLiteral("id"), QStringLiteral("cr")}));
    // With blocks that fit, Monarch is computed.
    const RunResult fits = runFactorscope({QStringLiteral("curve"), file, QStringLiteral("--method"),
                                           QStringLiteral("monarch"), QStringLiteral("--monarch-blocks"),
                                           QString::number(std::max(rows, cols))});
    QVERIFY2(fits.exitCode == 0, fits.err.constData());
    QVERIFY(parseCurveCsv(fits.out).rows.size() >= 1);
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
    // Not a sub-command: a file for the GUI, which needs a display and says so in one line.
    QTest::newRow("gui without display") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("no display");
    QTest::newRow("no input") << QStringList{QStringLiteral("curve")} << QStringLiteral("missing INPUT");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--bogus")} << QStringLiteral("--bogus");
    QTest::newRow("bad ranks") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--ranks"), QStringLiteral("x")} << QStringLiteral("--ranks");
    QTest::newRow("bad method") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--method"), QStringLiteral("qr")} << QStringLiteral("unknown method");
    QTest::newRow("bad color") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--color"), QStringLiteral("cmyk")} << QStringLiteral("--color");
    QTest::newRow("bad blocks") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--monarch-blocks"), QStringLiteral("0")} << QStringLiteral("--monarch-blocks");
    QTest::newRow("missing value") << QStringList{QStringLiteral("curve"), m, QStringLiteral("--trials")} << QStringLiteral("needs a value");
    QTest::newRow("compress no rank") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd")} << QStringLiteral("--rank");
    QTest::newRow("compress rank too big") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd"),
                                                          QStringLiteral("--rank"), QStringLiteral("21"), QStringLiteral("--output"), QStringLiteral("OUT.npy")}
                                           << QStringLiteral("beyond");
    // Monarch needs a row or column per block (it exited with status 1).
    QTest::newRow("compress monarch, more blocks than rows and columns")
        << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("monarch"),
                       QStringLiteral("--monarch-blocks"), QStringLiteral("31"), QStringLiteral("--rank"), QStringLiteral("1"),
                       QStringLiteral("--output"), QStringLiteral("OUT.npy")}
        << QStringLiteral("--monarch-blocks 31 is more than the rows and columns of the 30 x 20 input");
    QTest::newRow("compress bad suffix") << QStringList{QStringLiteral("compress"), m, QStringLiteral("--method"), QStringLiteral("svd"),
                                                        QStringLiteral("--rank"), QStringLiteral("2"), QStringLiteral("--output"), QStringLiteral("OUT.jpg")}
                                         << QStringLiteral(".png, .npy or .csv");
}

void TestHeadless::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, fragment);
    for (QString &a : args) {
        if (a == QStringLiteral("MATRIX"))
            a = path(QStringLiteral("m.npy"));
        if (a == QStringLiteral("OUT.npy") || a == QStringLiteral("OUT.jpg"))
            a = path(a);
    }
    const RunResult r = runFactorscope(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
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
    // Decoders that print to stderr themselves (libpng, libtiff): still one line (issue 13:
    // stderr is no longer sent to /dev/null for the whole command, only while Qt decodes).
    QImage picture(64, 48, QImage::Format_RGB32);
    for (int y = 0; y < picture.height(); ++y)
        for (int x = 0; x < picture.width(); ++x)
            picture.setPixel(x, y, qRgb((x * 37) % 256, (y * 91) % 256, (x * y) % 256));
    auto encoded = [&](const char *format) {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        picture.save(&buffer, format);
        return bytes;
    };
    QByteArray brokenIdat = encoded("PNG");
    for (int k = brokenIdat.size() / 2; k < brokenIdat.size() / 2 + 16; ++k)
        brokenIdat[k] = char(brokenIdat[k] ^ 0x5a);
    QTest::newRow("png with a damaged IDAT (libpng prints)") << QStringLiteral("idat.png") << brokenIdat
                                                           << QStringLiteral("could not be decoded");
    const QByteArray tiff = encoded("TIFF");
    if (!tiff.isEmpty())
        QTest::newRow("truncated tiff (libtiff prints)") << QStringLiteral("half.tif") << tiff.left(tiff.size() / 2)
                                                         << QStringLiteral("could not be decoded");
    // Not regular files: named as such, never opened (a FIFO would block the reader).
    QTest::newRow("fifo without extension") << QStringLiteral("<fifo>pipe") << QByteArray()
                                            << QStringLiteral("is a named pipe (FIFO), not a regular file");
    QTest::newRow("fifo named .csv") << QStringLiteral("<fifo>pipe.csv") << QByteArray()
                                     << QStringLiteral("is a named pipe (FIFO), not a regular file");
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << QByteArray()
                               << QStringLiteral("is a character device, not a regular file");
    QTest::newRow("symbolic link loop") << QStringLiteral("<loop>loop.png") << QByteArray()
                                        << QStringLiteral("is a symbolic link loop");
}

void TestHeadless::badFiles()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, fragment);
    QString file = path(QStringLiteral("bad/") + name);
    QDir().mkpath(path(QStringLiteral("bad")));
    if (name.startsWith(QLatin1Char('/'))) {
        file = name;
    } else if (name.startsWith(QStringLiteral("<fifo>"))) {
        file = path(QStringLiteral("bad/") + name.mid(6));
        QFile::remove(file);
        QVERIFY(::mkfifo(QFile::encodeName(file).constData(), 0600) == 0);
    } else if (name.startsWith(QStringLiteral("<loop>"))) {
        file = path(QStringLiteral("bad/") + name.mid(6));
        const QString other = file + QStringLiteral(".other");
        QFile::remove(file);
        QFile::remove(other);
        QVERIFY(QFile::link(other, file));
        QVERIFY(QFile::link(file, other));
    } else if (name.endsWith(QLatin1Char('/'))) {
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

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
