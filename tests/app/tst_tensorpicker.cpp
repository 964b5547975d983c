// SPDX-License-Identifier: MIT
// The tensor picker and the program's open path for files of several arrays, driven without a
// modal event loop (DocumentOpener::setTensorChooser builds the real dialog and works it as a
// person would): the listing (name, shape, dtype, size; greyed with the reason when an array
// cannot be opened), the filter, the sort by size, the reshape's live shape checked against what
// core::loadTensor then makes of every array, the remembered choice (and stored garbage falling
// back), Cancel keeping the document, a one-array file and FILE::NAME opening without asking,
// a .mat with several variables, a failing choice and a stale Open Recent entry said in one
// sentence with the document kept, and the window title, status line and Open Recent naming the
// array and the reshape.
#include "iotestutil.h"

#include "app/documentopener.h"
#include "app/mainwindow.h"
#include "app/recentfiles.h"
#include "app/settings.h"
#include "app/tensorpicker.h"

#include <QAbstractItemModelTester>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Index;
using core::Reshape;

namespace {

struct RawTensor
{
    QString name;
    QString dtype;
    QList<qint64> shape;
    QByteArray bytes;
};

/// A .safetensors as the format says: an 8-byte little-endian header length, the JSON header,
/// the raw bytes.
bool writeSafetensors(const QString &path, const QList<RawTensor> &tensors)
{
    QJsonObject header;
    QByteArray data;
    for (const RawTensor &t : tensors) {
        QJsonArray shape;
        for (qint64 d : t.shape)
            shape.append(d);
        header.insert(t.name, QJsonObject{{QStringLiteral("dtype"), t.dtype},
                                          {QStringLiteral("shape"), shape},
                                          {QStringLiteral("data_offsets"), QJsonArray{data.size(), data.size() + t.bytes.size()}}});
        data += t.bytes;
    }
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    QByteArray file(8, '\0');
    for (int i = 0; i < 8; ++i)
        file[i] = char((quint64(json.size()) >> (8 * i)) & 0xff);
    return test::writeBytes(path, file + json + data);
}

/// `count` float64 values k + 0.5 (exact), little-endian.
QByteArray doubles(int count)
{
    QByteArray out(count * 8, '\0');
    for (int k = 0; k < count; ++k) {
        const double v = k + 0.5;
        std::memcpy(out.data() + 8 * k, &v, 8);
    }
    return out;
}

QString reshapeName(const Reshape &r) { return QString::fromStdString(r.text()); }

/// A DocumentOpener alone over a bare window, with its Open Recent.
struct OpenerRig
{
    explicit OpenerRig(Settings *settings) : recent(settings), opener(settings, &recent, &window) {}
    QWidget window;
    RecentFiles recent;
    DocumentOpener opener;
};

} // namespace

class TestTensorPicker : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void listsEveryArray();
    void sortedBySizeThenByHeader();
    void filterByName();
    void unloadableArraysAreGreyedWithTheReason();
    void previewAgreesWithTheCore_data();
    void previewAgreesWithTheCore();
    void reshapeControlsShowTheShapeLive();
    void remembersTheChoicePerFile();
    void badStoredChoicesFallBack();
    void cancelKeepsTheDocument();
    void oneLoadableArrayOpensWithoutAsking_data();
    void oneLoadableArrayOpensWithoutAsking();
    void namedArrayOpensWithoutAsking();
    void matWithSeveralVariables();
    void failedChoiceIsOneSentenceAndKeepsTheDocument();
    void badFilesThroughTheProgram_data();
    void badFilesThroughTheProgram();
    void staleRecentEntryIsSaidAndRemoved();
    void windowTitleStatusAndRecentNameTheArray();
    void droppedFileAsksToo();

private:
    QString fixture(const QString &name) const { return m_fixtures + QLatin1Char('/') + name; }
    /// A chooser that builds the real dialog, lets `work` drive it, and answers as Open does.
    DocumentOpener::TensorChooser pickerChooser(std::function<void(TensorPicker &)> work, int *calls = nullptr);
    std::unique_ptr<MainWindow> makeWindow();

    QTemporaryDir m_dir;
    QString m_fixtures;
    QString m_greyed; ///< big F64 8x8, fp8 F8_E4M3 16x16 (cannot be opened), vec F64 5, small F64 2x3x1
    QString m_mat;    ///< A 3x4, B 2x3x3, label (a char variable)
    std::unique_ptr<QTemporaryDir> m_scratch;
    std::unique_ptr<Settings> m_settings;
};

void TestTensorPicker::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixtures = m_dir.filePath(QStringLiteral("fixtures"));
    const QString error = test::writeTensorFixtures(m_fixtures);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_greyed = fixture(QStringLiteral("greyed.safetensors"));
    QVERIFY(writeSafetensors(m_greyed, {{QStringLiteral("small"), QStringLiteral("F64"), {2, 3, 1}, doubles(6)},
                                        {QStringLiteral("big"), QStringLiteral("F64"), {8, 8}, doubles(64)},
                                        {QStringLiteral("fp8"), QStringLiteral("F8_E4M3"), {16, 16}, QByteArray(256, '\0')},
                                        {QStringLiteral("vec"), QStringLiteral("F64"), {5}, doubles(5)}}));
    m_mat = fixture(QStringLiteral("several.mat"));
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-c"),
                  QStringLiteral("import sys, numpy as np, scipy.io\n"
                                 "scipy.io.savemat(sys.argv[1], {'A': np.arange(12.0).reshape(3, 4) / 8,\n"
                                 "    'B': np.arange(18.0).reshape(2, 3, 3), 'label': 'not numbers'})"),
                  m_mat});
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
}

