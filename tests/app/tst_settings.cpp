// SPDX-License-Identifier: MIT
// Settings against a temporary INI file: defaults, typed round trips, per-method parameters kept
// apart, change signals, and out-of-range stored values falling back to sane ones.
#include "app/settings.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace factorscope;
using namespace factorscope::app;
using core::Method;

class TestSettings : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void roundTrip_data();
    void roundTrip();
    void methodsKeepTheirOwnTrialsAndSeed();
    void idKeepsEverySelector();
    void changeSignals();
    void garbageFallsBack();
    void compareLayout();
    void tensorChoicesPerFile();

private:
    QTemporaryDir m_dir;
    int m_counter = 0;
    std::unique_ptr<Settings> fresh()
    {
        return std::make_unique<Settings>(
            new QSettings(m_dir.filePath(QStringLiteral("s%1.ini").arg(++m_counter)), QSettings::IniFormat));
    }
};

void TestSettings::defaults()
{
    auto s = fresh();
    QCOMPARE(s->colorMode(), core::ColorMode::Rgb);
    QCOMPARE(s->currentMethod(), Method::Svd);
    QCOMPARE(s->rank(Method::Svd), 20);
    QCOMPARE(s->rank(Method::Monarch), 1);
    QVERIFY(s->recentFiles().isEmpty());
    QVERIFY(s->linkedViews());
    const core::MethodSettings d;
    for (Method m : core::allMethods()) {
        const core::MethodSettings got = s->methodSettings(m);
        QCOMPARE(got.rsvdOversampling, d.rsvdOversampling);
        QCOMPARE(got.crRule, d.crRule);
        QCOMPARE(got.monarchBlocks, d.monarchBlocks);
        QCOMPARE(got.trials, d.trials);
    }
}

void TestSettings::roundTrip_data()
{
    QTest::addColumn<int>("method");
    for (Method m : core::allMethods())
        QTest::newRow(core::methodName(m).c_str()) << int(m);
}

void TestSettings::roundTrip()
{
    QFETCH(int, method);
    const Method m = Method(method);
    const QString ini = m_dir.filePath(QStringLiteral("round%1.ini").arg(method));
    core::MethodSettings in;
    in.rsvdOversampling = 7;
    in.rsvdPowerIterations = 4;
    in.idSelector = core::IdSelector::SketchPivotedQr;
    in.idOversampling = 3;
    in.rowId = true;
    in.crRule = core::CrRule::Uniform;
    in.crProduct = core::CrProduct::SvdFactors;
    in.monarchBlocks = 8;
    in.curSelector = core::Selector::LeverageSample;
    in.curMiddle = core::CurMiddle::Cross;
    in.curRows = 17;
    in.curTolerance = 0.0625;
    in.leverageRank = 6;
    in.trials = 9;
    in.seed = 12345678901ULL;
    {
        Settings s(new QSettings(ini, QSettings::IniFormat));
        s.setMethodSettings(m, in);
        s.setRank(m, 33);
        s.setCurrentMethod(m);
        s.setColorMode(core::ColorMode::YCbCr);
        s.sync();
    }
    Settings s(new QSettings(ini, QSettings::IniFormat));
    const core::MethodSettings out = s.methodSettings(m);
    const core::MethodSettings d;
    QCOMPARE(s.rank(m), 33);
    QCOMPARE(s.currentMethod(), m);
    QCOMPARE(s.colorMode(), core::ColorMode::YCbCr);
    QCOMPARE(out.rsvdOversampling, m == Method::Rsvd ? in.rsvdOversampling : d.rsvdOversampling);
    QCOMPARE(out.rsvdPowerIterations, m == Method::Rsvd ? in.rsvdPowerIterations : d.rsvdPowerIterations);
    QCOMPARE(out.idSelector, m == Method::Id ? in.idSelector : d.idSelector);
    QCOMPARE(out.rowId, m == Method::Id ? in.rowId : d.rowId);
    QCOMPARE(out.crRule, m == Method::Cr ? in.crRule : d.crRule);
    QCOMPARE(out.crProduct, m == Method::Cr ? in.crProduct : d.crProduct);
    QCOMPARE(out.monarchBlocks, m == Method::Monarch ? in.monarchBlocks : d.monarchBlocks);
    QCOMPARE(out.curSelector, m == Method::Cur ? in.curSelector : d.curSelector);
    QCOMPARE(out.curMiddle, m == Method::Cur ? in.curMiddle : d.curMiddle);
    QCOMPARE(out.curRows, m == Method::Cur ? in.curRows : d.curRows);
    QCOMPARE(out.curTolerance, m == Method::Cur ? in.curTolerance : d.curTolerance);
    QCOMPARE(out.leverageRank, m == Method::Cur || m == Method::Id ? in.leverageRank : d.leverageRank);
    const bool randomized = m == Method::Rsvd || m == Method::Id || m == Method::Cr || m == Method::Cur;
    QCOMPARE(out.trials, randomized ? in.trials : d.trials);
    QCOMPARE(out.seed, randomized ? in.seed : d.seed);
}

