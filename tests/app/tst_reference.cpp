// SPDX-License-Identifier: MIT
// `factorscope curve` against an independent numpy/scipy computation (tests/tools/reference.py,
// run with Debian's /usr/bin/python3): SVD, ID, Monarch (padded too), CR top-r and CR's
// expected error, on matrices and on an image in every colour mode; CUR with every deterministic
// selector and both middles, ID with the selectors, each selecting independently in numpy; CUR
// with the randomized selectors on the indices factorscope wrote; the selectors' indices
// themselves (qr = scipy's pivots, DEIM = a numpy DEIM). Agreement to 1e-9 relative.
#include "headlessutil.h"

#include "core/random.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

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
    void selectedIndices_data();
    void selectedIndices();
    void curOnWrittenIndices_data();
    void curOnWrittenIndices();

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
    // CUR: every deterministic selector, both middles; numpy selects on its own (γ = the largest rank).
    // The cross middle inverts the intersection, whose condition number grows like σ₁/σ_r: its
    // error is a well-posed number to 1e-9 only while that stays moderate (r ≤ 30 here).
    const QString curRanks = QStringLiteral("1,2,5,10,20,30");
    for (const char *sel : {"qr", "leverage", "deim", "norm"})
        for (const char *middle : {"optimal", "cross"})
            for (const QString &input : {decay, gauss}) {
                const QString name = QStringLiteral("cur %1 %2 %3").arg(QLatin1String(sel), QLatin1String(middle), input);
                // Leverage with γ = min(n, m) scores every column 1: the order would be rounding noise.
                const bool optimal = QByteArray(middle) == "optimal", leverage = QByteArray(sel) == "leverage";
                const QString all = input == decay ? (leverage ? QStringLiteral("1,2,5,10,20,40,60") : ranks)
                                                   : (leverage ? QStringLiteral("1,3,30,40") : QStringLiteral("1,3,30,44,45"));
                QTest::newRow(qPrintable(name)) << input << input
                                                << opts({"--method", "cur", "--cur-select", sel, "--cur-middle", middle})
                                                << "cur" << "rel_err_fro" << (optimal ? all : curRanks)
                                                << QStringLiteral("--select %1 --middle %2").arg(QLatin1String(sel), QLatin1String(middle));
            }
    QTest::newRow("cur deim 40 rows") << decay << decay << opts({"--method", "cur", "--cur-select", "deim", "--cur-rows", "40"})
                                      << "cur" << "rel_err_fro" << curRanks << "--select deim --rows 40";
    QTest::newRow("cur leverage gamma 12") << decay << decay << opts({"--method", "cur", "--cur-select", "leverage", "--leverage-rank", "12"})
                                           << "cur" << "rel_err_fro" << curRanks << "--select leverage --gamma 12";
    QTest::newRow("cur qr cross tolerance") << decay << decay
                                            << opts({"--method", "cur", "--cur-select", "qr", "--cur-middle", "cross", "--cur-tolerance", "0.01"})
                                            << "cur" << "rel_err_fro" << curRanks << "--select qr --middle cross --tol 0.01";
    for (const char *sel : {"leverage", "deim", "norm"})
        QTest::newRow(qPrintable(QStringLiteral("id %1").arg(QLatin1String(sel))))
            << decay << decay << opts({"--method", "id", "--id-selector", sel}) << "id-select" << "rel_err_fro"
            << (QByteArray(sel) == "leverage" ? QStringLiteral("1,2,5,10,20,40,60") : ranks)
            << QStringLiteral("--select %1").arg(QLatin1String(sel));
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

void TestReference::selectedIndices_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("input");
    for (const char *sel : {"qr", "leverage", "deim", "norm"})
        for (const char *input : {"decay.npy", "gauss.npy"})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(sel), QLatin1String(input))))
                << QString::fromLatin1(sel) << QString::fromLatin1(input);
}