void TestTensorPicker::init()
{
    m_scratch = std::make_unique<QTemporaryDir>();
    QVERIFY(m_scratch->isValid());
    m_settings = std::make_unique<Settings>(new QSettings(m_scratch->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
}

void TestTensorPicker::cleanup()
{
    m_settings.reset();
    m_scratch.reset();
}

DocumentOpener::TensorChooser TestTensorPicker::pickerChooser(std::function<void(TensorPicker &)> work, int *calls)
{
    return [work, calls](const QString &file, const core::TensorListing &listing,
                         const QList<TensorChoice> &remembered) -> std::optional<TensorChoice> {
        if (calls)
            ++*calls;
        TensorPicker picker(file, listing, remembered);
        work(picker);
        if (!picker.canOpen())
            return std::nullopt;
        return picker.choice();
    };
}

std::unique_ptr<MainWindow> TestTensorPicker::makeWindow()
{
    auto window = std::make_unique<MainWindow>(m_settings.get());
    window->resize(1200, 800);
    window->show();
    return window;
}

namespace {

core::TensorListing listing(const QString &file)
{
    const core::ListResult r = core::listTensors(file.toStdString());
    if (!r.ok())
        qFatal("%s", core::describeLoadError(file.toStdString(), r.error).c_str());
    return *r.listing;
}

QTreeView *listView(TensorPicker &picker) { return picker.findChild<QTreeView *>(QStringLiteral("tensorList")); }

/// The row of `name` as the dialog shows it: name, shape, dtype, size, note.
QStringList shownRow(TensorPicker &picker, const QString &name)
{
    QAbstractItemModel *model = listView(picker)->model();
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, 0).data().toString() == name) {
            QStringList cells;
            for (int c = 0; c < model->columnCount(); ++c)
                cells << model->index(r, c).data().toString();
            return cells;
        }
    return {};
}

} // namespace

void TestTensorPicker::listsEveryArray()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    TensorPicker picker(file, listing(file), {});
    QAbstractItemModelTester tester(listView(picker)->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(shownRow(picker, QStringLiteral("conv.weight")),
             (QStringList{QStringLiteral("conv.weight"), QStringLiteral("4 × 3 × 3 × 3"), QStringLiteral("F32"),
                          QStringLiteral("432 bytes"), QString()}));
    QCOMPARE(shownRow(picker, QStringLiteral("conv.bias")),
             (QStringList{QStringLiteral("conv.bias"), QStringLiteral("4"), QStringLiteral("F32"), QStringLiteral("16 bytes"), QString()}));
    QCOMPARE(shownRow(picker, QStringLiteral("attn.proj")),
             (QStringList{QStringLiteral("attn.proj"), QStringLiteral("6 × 4"), QStringLiteral("BF16"), QStringLiteral("48 bytes"), QString()}));
    QVERIFY(picker.windowTitle().contains(QStringLiteral("checkpoint.safetensors")));

    // Sizes in binary units, from the header: 16 x 16 x 16 F64 weights (32 KiB) next to a byte.
    const QString units = m_scratch->filePath(QStringLiteral("units.safetensors"));
    QVERIFY(writeSafetensors(units, {{QStringLiteral("w"), QStringLiteral("F64"), {16, 16, 16}, doubles(4096)},
                                     {QStringLiteral("b"), QStringLiteral("U8"), {1}, QByteArray(1, '\1')}}));
    TensorPicker sized(units, listing(units), {});
    QCOMPARE(shownRow(sized, QStringLiteral("w")).value(3), QStringLiteral("32.0 KiB"));
    QCOMPARE(shownRow(sized, QStringLiteral("b")).value(3), QStringLiteral("1 byte"));
}

void TestTensorPicker::sortedBySizeThenByHeader()
{
    const QString npz = fixture(QStringLiteral("arrays.npz"));
    TensorPicker picker(npz, listing(npz), {});
    // a 2x3 f8 (48 B), cube 2x3x4 f4 (96), v 4 i2 (8), fortran 3x2 f8 (48), big 2x2 f4 (16),
    // half 2x3 f2 (12), u64 1x2 u8 (16): largest first, ties in the file's order.
    QCOMPARE(picker.shownNames(), (QStringList{QStringLiteral("cube"), QStringLiteral("a"), QStringLiteral("fortran"),
                                               QStringLiteral("big"), QStringLiteral("u64"), QStringLiteral("half"),
                                               QStringLiteral("v")}));
    // The largest is selected.
    QCOMPARE(picker.choice().name, QStringLiteral("cube"));
    // A click on a header sorts by that column instead.
    listView(picker)->sortByColumn(0, Qt::AscendingOrder);
    QCOMPARE(picker.shownNames(), (QStringList{QStringLiteral("a"), QStringLiteral("big"), QStringLiteral("cube"),
                                               QStringLiteral("fortran"), QStringLiteral("half"), QStringLiteral("u64"),
                                               QStringLiteral("v")}));
    listView(picker)->sortByColumn(1, Qt::DescendingOrder); // shapes by their number of values
    QCOMPARE(picker.shownNames().first(), QStringLiteral("cube"));
    QCOMPARE(picker.shownNames().last(), QStringLiteral("u64"));
}