void TestSettings::methodsKeepTheirOwnTrialsAndSeed()
{
    auto s = fresh();
    core::MethodSettings a, b;
    a.trials = 3;
    a.seed = 1;
    b.trials = 11;
    b.seed = 2;
    s->setMethodSettings(Method::Rsvd, a);
    s->setMethodSettings(Method::Cr, b);
    QCOMPARE(s->methodSettings(Method::Rsvd).trials, 3);
    QCOMPARE(s->methodSettings(Method::Cr).trials, 11);
    QCOMPARE(s->methodSettings(Method::Rsvd).seed, std::uint64_t(1));
    QCOMPARE(s->methodSettings(Method::Cr).seed, std::uint64_t(2));
}

void TestSettings::changeSignals()
{
    auto s = fresh();
    QSignalSpy changed(s.get(), &Settings::changed);
    s->setRank(Method::Id, 12);
    QCOMPARE(changed.count(), 1);
    QVERIFY(changed[0][0].toString().contains(QStringLiteral("id")));
    s->setRank(Method::Id, 12); // unchanged: no signal
    QCOMPARE(changed.count(), 1);
    s->setColorMode(core::ColorMode::Gray);
    s->setLinkedViews(false);
    QCOMPARE(changed.count(), 3);
}

void TestSettings::idKeepsEverySelector()
{
    // Every selector by its --id-selector name, with γ; the ID and CUR keep their own γ.
    for (core::Selector selector : core::allSelectors()) {
        auto s = fresh();
        core::MethodSettings id, cur;
        id.idSelector = selector;
        id.leverageRank = 7;
        cur.leverageRank = 3;
        s->setMethodSettings(Method::Id, id);
        s->setMethodSettings(Method::Cur, cur);
        QCOMPARE(s->methodSettings(Method::Id).idSelector, selector);
        QCOMPARE(s->methodSettings(Method::Id).leverageRank, core::Index(7));
        QCOMPARE(s->methodSettings(Method::Cur).leverageRank, core::Index(3));
    }
    // Files written before the selectors came hold 0 (pivoted QR) or 1 (sketch); anything else
    // unknown falls back to pivoted QR.
    const QString ini = m_dir.filePath(QStringLiteral("oldid.ini"));
    const std::pair<QVariant, core::Selector> stored[] = {
        {0, core::Selector::PivotedQr},
        {1, core::Selector::SketchPivotedQr},
        {QStringLiteral("deim"), core::Selector::Deim},
        {QStringLiteral("norm-sample"), core::Selector::NormSample},
        {7, core::Selector::PivotedQr},
        {QStringLiteral("bogus"), core::Selector::PivotedQr},
    };
    for (const auto &[value, selector] : stored) {
        {
            QSettings raw(ini, QSettings::IniFormat);
            raw.setValue(QStringLiteral("methods/id/idSelector"), value);
        }
        Settings s(new QSettings(ini, QSettings::IniFormat));
        QCOMPARE(s.methodSettings(Method::Id).idSelector, selector);
    }
}

