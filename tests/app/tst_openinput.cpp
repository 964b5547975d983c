// SPDX-License-Identifier: MIT
// app::openInput, the program's one open path (the tensor picker will call it), on .npz and
// .safetensors files: FILE::NAME and TensorChoice, the document's tensor and reshape, and every
// bad file of tests/tools/tensorfiles.py (bad.json) as one sentence naming the file and the array,
// with the core's error kind (NameRequired is how the program will know to ask).
#include "iotestutil.h"

#include "app/inputloader.h"

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using app::openInput;
using app::OpenResult;
using app::TensorChoice;
using core::Reshape;
using test::BadTensorFile;

class TestOpenInput : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void namedArrays();
    void choiceAndReshape();
    void namesOnOtherFiles();
    void badFiles_data();
    void badFiles();

private:
    QTemporaryDir m_dir;
    QString m_fixtures;
    QString fixture(const QString &name) const { return m_fixtures + QLatin1Char('/') + name; }
};

void TestOpenInput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixtures = m_dir.filePath(QStringLiteral("fixtures"));
    const QString error = test::writeTensorFixtures(m_fixtures);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestOpenInput::namedArrays()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    const OpenResult r = openInput(file + QStringLiteral("::attn.proj"));
    QVERIFY2(r.ok(), qPrintable(r.error));
    const app::InputDocument &doc = *r.document;
    QCOMPARE(doc.path, file);
    QCOMPARE(doc.displayName, QStringLiteral("checkpoint.safetensors"));
    QCOMPARE(doc.tensor, QStringLiteral("attn.proj"));
    QCOMPARE(doc.reshape, QString()); // 2-D, read as it is
    QCOMPARE(doc.source(), file + QStringLiteral("::attn.proj"));
    QCOMPARE(doc.format, QStringLiteral("safetensors (BF16)"));
    QVERIFY(!doc.isImage);
    QCOMPARE(doc.planes.size(), std::size_t(1));
    QVERIFY(test::bitwiseEqual(doc.planes[0], *test::expectedArray(m_fixtures, QStringLiteral("checkpoint.safetensors"),
                                                                   QStringLiteral("attn.proj"))));
    QVERIFY(!r.errorKind);

    // The only array of a file opens without a name, and says which it is.
    const OpenResult single = openInput(fixture(QStringLiteral("single.npz")));
    QVERIFY2(single.ok(), qPrintable(single.error));
    QCOMPARE(single.document->tensor, QStringLiteral("arr_0"));
    QCOMPARE(single.document->source(), fixture(QStringLiteral("single.npz::arr_0")));
}

void TestOpenInput::choiceAndReshape()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    // The picker's choice wins over a ::NAME in the path.
    OpenResult r = openInput(file + QStringLiteral("::conv.bias"), TensorChoice{QStringLiteral("conv.weight"), Reshape::rows(2)});
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.document->tensor, QStringLiteral("conv.weight"));
    QCOMPARE(r.document->rows(), core::Index(12));
    QCOMPARE(r.document->cols(), core::Index(9));
    QCOMPARE(r.document->reshape, QStringLiteral("rows:2 (4 x 3 x 3 x 3 -> 12 x 9)"));
    QVERIFY(r.document->notes.join(QLatin1Char(' ')).contains(QStringLiteral("12 x 9 matrix")));
    // Several arrays and no name: the kind the program will answer with the picker.
    r = openInput(file);
    QVERIFY(!r.ok());
    QCOMPARE(r.errorKind, std::optional<core::LoadErrorKind>(core::LoadErrorKind::NameRequired));
    QCOMPARE(r.error, file + QStringLiteral(": holds 3 arrays; open one as FILE::NAME with NAME one of conv.weight, "
                                            "conv.bias and attn.proj."));
    // An image H x W x 3 .npy is an image's channels; inside an .npz it is d0 x rest.
    r = openInput(fixture(QStringLiteral("image.npy")));
    QVERIFY(r.ok());
    QCOMPARE(r.document->planes.size(), std::size_t(3));
    r = openInput(fixture(QStringLiteral("image.npz")));
    QVERIFY(r.ok());
    QCOMPARE(r.document->planes.size(), std::size_t(1));
    QCOMPARE(r.document->cols(), core::Index(9));
}

void TestOpenInput::namesOnOtherFiles()
{
    QImage image(4, 3, QImage::Format_RGB888);
    image.fill(Qt::red);
    const QString png = m_dir.filePath(QStringLiteral("red.png"));
    QVERIFY(image.save(png));
    OpenResult r = openInput(png + QStringLiteral("::w"));
    QVERIFY(!r.ok());
    QCOMPARE(r.errorKind, std::optional<core::LoadErrorKind>(core::LoadErrorKind::NoSuchName));
    QVERIFY2(r.error.startsWith(png + QStringLiteral(": ")) && r.error.contains(QStringLiteral("no array named \"w\"")),
             qPrintable(r.error));
    r = openInput(png, TensorChoice{QString(), Reshape::rows(0)});
    QVERIFY(r.ok());
    QVERIFY(r.document->notes.join(QLatin1Char(' ')).contains(QStringLiteral("the image was read as it is")));
    r = openInput(fixture(QStringLiteral("image.npy::w")));
    QCOMPARE(r.errorKind, std::optional<core::LoadErrorKind>(core::LoadErrorKind::NoSuchName));
    r = openInput(fixture(QStringLiteral("nothere.npz::w")));
    QVERIFY(r.error.startsWith(fixture(QStringLiteral("nothere.npz: does not exist"))));
}

void TestOpenInput::badFiles_data()
{
    test::addBadTensorFileRows(m_fixtures);
}

void TestOpenInput::badFiles()
{
    QFETCH(BadTensorFile, bad);
    const auto reshape = Reshape::parse(bad.reshape.toStdString());
    QVERIFY(reshape);
    const OpenResult r = openInput(bad.spec(m_fixtures), TensorChoice{QString(), *reshape});
    QVERIFY(!r.ok());
    QVERIFY2(r.error.startsWith(bad.messageStart(m_fixtures)), qPrintable(r.error));
    QVERIFY2(r.error.contains(bad.fragment), qPrintable(r.error));
    QVERIFY(r.error.endsWith(QLatin1Char('.')) && !r.error.contains(QLatin1Char('\n')));
    QVERIFY(r.errorKind.has_value());
    QCOMPARE(QString::fromLatin1(test::kindName(*r.errorKind)), bad.kind);
}

QTEST_MAIN(TestOpenInput)
#include "tst_openinput.moc"