void TestTensorPicker::filterByName()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    TensorPicker picker(file, listing(file), {});
    QCOMPARE(picker.choice().name, QStringLiteral("conv.weight"));
    auto *filter = picker.findChild<QLineEdit *>(QStringLiteral("tensorFilter"));
    QVERIFY(filter);
    QTest::keyClicks(filter, QStringLiteral("PROJ")); // case-insensitive
    QCOMPARE(picker.shownNames(), QStringList{QStringLiteral("attn.proj")});
    // The selection follows to what is shown.
    QCOMPARE(picker.choice().name, QStringLiteral("attn.proj"));
    QVERIFY(picker.canOpen());
    picker.setFilterText(QStringLiteral("conv."));
    QCOMPARE(picker.shownNames(), (QStringList{QStringLiteral("conv.weight"), QStringLiteral("conv.bias")}));
    QCOMPARE(filter->text(), QStringLiteral("conv."));
    picker.setFilterText(QStringLiteral("nothing like it"));
    QVERIFY(picker.shownNames().isEmpty());
    QVERIFY(!picker.canOpen());
    QVERIFY(picker.choice().name.isEmpty());
    QVERIFY2(picker.previewText().contains(QStringLiteral("nothing like it")), qPrintable(picker.previewText()));
    QVERIFY(!picker.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Open)->isEnabled());
    picker.setFilterText(QString());
    QCOMPARE(picker.shownNames().size(), 3);
    QVERIFY(picker.canOpen());
}

void TestTensorPicker::unloadableArraysAreGreyedWithTheReason()
{
    TensorPicker picker(m_greyed, listing(m_greyed), {});
    QCOMPARE(picker.shownNames(), (QStringList{QStringLiteral("big"), QStringLiteral("fp8"), QStringLiteral("small"),
                                               QStringLiteral("vec")}));
    const QStringList fp8 = shownRow(picker, QStringLiteral("fp8"));
    QVERIFY2(fp8.value(4).startsWith(QStringLiteral("Has the dtype F8_E4M3, which is not supported")),
             qPrintable(fp8.join(QLatin1Char('|'))));
    QAbstractItemModel *model = listView(picker)->model();
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, 0).data().toString() == QStringLiteral("fp8")) {
            // The whole reason, as the core says it, in the tooltip of every cell of the row.
            const QString tip = model->index(r, 4).data(Qt::ToolTipRole).toString();
            QVERIFY2(tip.startsWith(QStringLiteral("fp8 cannot be opened: it has the dtype F8_E4M3, which is not supported ("))
                         && tip.contains(QStringLiteral("BF16")),
                     qPrintable(tip));
        }
    for (int r = 0; r < model->rowCount(); ++r) {
        const bool isFp8 = model->index(r, 0).data().toString() == QStringLiteral("fp8");
        for (int c = 0; c < model->columnCount(); ++c) {
            QCOMPARE(bool(model->index(r, c).flags() & Qt::ItemIsEnabled), !isFp8);  // greyed
            QCOMPARE(bool(model->index(r, c).flags() & Qt::ItemIsSelectable), !isFp8);
        }
    }
    QVERIFY(!picker.selectTensor(QStringLiteral("fp8")));
    QCOMPARE(picker.choice().name, QStringLiteral("big"));
    // The header says how many cannot be opened; only those can be filtered to.
    picker.setFilterText(QStringLiteral("fp8"));
    QVERIFY(!picker.canOpen());
    QVERIFY(picker.choice().name.isEmpty());
}

void TestTensorPicker::previewAgreesWithTheCore_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("reshape");
    QTest::addColumn<qulonglong>("budget");
    const QStringList files{fixture(QStringLiteral("checkpoint.safetensors")), fixture(QStringLiteral("dtypes.safetensors")),
                            fixture(QStringLiteral("arrays.npz")),            fixture(QStringLiteral("compressed.npz")),
                            fixture(QStringLiteral("image.npz")),             fixture(QStringLiteral("mixed.npz")),
                            m_greyed,                                          m_mat};
    for (const QString &file : files)
        for (const core::TensorInfo &t : listing(file).tensors) {
            QStringList reshapes{QStringLiteral("auto"), QStringLiteral("channels")};
            for (std::size_t k = 0; k <= t.shape.size() + 1; ++k)
                reshapes << QStringLiteral("rows:%1").arg(k);
            for (const QString &reshape : reshapes)
                for (qulonglong budget : {qulonglong(core::LoadLimits::defaults().maxElements), qulonglong(40)})
                    QTest::addRow("%s::%s %s budget %llu", qPrintable(QFileInfo(file).fileName()), t.name.c_str(),
                                  qPrintable(reshape), budget)
                        << file << QString::fromStdString(t.name) << reshape << budget;
        }
}

