// SPDX-License-Identifier: MIT
// `factorscope curve` against an independent numpy/scipy computation (tests/tools/reference.py,
// run with Debian's /usr/bin/python3): SVD, ID, Monarch (padded too), CR top-r and CR's
// expected error, on matrices and on an image in every colour mode. Agreement to 1e-9 relative.
#include "headlessutil.h"

#include "core/random.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace factorscope;
using namespace factorscope::test;
using core::Index;
using core::Matrix;

class TestReference : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void agree_data();
    void agree();

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
};

void TestReference::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QProcess probe;
    probe.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral("import numpy, scipy")});
    QVERIFY2(probe.waitForFinished(60000) && probe.exitCode() == 0,
             "Debian's python3-numpy and python3-scipy are needed (./test.sh installs them)");
    core::Rng rng(17);
    // Decaying spectrum: errors span many orders of magnitude, a hard case for 1e-9 relative.
    Matrix u = rng.gaussian(90, 70), v = rng.gaussian(70, 70);
    Matrix d = Matrix::Zero(70, 70);
    for (int i = 0; i < 70; ++i)
        d(i, i) = std::pow(0.8, i);
    writeNpyFile(path(QStringLiteral("decay.npy")), u * d * v);
    writeNpyFile(path(QStringLiteral("gauss.npy")), rng.gaussian(50, 45));
    // An image, saved as PNG for factorscope and as its uint8 pixels for numpy.
    const int h = 36, w = 44;
    QImage img(w, h, QImage::Format_RGB888);
    QByteArray pixels;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int r = (x * 7 + y * 3) % 256, g = int(128 + 100 * std::sin(0.3 * x) * std::cos(0.2 * y)), b = (x * y) % 256;
            img.setPixel(x, y, qRgb(r, g, b));
            pixels += char(r);
            pixels += char(g);
            pixels += char(b);
        }
    QVERIFY(img.save(path(QStringLiteral("img.png"))));
    QByteArray dict = QByteArrayLiteral("{'descr': '|u1', 'fortran_order': False, 'shape': (36, 44, 3), }");
    while ((10 + dict.size() + 1) % 64 != 0)
        dict += ' ';
    dict += '\n';
    QFile f(path(QStringLiteral("img_pixels.npy")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("\x93NUMPY\x01\x00", 8));
    f.write(QByteArray(1, char(dict.size() & 0xff)) + QByteArray(1, char(dict.size() >> 8)));
    f.write(dict);
    f.write(pixels);
}