namespace {

/// A 1-D int64 .npy as written by `compress --factors` for CUR, checked byte by byte.
QString readIndices(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot open ") + file;
    const QByteArray bytes = f.readAll();
    const int headerLength = int(quint8(bytes[8])) | (int(quint8(bytes[9])) << 8);
    const QByteArray header = bytes.mid(10, headerLength);
    if (!bytes.startsWith(QByteArray("\x93NUMPY\x01\x00", 8)) || !header.contains("'descr': '<i8'")
        || !header.contains("'shape': (") || !header.contains(",), }") || (10 + headerLength) % 64 != 0)
        return QStringLiteral("not a 1-D int64 .npy: ") + QString::fromLatin1(header);
    QStringList values;
    for (int at = 10 + headerLength; at + 8 <= bytes.size(); at += 8) {
        qint64 v = 0;
        std::memcpy(&v, bytes.constData() + at, 8);
        values << QString::number(v);
    }
    return values.join(QLatin1Char(','));
}

QString referenceLine(const QStringList &args)
{
    QProcess ref;
    ref.start(QStringLiteral("/usr/bin/python3"), QStringList{QStringLiteral(FS_SOURCE_DIR "/tests/tools/reference.py")} + args);
    if (!ref.waitForFinished(120000) || ref.exitCode() != 0)
        return QStringLiteral("reference failed: ") + QString::fromLocal8Bit(ref.readAllStandardError());
    return QString::fromLatin1(ref.readAllStandardOutput().trimmed());
}

} // namespace

void TestReference::selectedIndices()
{
    // The columns and rows `compress --factors` writes for a deterministic selector equal numpy's
    // own choice in order: qr = scipy.linalg.qr(pivoting=True), DEIM = a numpy DEIM on V and U,
    // leverage = the largest ‖V[j, :r]‖² (γ = r), norm = the largest norms.
    QFETCH(QString, selector);
    QFETCH(QString, input);
    const QString k = QStringLiteral("12");
    const QString dir = path(QStringLiteral("idx_%1_%2").arg(selector, input));
    const RunResult ours = runFactorscope({QStringLiteral("compress"), path(input), QStringLiteral("--method"), QStringLiteral("cur"),
                                           QStringLiteral("--cur-select"), selector, QStringLiteral("--rank"), k,
                                           QStringLiteral("--output"), dir + QStringLiteral(".npy"), QStringLiteral("--factors"), dir});
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    const QString columns = readIndices(dir + QStringLiteral("/columns.npy"));
    const QString rows = readIndices(dir + QStringLiteral("/rows.npy"));
    QCOMPARE(columns, referenceLine({path(input), QStringLiteral("select-columns"), k, QStringLiteral("--select"), selector}));
    QCOMPARE(rows, referenceLine({path(input), QStringLiteral("select-rows"), k, QStringLiteral("--select"), selector}));
    const QStringList chosen = columns.split(QLatin1Char(','));
    QCOMPARE(QSet<QString>(chosen.begin(), chosen.end()).size(), 12); // distinct
}

void TestReference::curOnWrittenIndices_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("middle");
    QTest::addColumn<QString>("rank");
    for (const char *sel : {"leverage-sample", "norm-sample", "uniform", "sketch"})
        for (const char *middle : {"optimal", "cross"})
            for (const char *rank : {"3", "15"})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2 r=%3").arg(QLatin1String(sel), QLatin1String(middle), QLatin1String(rank))))
                    << QString::fromLatin1(sel) << QString::fromLatin1(middle) << QString::fromLatin1(rank);
}

void TestReference::curOnWrittenIndices()
{
    // Randomized selectors: numpy cannot repeat our draws, so it takes the indices factorscope
    // wrote and computes the error of the definition for them.
    QFETCH(QString, selector);
    QFETCH(QString, middle);
    QFETCH(QString, rank);
    const QString dir = path(QStringLiteral("rnd_%1_%2_%3").arg(selector, middle, rank));
    const RunResult ours = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("decay.npy")), QStringLiteral("--method"),
                                           QStringLiteral("cur"), QStringLiteral("--cur-select"), selector, QStringLiteral("--cur-middle"),
                                           middle, QStringLiteral("--rank"), rank, QStringLiteral("--seed"), QStringLiteral("4"),
                                           QStringLiteral("--output"), dir + QStringLiteral(".npy"), QStringLiteral("--factors"), dir});
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    const CsvTable t = parseCurveCsv(ours.out);
    const QString line = referenceLine({path(QStringLiteral("decay.npy")), QStringLiteral("cur-given"), rank, QStringLiteral("--middle"), middle,
                                        QStringLiteral("--columns"), dir + QStringLiteral("/columns.npy"), QStringLiteral("--row-indices"),
                                        dir + QStringLiteral("/rows.npy")});
    const double expected = line.section(QLatin1Char(','), 1).toDouble();
    const double got = t.number(0, QStringLiteral("rel_err_fro"));
    QVERIFY2(std::abs(got - expected) <= 1e-9 * expected + 1e-14,
             qPrintable(QStringLiteral("factorscope %1, numpy %2 (%3)").arg(got, 0, 'g', 17).arg(expected, 0, 'g', 17).arg(line)));
}

QTEST_GUILESS_MAIN(TestReference)
#include "tst_reference.moc"