void TestTensorPicker::previewAgreesWithTheCore()
{
    // The dialog's promise (TensorPicker::preview, from the header) against what the core then
    // loads: the same success, and the same rows, columns and channels.
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(QString, reshape);
    QFETCH(qulonglong, budget);
    const Reshape r = *Reshape::parse(reshape.toStdString());
    core::LoadLimits limits;
    limits.maxElements = budget;
    const core::TensorListing list = listing(file);
    const auto it = std::find_if(list.tensors.begin(), list.tensors.end(), [&](const core::TensorInfo &t) {
        return QString::fromStdString(t.name) == name;
    });
    QVERIFY(it != list.tensors.end());
    const TensorPicker::ShapePreview promised = TensorPicker::preview(*it, r, TensorPicker::readsChannelsByDefault(file), limits);
    const core::LoadResult loaded = core::loadTensor(file.toStdString(), name.toStdString(), r, limits);
    QVERIFY2(promised.ok == loaded.ok(),
             qPrintable(QStringLiteral("preview: %1; core: %2")
                            .arg(promised.text, loaded.ok() ? QStringLiteral("loaded")
                                                            : QString::fromStdString(loaded.error.reason))));
    if (!loaded.ok()) {
        QVERIFY(!promised.text.isEmpty());
        return;
    }
    QCOMPARE(int(loaded.matrix->channels.size()), promised.channels);
    QCOMPARE(loaded.matrix->channels[0].rows(), promised.rows);
    QCOMPARE(loaded.matrix->channels[0].cols(), promised.cols);
}

void TestTensorPicker::reshapeControlsShowTheShapeLive()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    TensorPicker picker(file, listing(file), {});
    auto *autoButton = picker.findChild<QRadioButton *>(QStringLiteral("reshapeAuto"));
    auto *rows = picker.findChild<QRadioButton *>(QStringLiteral("reshapeRows"));
    auto *axes = picker.findChild<QSpinBox *>(QStringLiteral("reshapeRowAxes"));
    auto *channels = picker.findChild<QRadioButton *>(QStringLiteral("reshapeChannels"));
    QVERIFY(autoButton && rows && axes && channels);

    // conv.weight, 4 x 3 x 3 x 3: the default rule is rows:1, out x in·kh·kw.
    QCOMPARE(picker.choice().name, QStringLiteral("conv.weight"));
    QVERIFY(autoButton->isChecked());
    QCOMPARE(autoButton->text(), QStringLiteral("Default rule (rows:1)"));
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 4 × 27."));
    QVERIFY(!channels->isEnabled()); // 4 axes
    QCOMPARE(axes->maximum(), 4);
    axes->setValue(2); // choosing K chooses rows:K
    QVERIFY(rows->isChecked());
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 12 × 9."));
    QCOMPARE(reshapeName(picker.choice().reshape), QStringLiteral("rows:2"));
    axes->setValue(0);
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 1 × 108."));
    axes->setValue(4);
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 108 × 1."));
    autoButton->click();
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 4 × 27."));

    // conv.bias, 1-D: the default rule is a row.
    QVERIFY(picker.selectTensor(QStringLiteral("conv.bias")));
    QCOMPARE(autoButton->text(), QStringLiteral("Default rule (rows:0)"));
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 1 × 4."));
    // Each array keeps its own reshape while the dialog is open.
    QVERIFY(picker.selectTensor(QStringLiteral("conv.weight")));
    axes->setValue(3);
    QVERIFY(picker.selectTensor(QStringLiteral("attn.proj")));
    QVERIFY(autoButton->isChecked());
    QVERIFY(picker.selectTensor(QStringLiteral("conv.weight")));
    QCOMPARE(reshapeName(picker.choice().reshape), QStringLiteral("rows:3"));
    QCOMPARE(picker.previewText(), QStringLiteral("Opens as a matrix of 36 × 3."));

    // A 3-axis array whose last axis is at most 4 offers channels; in a .npz the default stays rows:1.
    const QString npz = fixture(QStringLiteral("image.npz"));
    TensorPicker image(npz, listing(npz), {});
    auto *imageChannels = image.findChild<QRadioButton *>(QStringLiteral("reshapeChannels"));
    QVERIFY(imageChannels->isEnabled());
    QCOMPARE(image.previewText(), QStringLiteral("Opens as a matrix of 2 × 9."));
    imageChannels->click();
    QCOMPARE(image.previewText(), QStringLiteral("Opens as 3 channels of 2 × 3."));
    QCOMPARE(reshapeName(image.choice().reshape), QStringLiteral("channels"));
}