void TestReference::agree_data()
{
    QTest::addColumn<QString>("input");     // for factorscope
    QTest::addColumn<QString>("refInput");  // for numpy
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("refMethod");
    QTest::addColumn<QString>("column");
    QTest::addColumn<QString>("ranks");
    QTest::addColumn<QString>("refExtra");
    const QString decay = QStringLiteral("decay.npy"), gauss = QStringLiteral("gauss.npy");
    const QString ranks = QStringLiteral("1,2,5,10,20,40,69,70");
    auto opts = [](std::initializer_list<const char *> l) {
        QStringList s;
        for (const char *x : l)
            s << QString::fromLatin1(x);
        return s;
    };
    QTest::newRow("svd decaying") << decay << decay << opts({"--method", "svd"}) << "svd" << "rel_err_fro" << ranks << "";
    QTest::newRow("svd spectral") << decay << decay << opts({"--method", "svd"}) << "svd-spec" << "rel_err_spec" << ranks << "";
    QTest::newRow("id decaying") << decay << decay << opts({"--method", "id"}) << "id" << "rel_err_fro" << ranks << "";
    QTest::newRow("id gaussian") << gauss << gauss << opts({"--method", "id"}) << "id" << "rel_err_fro" << QStringLiteral("1,3,30,44,45") << "";
    QTest::newRow("monarch 7 blocks") << decay << decay << opts({"--method", "monarch", "--monarch-blocks", "7"}) << "monarch"
                                      << "rel_err_fro" << QStringLiteral("1,2,5,9,10") << "--blocks=7";
    QTest::newRow("monarch padded 4") << gauss << gauss << opts({"--method", "monarch", "--monarch-blocks", "4"}) << "monarch"
                                      << "rel_err_fro" << QStringLiteral("1,2,3,7,11,12") << "--blocks=4";
    QTest::newRow("cr top") << gauss << gauss << opts({"--method", "cr", "--cr-rule", "top"}) << "cr-top" << "rel_err_fro"
                            << QStringLiteral("1,5,20,44,45") << "";
    QTest::newRow("cr expected") << decay << decay << opts({"--method", "cr", "--cr-rule", "optimal", "--trials", "2"}) << "cr-expected"
                                 << "rel_err_fro_expected" << QStringLiteral("1,5,20,70") << "";
    for (const char *color : {"gray", "rgb", "ycbcr"}) {
        const QString c = QString::fromLatin1(color);
        QTest::newRow(qPrintable(QStringLiteral("image svd ") + c)) << "img.png" << "img_pixels.npy" << (QStringList{QStringLiteral("--color"), c})
                                                                  << "svd" << "rel_err_fro" << QStringLiteral("1,3,10,36") << QStringLiteral("--color=") + c;
        QTest::newRow(qPrintable(QStringLiteral("image id ") + c)) << "img.png" << "img_pixels.npy"
                                                                 << (QStringList{QStringLiteral("--color"), c, QStringLiteral("--method"), QStringLiteral("id")})
                                                                 << "id" << "rel_err_fro" << QStringLiteral("1,3,10,36") << QStringLiteral("--color=") + c;
        QTest::newRow(qPrintable(QStringLiteral("image monarch ") + c)) << "img.png" << "img_pixels.npy"
                                                                      << (QStringList{QStringLiteral("--color"), c, QStringLiteral("--method"), QStringLiteral("monarch"),
                                                                                      QStringLiteral("--monarch-blocks"), QStringLiteral("5")})
                                                                      << "monarch" << "rel_err_fro" << QStringLiteral("1,2,7,8") << QStringLiteral("--color=") + c + QStringLiteral(" --blocks=5");
    }
}

void TestReference::agree()
{
    QFETCH(QString, input);
    QFETCH(QString, refInput);
    QFETCH(QStringList, options);
    QFETCH(QString, refMethod);
    QFETCH(QString, column);
    QFETCH(QString, ranks);
    QFETCH(QString, refExtra);
    const RunResult ours = runFactorscope(QStringList{QStringLiteral("curve"), path(input), QStringLiteral("--ranks"), ranks} + options);
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    const CsvTable t = parseCurveCsv(ours.out);

    QProcess ref;
    QStringList args{QStringLiteral(FS_SOURCE_DIR "/tests/tools/reference.py"), path(refInput), refMethod, ranks};
    if (!refExtra.isEmpty())
        args += refExtra.split(QLatin1Char(' '));
    ref.start(QStringLiteral("/usr/bin/python3"), args);
    QVERIFY(ref.waitForFinished(120000));
    QVERIFY2(ref.exitCode() == 0, ref.readAllStandardError().constData());
    const QList<QByteArray> lines = ref.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(t.rows.size(), lines.size());
    for (int i = 0; i < lines.size(); ++i) {
        const QList<QByteArray> cells = lines[i].split(',');
        QCOMPARE(t.cell(i, QStringLiteral("rank")), QString::fromLatin1(cells[0]));
        const double expected = cells[1].toDouble();
        const double got = t.number(i, column);
        const double tol = 1e-9 * std::abs(expected) + 1e-14; // absolute floor: exact zeros are ~1e-16 in either
        QVERIFY2(std::abs(got - expected) <= tol,
                 qPrintable(QStringLiteral("rank %1: factorscope %2, numpy %3, relative %4")
                                .arg(QString::fromLatin1(cells[0])).arg(got, 0, 'g', 17).arg(expected, 0, 'g', 17)
                                .arg(std::abs(got - expected) / std::abs(expected))));
    }
}

QTEST_GUILESS_MAIN(TestReference)
#include "tst_reference.moc"
