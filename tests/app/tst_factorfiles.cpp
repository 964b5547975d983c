// SPDX-License-Identifier: MIT
// The factor files of `factorscope compress --factors` load in one line of numpy: their shapes
// and dtypes are those the README's table gives, M̃ rebuilt from them in numpy (Monarch by the
// README's own three lines, read from README.md) equals the program's reconstruction, and every
// file the headless command writes is created 0666 & ~umask.
#include "headlessutil.h"

#include "core/random.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace factorscope;
using namespace factorscope::test;
using core::Index;
using core::Matrix;

class TestFactorFiles : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void numpyRebuildsReconstruction_data();
    void numpyRebuildsReconstruction();
    void filesHonourUmask_data();
    void filesHonourUmask();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    /// The README's Monarch snippet (the ```python block after <!-- monarch-numpy -->).
    static QString readmeSnippet();
    QTemporaryDir m_dir;
};

void TestFactorFiles::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QProcess probe;
    probe.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral("import numpy")});
    QVERIFY2(probe.waitForFinished(60000) && probe.exitCode() == 0, "Debian's python3-numpy is needed (./test.sh installs it)");
    // 30 × 22: Monarch with 4 blocks pads it to 32 × 24, so the crop is exercised.
    core::Rng rng(11);
    Matrix a = rng.gaussian(30, 22);
    for (Index i = 0; i < a.rows(); ++i)
        for (Index j = 0; j < a.cols(); ++j)
            a(i, j) += 2.0 * std::sin(0.2 * double(i) * double(j + 1));
    writeNpyFile(path(QStringLiteral("m.npy")), a);
}

QString TestFactorFiles::readmeSnippet()
{
    QFile readme(QStringLiteral(FS_SOURCE_DIR "/README.md"));
    if (!readme.open(QIODevice::ReadOnly))
        return {};
    const QString text = QString::fromUtf8(readme.readAll());
    const QRegularExpression block(QStringLiteral("<!-- monarch-numpy -->\\s*```python\\n(.*?)```"),
                                   QRegularExpression::DotMatchesEverythingOption);
    return block.match(text).captured(1);
}

void TestFactorFiles::numpyRebuildsReconstruction_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<int>("rank");
    QTest::addColumn<QString>("rebuild"); // Python: checks shapes and dtypes, sets Mt

    const QString svd = QStringLiteral(
        "U, S, V = np.load('U.npy'), np.load('S.npy'), np.load('V.npy')\n"
        "assert U.shape == (n, r) and S.shape == (r,) and V.shape == (m, r), (U.shape, S.shape, V.shape)\n"
        "assert U.dtype == S.dtype == V.dtype == np.float64\n"
        "Mt = U * S @ V.T\n");
    QTest::newRow("svd") << QStringList{QStringLiteral("--method"), QStringLiteral("svd")} << 5 << svd;
    QTest::newRow("rsvd") << QStringList{QStringLiteral("--method"), QStringLiteral("rsvd"), QStringLiteral("--sketch"),
                                         QStringLiteral("17")} << 6 << svd;
    const QString id = QStringLiteral(
        "C, Z, indices = np.load('C.npy'), np.load('Z.npy'), np.load('indices.npy')\n"
        "assert C.shape == (n, r) and Z.shape == (r, m) and indices.shape == (r,), (C.shape, Z.shape, indices.shape)\n"
        "assert indices.dtype == np.int64 and C.dtype == Z.dtype == np.float64\n"
        "assert np.array_equal(C, M[:, indices])\n"
        "Mt = C @ Z\n");
    QTest::newRow("id") << QStringList{QStringLiteral("--method"), QStringLiteral("id")} << 7 << id;
    QTest::newRow("id sketch") << QStringList{QStringLiteral("--method"), QStringLiteral("id"), QStringLiteral("--id-selector"),
                                              QStringLiteral("sketch")} << 7 << id;
    QTest::newRow("cr optimal") << QStringList{QStringLiteral("--method"), QStringLiteral("cr")} << 12
                                << QStringLiteral(
                                       "indices, weights, probabilities = np.load('indices.npy'), np.load('weights.npy'), "
                                       "np.load('probabilities.npy')\n"
                                       "assert indices.shape == (r,) and indices.dtype == np.int64\n"
                                       "assert weights.shape == (m,) and probabilities.shape == (m,)\n"
                                       "assert np.allclose(weights, np.linalg.norm(M, axis=0))\n"
                                       "Mt = M * (np.bincount(indices, minlength=m) / (r * probabilities))\n");
    QTest::newRow("cr top") << QStringList{QStringLiteral("--method"), QStringLiteral("cr"), QStringLiteral("--cr-rule"),
                                           QStringLiteral("top")} << 9
                            << QStringLiteral(
                                   "indices = np.load('indices.npy')\n"
                                   "assert indices.shape == (r,) and indices.dtype == np.int64\n"
                                   "assert not os.path.exists('probabilities.npy')\n"
                                   "Mt = M * np.bincount(indices, minlength=m)\n");
    const QString snippet = readmeSnippet();
    QTest::newRow("monarch (padded), the README's lines")
        << QStringList{QStringLiteral("--method"), QStringLiteral("monarch"), QStringLiteral("--monarch-blocks"), QStringLiteral("4")}
        << 3
        << QStringLiteral("b, Lo, I = 4, 8, 6\n") + snippet
               + QStringLiteral("assert L.shape == (b, Lo, b, r) and R.shape == (b, r, b, I), (L.shape, R.shape)\n");
}