void TestTensorPicker::remembersTheChoicePerFile()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    OpenerRig rig(m_settings.get());
    DocumentOpener &opener = rig.opener;
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    QList<TensorChoice> offered;
    TensorChoice first;
    // First time: nothing remembered, the largest selected; the person picks conv.weight as rows:2.
    opener.setTensorChooser(pickerChooser([&](TensorPicker &p) {
        first = p.choice();
        QVERIFY(p.selectTensor(QStringLiteral("conv.weight")));
        p.setReshape(Reshape::rows(2));
    }));
    QVERIFY(opener.openFile(file));
    QCOMPARE(first.name, QStringLiteral("conv.weight"));
    QCOMPARE(reshapeName(first.reshape), QStringLiteral("auto"));
    auto doc = opened.last().at(0).value<std::shared_ptr<const InputDocument>>();
    QCOMPARE(doc->tensor, QStringLiteral("conv.weight"));
    QCOMPARE(doc->rows(), Index(12));
    QCOMPARE(doc->cols(), Index(9));
    QVERIFY(test::bitwiseEqual(doc->planes[0], test::expectedArray(m_fixtures, QStringLiteral("checkpoint.safetensors"),
                                                                   QStringLiteral("conv.weight"))->reshaped<Eigen::RowMajor>(12, 9)));

    // Second time the dialog starts on that choice; the person takes attn.proj as it is.
    TensorChoice second;
    opener.setTensorChooser(pickerChooser([&](TensorPicker &p) {
        second = p.choice();
        QVERIFY(p.selectTensor(QStringLiteral("attn.proj")));
    }));
    QVERIFY(opener.openFile(file));
    QCOMPARE(second.name, QStringLiteral("conv.weight"));
    QCOMPARE(reshapeName(second.reshape), QStringLiteral("rows:2"));

    // Stored per file, newest first, each array with its reshape, and kept across runs.
    const QString ini = m_scratch->filePath(QStringLiteral("settings.ini"));
    m_settings->sync();
    Settings again(new QSettings(ini, QSettings::IniFormat));
    const QList<TensorChoice> stored = again.tensorChoices(file);
    QCOMPARE(stored.size(), 2);
    QCOMPARE(stored[0].name, QStringLiteral("attn.proj"));
    QCOMPARE(reshapeName(stored[0].reshape), QStringLiteral("auto"));
    QCOMPARE(stored[1].name, QStringLiteral("conv.weight"));
    QCOMPARE(reshapeName(stored[1].reshape), QStringLiteral("rows:2"));
    // One key per file path, whatever the path it was opened by (through "..").
    const QString other = QFileInfo(file).absolutePath() + QStringLiteral("/../fixtures/checkpoint.safetensors");
    QCOMPARE(again.tensorChoices(other).size(), 2);
    QCOMPARE(again.tensorChoices(fixture(QStringLiteral("arrays.npz"))).size(), 0);

    // Third time: attn.proj is preselected; conv.weight, when chosen, comes back as rows:2.
    TensorChoice third, conv;
    opener.setTensorChooser(pickerChooser([&](TensorPicker &p) {
        third = p.choice();
        QVERIFY(p.selectTensor(QStringLiteral("conv.weight")));
        conv = p.choice();
    }));
    QVERIFY(opener.openFile(file));
    QCOMPARE(third.name, QStringLiteral("attn.proj"));
    QCOMPARE(reshapeName(conv.reshape), QStringLiteral("rows:2"));
    QCOMPARE(opened.count(), 3);
}

void TestTensorPicker::badStoredChoicesFallBack()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    m_settings->rememberTensorChoice(file, TensorChoice{QStringLiteral("attn.proj"), Reshape::rows(2)});
    QSettings *backend = m_settings->backend();
    QString key;
    for (const QString &k : backend->allKeys())
        if (k.startsWith(QStringLiteral("tensors/")))
            key = k;
    QVERIFY(!key.isEmpty());
    QCOMPARE(backend->value(key).toStringList(), (QStringList{QStringLiteral("attn.proj"), QStringLiteral("rows:2")}));

    struct Case
    {
        QVariant stored;
        QString selected;  // what the dialog starts on
        QString reshape;   // and with which reshape
    };
    const QList<Case> cases{
        {QVariant(42), QStringLiteral("conv.weight"), QStringLiteral("auto")},                 // not a list
        {QStringList{QStringLiteral("gone"), QStringLiteral("rows:1")}, QStringLiteral("conv.weight"), QStringLiteral("auto")},
        {QStringList{QStringLiteral("attn.proj"), QStringLiteral("rows:banana")}, QStringLiteral("attn.proj"), QStringLiteral("auto")},
        {QStringList{QStringLiteral("attn.proj"), QStringLiteral("rows:99")}, QStringLiteral("attn.proj"), QStringLiteral("auto")},
        {QStringList{QStringLiteral("attn.proj")}, QStringLiteral("attn.proj"), QStringLiteral("auto")}, // no reshape
        {QStringList{QString(), QStringLiteral("rows:0"), QStringLiteral("conv.bias"), QStringLiteral("rows:0")},
         QStringLiteral("conv.bias"), QStringLiteral("rows:0")},
        {QStringList{QStringLiteral("conv.bias"), QStringLiteral("channels")}, QStringLiteral("conv.bias"), QStringLiteral("auto")},
    };
    for (const Case &c : cases) {
        backend->setValue(key, c.stored);
        TensorPicker picker(file, listing(file), m_settings->tensorChoices(file));
        const TensorChoice got = picker.choice();
        QVERIFY2(got.name == c.selected && reshapeName(got.reshape) == c.reshape,
                 qPrintable(QStringLiteral("stored %1: %2 %3").arg(c.stored.toStringList().join(QLatin1Char(',')), got.name,
                                                                  reshapeName(got.reshape))));
        QVERIFY(picker.canOpen());
    }
}