void TestSettings::garbageFallsBack()
{
    const QString ini = m_dir.filePath(QStringLiteral("garbage.ini"));
    {
        QSettings raw(ini, QSettings::IniFormat);
        raw.setValue(QStringLiteral("view/colorMode"), QStringLiteral("sepia"));
        raw.setValue(QStringLiteral("methods/current"), QStringLiteral("qr"));
        raw.setValue(QStringLiteral("methods/svd/rank"), -5);
        raw.setValue(QStringLiteral("methods/cr/crRule"), 99);
        raw.setValue(QStringLiteral("methods/monarch/blocks"), 0);
        raw.setValue(QStringLiteral("methods/rsvd/trials"), 100000);
    }
    Settings s(new QSettings(ini, QSettings::IniFormat));
    QCOMPARE(s.colorMode(), core::ColorMode::Rgb);
    QCOMPARE(s.currentMethod(), Method::Svd);
    QCOMPARE(s.rank(Method::Svd), 20);
    QCOMPARE(s.methodSettings(Method::Cr).crRule, core::MethodSettings().crRule);
    QCOMPARE(s.methodSettings(Method::Monarch).monarchBlocks, core::Index(1));
    QCOMPARE(s.methodSettings(Method::Rsvd).trials, 50);
}

void TestSettings::compareLayout()
{
    auto s = fresh();
    // Defaults: compare closed, 2 panes SVD | ID | Monarch | CR. (Chroma ranks are no settings:
    // they belong to a document, see tst_rooms.)
    Settings::CompareLayout d = s->compareLayout();
    QVERIFY(!d.open);
    QCOMPARE(d.count, 2);
    QCOMPARE(d.panes[0].method, Method::Svd);
    QCOMPARE(d.panes[1].method, Method::Id);
    QCOMPARE(d.panes[2].method, Method::Monarch);
    QCOMPARE(d.panes[2].rank, 1);
    QCOMPARE(d.panes[3].method, Method::Cr);
    QVERIFY(!d.split);
    QCOMPARE(d.splitPosition, 0.5);

    Settings::CompareLayout l;
    l.open = true;
    l.count = 4;
    core::MethodSettings own;
    own.rsvdOversampling = 7;
    own.rsvdPowerIterations = 3;
    own.trials = 4;
    own.seed = 99;
    l.panes[3] = {Method::Rsvd, 33, 2, own};
    l.split = true;
    l.splitPosition = 0.75;
    s->setCompareLayout(l);
    const Settings::CompareLayout r = s->compareLayout();
    QVERIFY(r.open);
    QCOMPARE(r.count, 4);
    QCOMPARE(r.panes[3].method, Method::Rsvd);
    QCOMPARE(r.panes[3].rank, 33);
    QCOMPARE(r.panes[3].show, 2);
    QVERIFY(r.panes[3].settings);
    QCOMPARE(r.panes[3].settings->rsvdOversampling, core::Index(7));
    QCOMPARE(r.panes[3].settings->rsvdPowerIterations, 3);
    QCOMPARE(r.panes[3].settings->trials, 4);
    QCOMPARE(r.panes[3].settings->seed, quint64(99));
    QVERIFY(!r.panes[0].settings);
    // Pane parameters are the pane's: the method's own stay the defaults.
    QCOMPARE(s->methodSettings(Method::Rsvd).rsvdOversampling, core::MethodSettings().rsvdOversampling);
    QVERIFY(r.split);
    QCOMPARE(r.splitPosition, 0.75);

    // Garbage falls back to the defaults.
    QSettings *raw = s->backend();
    raw->setValue(QStringLiteral("compare/panes"), 9);
    raw->setValue(QStringLiteral("compare/pane0/method"), QStringLiteral("lu"));
    raw->setValue(QStringLiteral("compare/pane1/rank"), -3);
    raw->setValue(QStringLiteral("compare/pane2/show"), 7);
    raw->setValue(QStringLiteral("compare/splitPosition"), 4.0);
    const Settings::CompareLayout g = s->compareLayout();
    QCOMPARE(g.count, 2);
    QCOMPARE(g.panes[0].method, Method::Svd);
    QCOMPARE(g.panes[1].rank, 20);
    QCOMPARE(g.panes[2].show, 1);
    QCOMPARE(g.splitPosition, 0.5);
}