void TestFactorFiles::numpyRebuildsReconstruction()
{
    QFETCH(QStringList, options);
    QFETCH(int, rank);
    QFETCH(QString, rebuild);
    QVERIFY2(!rebuild.trimmed().isEmpty() && !rebuild.startsWith(QStringLiteral("b, Lo, I = 4, 8, 6\nassert")),
             "the README has no ```python block after <!-- monarch-numpy -->");
    const QString dir = path(QStringLiteral("f-%1").arg(QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
    const QString recon = dir + QStringLiteral("-recon.npy");
    QStringList args{QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--rank"), QString::number(rank),
                     QStringLiteral("--output"), recon, QStringLiteral("--factors"), dir};
    args += options;
    const RunResult run = runFactorscope(args);
    QVERIFY2(run.exitCode == 0, run.err.constData());

    const QString script = QStringLiteral("import os, sys\nimport numpy as np\n"
                                          "M = np.load(sys.argv[1]); ref = np.load(sys.argv[2])\n"
                                          "os.chdir(sys.argv[3]); n, m = M.shape; r = int(sys.argv[4])\n")
                           + rebuild
                           + QStringLiteral("assert Mt.shape == ref.shape, (Mt.shape, ref.shape)\n"
                                            "print(float(abs(Mt - ref).max() / abs(ref).max()))\n");
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-c"), script, path(QStringLiteral("m.npy")), recon, dir, QString::number(rank)});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, (python.readAllStandardError() + "\n" + script.toUtf8()).constData());
    bool ok = false;
    const double error = python.readAllStandardOutput().trimmed().toDouble(&ok);
    QVERIFY(ok);
    QVERIFY2(error <= 1e-12, qPrintable(QStringLiteral("numpy's M̃ differs from the program's by %1 (relative)").arg(error)));
}

void TestFactorFiles::filesHonourUmask_data()
{
    QTest::addColumn<int>("mask");
    QTest::newRow("022") << 0022;
    QTest::newRow("027") << 0027;
    QTest::newRow("002") << 0002;
}

void TestFactorFiles::filesHonourUmask()
{
    QFETCH(int, mask);
    const QString dir = path(QStringLiteral("umask-%1").arg(mask, 3, 8, QLatin1Char('0')));
    const mode_t previous = ::umask(mode_t(mask)); // the child inherits it
    const RunResult compress = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                               QStringLiteral("monarch"), QStringLiteral("--monarch-blocks"), QStringLiteral("4"),
                                               QStringLiteral("--rank"), QStringLiteral("2"), QStringLiteral("--output"),
                                               dir + QStringLiteral("/recon.png"), QStringLiteral("--factors"), dir});
    const RunResult ids = runFactorscope({QStringLiteral("compress"), path(QStringLiteral("m.npy")), QStringLiteral("--method"),
                                          QStringLiteral("id"), QStringLiteral("--rank"), QStringLiteral("2"), QStringLiteral("--output"),
                                          dir + QStringLiteral("/recon.csv"), QStringLiteral("--factors"), dir});
    const RunResult curve = runFactorscope({QStringLiteral("curve"), path(QStringLiteral("m.npy")), QStringLiteral("--output"),
                                            dir + QStringLiteral("/curve.csv")});
    ::umask(previous);
    QVERIFY2(compress.exitCode == 0, compress.err.constData());
    QVERIFY2(ids.exitCode == 0, ids.err.constData());
    QVERIFY2(curve.exitCode == 0, curve.err.constData());
    const QStringList files = QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    QCOMPARE(files, QStringList({QStringLiteral("C.npy"), QStringLiteral("L.npy"), QStringLiteral("R.npy"), QStringLiteral("Z.npy"),
                                 QStringLiteral("curve.csv"), QStringLiteral("indices.npy"), QStringLiteral("recon.csv"),
                                 QStringLiteral("recon.png")}));
    for (const QString &name : files) {
        struct stat info {};
        QVERIFY(::stat(QFile::encodeName(QDir(dir).filePath(name)).constData(), &info) == 0);
        QVERIFY2((info.st_mode & 0777) == (0666 & ~mode_t(mask)),
                 qPrintable(QStringLiteral("%1 is %2, not %3").arg(name).arg(info.st_mode & 0777, 3, 8).arg(0666 & ~mask, 3, 8)));
    }
}

QTEST_GUILESS_MAIN(TestFactorFiles)
#include "tst_factorfiles.moc"