void TestTensorPicker::cancelKeepsTheDocument()
{
    auto w = makeWindow();
    QVERIFY(w->openFile(fixture(QStringLiteral("one.safetensors"))));
    const auto before = w->document();
    const QString title = w->windowTitle();
    int calls = 0;
    std::size_t listed = 0;
    w->opener()->setTensorChooser([&](const QString &, const core::TensorListing &listing, const QList<TensorChoice> &) {
        ++calls;
        listed = listing.tensors.size();
        return std::optional<TensorChoice>{};
    });
    QSignalSpy failed(w->opener(), &DocumentOpener::failed);
    QVERIFY(!w->openFile(fixture(QStringLiteral("checkpoint.safetensors"))));
    QCOMPARE(calls, 1);
    QCOMPARE(listed, std::size_t(3));
    QCOMPARE(w->document(), before);
    QCOMPARE(w->windowTitle(), title);
    QCOMPARE(failed.count(), 0); // Cancel is not a failure: nothing said
    QVERIFY(!w->isBannerVisible());
    QCOMPARE(m_settings->tensorChoices(fixture(QStringLiteral("checkpoint.safetensors"))).size(), 0);
    QVERIFY(!w->recentFiles()->files().value(0).contains(QStringLiteral("checkpoint")));
    // At start-up, a cancelled file leaves the default image, with no error.
    auto fresh = std::make_unique<MainWindow>(m_settings.get());
    fresh->opener()->setTensorChooser([](auto &&...) { return std::optional<TensorChoice>{}; });
    fresh->openStartupFiles({fixture(QStringLiteral("checkpoint.safetensors"))});
    QVERIFY(fresh->document() && fresh->document()->isImage);
    QVERIFY(!fresh->isBannerVisible());
    QVERIFY(w->waitForIdle(120000));
    QVERIFY(fresh->waitForIdle(120000));
}

void TestTensorPicker::oneLoadableArrayOpensWithoutAsking_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("tensor");
    QTest::newRow("npz of one array") << QStringLiteral("single.npz") << QStringLiteral("arr_0");
    QTest::newRow("safetensors of one array") << QStringLiteral("one.safetensors") << QStringLiteral("w");
    QTest::newRow("npz with a member that is not an array") << QStringLiteral("mixed.npz") << QStringLiteral("w");
}

void TestTensorPicker::oneLoadableArrayOpensWithoutAsking()
{
    QFETCH(QString, file);
    QFETCH(QString, tensor);
    OpenerRig rig(m_settings.get());
    DocumentOpener &opener = rig.opener;
    RecentFiles &recent = rig.recent;
    int calls = 0;
    opener.setTensorChooser(pickerChooser([](TensorPicker &) {}, &calls));
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    QVERIFY(opener.openFile(fixture(file)));
    QCOMPARE(calls, 0);
    const auto doc = opened.at(0).at(0).value<std::shared_ptr<const InputDocument>>();
    QCOMPARE(doc->tensor, tensor);
    QVERIFY(test::bitwiseEqual(doc->planes[0], *test::expectedArray(m_fixtures, file, tensor)));
    // Open Recent names the array, so that the same one opens again.
    QCOMPARE(recent.files().value(0), QFileInfo(fixture(file)).canonicalFilePath() + QStringLiteral("::") + tensor);
}

void TestTensorPicker::namedArrayOpensWithoutAsking()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    m_settings->rememberTensorChoice(file, TensorChoice{QStringLiteral("conv.weight"), Reshape::rows(2)});
    OpenerRig rig(m_settings.get());
    DocumentOpener &opener = rig.opener;
    int calls = 0;
    opener.setTensorChooser(pickerChooser([](TensorPicker &) {}, &calls));
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    // FILE::NAME as given (on the command line): that array, by the default rule, as the headless
    // command reads it.
    QVERIFY(opener.openFile(file + QStringLiteral("::conv.weight")));
    auto doc = opened.last().at(0).value<std::shared_ptr<const InputDocument>>();
    QCOMPARE(doc->tensor, QStringLiteral("conv.weight"));
    QCOMPARE(doc->rows(), Index(4));
    QCOMPARE(doc->cols(), Index(27));
    QVERIFY(test::bitwiseEqual(doc->planes[0], *test::expectedArray(m_fixtures, QStringLiteral("checkpoint.safetensors"),
                                                                    QStringLiteral("conv.weight"))));
    // An Open Recent entry FILE::NAME: that array with the reshape it was last opened with.
    m_settings->rememberTensorChoice(file, TensorChoice{QStringLiteral("conv.weight"), Reshape::rows(2)});
    QVERIFY(opener.openRecent(file + QStringLiteral("::conv.weight")));
    doc = opened.last().at(0).value<std::shared_ptr<const InputDocument>>();
    QCOMPARE(doc->rows(), Index(12));
    QCOMPARE(doc->cols(), Index(9));
    QCOMPARE(calls, 0);
    QCOMPARE(opened.count(), 2);
}