void TestSettings::tensorChoicesPerFile()
{
    QTemporaryDir files;
    auto touch = [&](const QString &name) {
        QFile f(files.filePath(name));
        return f.open(QIODevice::WriteOnly) ? files.filePath(name) : QString();
    };
    const QString a = touch(QStringLiteral("a.npz")), b = touch(QStringLiteral("b.safetensors"));
    auto s = fresh();
    QVERIFY(s->tensorChoices(a).isEmpty());
    QCOMPARE(s->tensorReshape(a, QStringLiteral("w")).text(), std::string("auto"));
    QSignalSpy changed(s.get(), &Settings::changed);
    s->rememberTensorChoice(a, TensorChoice{QStringLiteral("w"), core::Reshape::rows(3)});
    s->rememberTensorChoice(a, TensorChoice{QStringLiteral("v"), core::Reshape::channels()});
    s->rememberTensorChoice(b, TensorChoice{QStringLiteral("w"), {}});
    QCOMPARE(changed.count(), 3);
    QVERIFY(changed.at(0).at(0).toString().startsWith(QStringLiteral("tensors/")));
    QCOMPARE(s->tensorChoices(a).size(), 2);
    QCOMPARE(s->tensorChoices(a)[0].name, QStringLiteral("v"));
    QCOMPARE(s->tensorReshape(a, QStringLiteral("v")).text(), std::string("channels"));
    QCOMPARE(s->tensorReshape(a, QStringLiteral("w")).text(), std::string("rows:3"));
    QCOMPARE(s->tensorReshape(b, QStringLiteral("w")).text(), std::string("auto"));
    // The same array again moves up and takes its new reshape; the list is capped.
    s->rememberTensorChoice(a, TensorChoice{QStringLiteral("w"), core::Reshape::rows(1)});
    QCOMPARE(s->tensorChoices(a)[0].name, QStringLiteral("w"));
    QCOMPARE(s->tensorChoices(a).size(), 2);
    QCOMPARE(s->tensorReshape(a, QStringLiteral("w")).text(), std::string("rows:1"));
    for (int i = 0; i < 3 * Settings::tensorChoicesLimit; ++i)
        s->rememberTensorChoice(a, TensorChoice{QStringLiteral("t%1").arg(i), core::Reshape::rows(i % 4)});
    QCOMPARE(s->tensorChoices(a).size(), Settings::tensorChoicesLimit);
    QCOMPARE(s->tensorChoices(a)[0].name, QStringLiteral("t%1").arg(3 * Settings::tensorChoicesLimit - 1));
    // The choices of a file that is gone are forgotten the next time one is remembered.
    QVERIFY(QFile::remove(b));
    s->rememberTensorChoice(a, TensorChoice{QStringLiteral("w"), {}});
    QVERIFY(s->tensorChoices(b).isEmpty());
    int keys = 0;
    for (const QString &key : s->backend()->allKeys())
        keys += key.startsWith(QStringLiteral("tensors/")) ? 1 : 0;
    QCOMPARE(keys, 1);
}

QTEST_MAIN(TestSettings)
#include "tst_settings.moc"