void TestTensorPicker::matWithSeveralVariables()
{
    OpenerRig rig(m_settings.get());
    DocumentOpener &opener = rig.opener;
    QStringList shown;
    QString labelNote, defaultRule, preview;
    opener.setTensorChooser(pickerChooser([&](TensorPicker &p) {
        shown = p.shownNames();
        labelNote = shownRow(p, QStringLiteral("label")).value(4);
        QVERIFY(p.selectTensor(QStringLiteral("B")));
        defaultRule = p.findChild<QRadioButton *>(QStringLiteral("reshapeAuto"))->text();
        preview = p.previewText();
    }));
    QSignalSpy opened(&opener, &DocumentOpener::opened);
    QVERIFY(opener.openFile(m_mat));
    QCOMPARE(shown.size(), 3);
    QVERIFY(shown.contains(QStringLiteral("A")) && shown.contains(QStringLiteral("B")) && shown.contains(QStringLiteral("label")));
    QVERIFY2(labelNote.contains(QStringLiteral("not a real numeric array")), qPrintable(labelNote));
    // A stand-alone .mat reads an H x W x C variable as channels by default, as before.
    QCOMPARE(defaultRule, QStringLiteral("Default rule (channels)"));
    QCOMPARE(preview, QStringLiteral("Opens as 3 channels of 2 × 3."));
    const auto doc = opened.at(0).at(0).value<std::shared_ptr<const InputDocument>>();
    QCOMPARE(doc->tensor, QStringLiteral("B"));
    QCOMPARE(doc->planes.size(), std::size_t(3));
    // B[i, j, c] = 9 i + 3 j + c (numpy's C order, whatever .mat stores).
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j)
                QCOMPARE(doc->planes[std::size_t(c)](i, j), double(9 * i + 3 * j + c));
    // The variable is remembered like any array.
    QCOMPARE(m_settings->tensorChoices(m_mat).value(0).name, QStringLiteral("B"));
}

void TestTensorPicker::failedChoiceIsOneSentenceAndKeepsTheDocument()
{
    auto w = makeWindow();
    QVERIFY(w->openFile(fixture(QStringLiteral("one.safetensors"))));
    const auto before = w->document();
    const QString title = w->windowTitle();
    // x holds a NaN: the choice fails after the dialog closed.
    const QString file = fixture(QStringLiteral("nanbf16.safetensors"));
    w->opener()->setTensorChooser(pickerChooser([](TensorPicker &p) { QVERIFY(p.selectTensor(QStringLiteral("x"))); }));
    QSignalSpy failed(w->opener(), &DocumentOpener::failed);
    QVERIFY(!w->openFile(file));
    QCOMPARE(failed.count(), 1);
    const QString message = failed.at(0).at(0).toString();
    QCOMPARE(message, file + QStringLiteral("::x: value at row 1, column 2 is NaN."));
    QCOMPARE(w->document(), before);
    QCOMPARE(w->windowTitle(), title);
    QVERIFY(w->isBannerVisible());
    QCOMPARE(w->bannerText(), message);
    QVERIFY(!QApplication::activeModalWidget());
    // A reshape that does not fit (a chooser other than the dialog can ask for one).
    w->opener()->setTensorChooser([](auto &&...) { return std::optional<TensorChoice>{{QStringLiteral("y"), Reshape::channels()}}; });
    QVERIFY(!w->openFile(file));
    QVERIFY2(failed.last().at(0).toString().startsWith(file + QStringLiteral("::y: ")), qPrintable(failed.last().at(0).toString()));
    QCOMPARE(w->document(), before);
    QVERIFY(m_settings->tensorChoices(file).isEmpty());
    QVERIFY(w->waitForIdle(120000));
}

void TestTensorPicker::badFilesThroughTheProgram_data() { test::addBadTensorFileRows(m_fixtures); }

void TestTensorPicker::badFilesThroughTheProgram()
{
    // Every bad file of tests/tools/tensorfiles.py through DocumentOpener, as the program opens it:
    // FILE or FILE::NAME, with a reshape other than the default rule coming from an Open Recent
    // entry (the reshape remembered for that array). One failed() sentence, nothing opened; where
    // the core needs a name, the program asks instead (and Cancel says nothing).
    QFETCH(test::BadTensorFile, bad);
    OpenerRig rig(m_settings.get());
    int calls = 0;
    rig.opener.setTensorChooser([&](const QString &, const core::TensorListing &, const QList<TensorChoice> &) {
        ++calls;
        return std::optional<TensorChoice>{};
    });
    QSignalSpy opened(&rig.opener, &DocumentOpener::opened);
    QSignalSpy failed(&rig.opener, &DocumentOpener::failed);
    const QString spec = bad.spec(m_fixtures);
    bool ok = true;
    if (bad.reshape == QStringLiteral("auto")) {
        ok = rig.opener.openFile(spec);
    } else {
        m_settings->rememberTensorChoice(fixture(bad.file), TensorChoice{bad.name, *Reshape::parse(bad.reshape.toStdString())});
        ok = rig.opener.openRecent(spec);
    }
    QVERIFY(!ok);
    QCOMPARE(opened.count(), 0);
    if (bad.kind == QStringLiteral("NameRequired")) {
        QCOMPARE(calls, 1);
        QCOMPARE(failed.count(), 0);
        return;
    }
    QCOMPARE(calls, 0);
    QCOMPARE(failed.count(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.startsWith(bad.messageStart(m_fixtures)) && message.contains(bad.fragment) && message.endsWith(QLatin1Char('.'))
                 && !message.contains(QLatin1Char('\n')),
             qPrintable(message));
}

void TestTensorPicker::staleRecentEntryIsSaidAndRemoved()
{
    // An entry FILE::NAME whose array is no longer in the file (the checkpoint was rewritten).
    const QString file = m_scratch->filePath(QStringLiteral("rewritten.safetensors"));
    QVERIFY(writeSafetensors(file, {{QStringLiteral("old"), QStringLiteral("F64"), {2, 2}, doubles(4)},
                                    {QStringLiteral("other"), QStringLiteral("F64"), {2, 3}, doubles(6)}}));
    auto w = makeWindow();
    QVERIFY(w->openFile(file + QStringLiteral("::old")));
    QVERIFY(w->openFile(fixture(QStringLiteral("one.safetensors"))));
    const auto before = w->document();
    QVERIFY(w->recentFiles()->files().contains(QFileInfo(file).canonicalFilePath() + QStringLiteral("::old")));
    QVERIFY(writeSafetensors(file, {{QStringLiteral("new"), QStringLiteral("F64"), {2, 2}, doubles(4)},
                                    {QStringLiteral("other"), QStringLiteral("F64"), {2, 3}, doubles(6)}}));
    QSignalSpy failed(w->opener(), &DocumentOpener::failed);
    emit w->recentFiles()->openRequested(QFileInfo(file).canonicalFilePath() + QStringLiteral("::old"));
    QCOMPARE(failed.count(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.startsWith(QFileInfo(file).canonicalFilePath()) && message.contains(QStringLiteral("\"old\""))
                 && message.contains(QStringLiteral("new")) && message.contains(QStringLiteral("other"))
                 && message.count(QStringLiteral(". ")) == 0,
             qPrintable(message));
    QCOMPARE(w->document(), before);
    QVERIFY(w->isBannerVisible());
    QVERIFY(!w->recentFiles()->files().contains(QFileInfo(file).canonicalFilePath() + QStringLiteral("::old")));
    QVERIFY(w->waitForIdle(120000));
}

void TestTensorPicker::windowTitleStatusAndRecentNameTheArray()
{
    const QString file = fixture(QStringLiteral("checkpoint.safetensors"));
    const QString canonical = QFileInfo(file).canonicalFilePath();
    auto w = makeWindow();
    w->opener()->setTensorChooser(pickerChooser([](TensorPicker &p) {
        QVERIFY(p.selectTensor(QStringLiteral("conv.weight")));
        p.setReshape(Reshape::rows(2));
    }));
    QVERIFY(w->openFile(file));
    QCOMPARE(w->windowTitle(), QStringLiteral("checkpoint.safetensors :: conv.weight (4 × 3 × 3 × 3 → 12 × 9, rows:2) — Factorscope"));
    const QString status = w->statusBar()->currentMessage();
    QVERIFY2(status.startsWith(QStringLiteral("Opened checkpoint.safetensors :: conv.weight: 12 × 9, safetensors (F32)."))
                 && status.contains(QStringLiteral("rows:2")),
             qPrintable(status));
    QCOMPARE(w->recentFiles()->files().value(0), canonical + QStringLiteral("::conv.weight"));
    QCOMPARE(w->recentFiles()->entryLabel(canonical + QStringLiteral("::conv.weight")),
             QStringLiteral("checkpoint.safetensors :: conv.weight (rows:2)"));

    // A 2-D array read as it is, chosen the same way.
    w->opener()->setTensorChooser(pickerChooser([](TensorPicker &p) { QVERIFY(p.selectTensor(QStringLiteral("attn.proj"))); }));
    QVERIFY(w->openFile(file));
    QCOMPARE(w->windowTitle(), QStringLiteral("checkpoint.safetensors :: attn.proj (6 × 4) — Factorscope"));
    QCOMPARE(w->recentFiles()->files().mid(0, 2),
             (QStringList{canonical + QStringLiteral("::attn.proj"), canonical + QStringLiteral("::conv.weight")}));
    QCOMPARE(w->recentFiles()->entryLabel(canonical + QStringLiteral("::attn.proj")),
             QStringLiteral("checkpoint.safetensors :: attn.proj"));

    // Open Recent's menu names both, and its conv.weight entry opens that array as rows:2 again.
    QMenu menu;
    w->recentFiles()->attachMenu(&menu);
    QStringList texts;
    QAction *conv = nullptr;
    for (QAction *action : menu.actions()) {
        texts << action->text();
        if (action->data().toString() == canonical + QStringLiteral("::conv.weight"))
            conv = action;
    }
    QVERIFY2(texts.contains(QStringLiteral("&2 checkpoint.safetensors :: conv.weight (rows:2)")), qPrintable(texts.join(QLatin1Char('|'))));
    QVERIFY(conv);
    conv->trigger();
    QCOMPARE(w->document()->tensor, QStringLiteral("conv.weight"));
    QCOMPARE(w->document()->rows(), Index(12));
    QCOMPARE(w->windowTitle(), QStringLiteral("checkpoint.safetensors :: conv.weight (4 × 3 × 3 × 3 → 12 × 9, rows:2) — Factorscope"));
    QVERIFY(w->waitForIdle(120000));
}

void TestTensorPicker::droppedFileAsksToo()
{
    auto w = makeWindow();
    int calls = 0;
    w->opener()->setTensorChooser(pickerChooser([](TensorPicker &p) { QVERIFY(p.selectTensor(QStringLiteral("attn.proj"))); }, &calls));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(fixture(QStringLiteral("checkpoint.safetensors")))});
    const QPoint centre = w->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop);
    QCOMPARE(calls, 0); // asked once the drop is over, not inside it
    QTRY_COMPARE(calls, 1);
    QTRY_VERIFY(w->document() && w->document()->tensor == QStringLiteral("attn.proj"));
    QVERIFY(w->waitForIdle(120000));
}

QTEST_MAIN(TestTensorPicker)
#include "tst_tensorpicker.moc"
