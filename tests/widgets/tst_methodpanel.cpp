// SPDX-License-Identifier: MIT
// The method panel: a rank change emits rankChanged only (never settingsChanged, so nothing is
// refactorised), a parameter change emits settingsChanged with the new value, defaults come from
// core::MethodSettings, limits clamp quietly, and every control explains itself in a tooltip.
#include "widgets/methodpanel.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

using namespace factorscope;
using factorscope::core::Method;
using factorscope::widgets::MethodPanel;

class TestMethodPanel : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void rankChangeIsOnlyARankChange_data();
    void rankChangeIsOnlyARankChange();
    void parameterChangeEmitsSettings_data();
    void parameterChangeEmitsSettings();
    void maxRankClampsQuietly();
    void setSettingsIsQuiet();
    void currentMethod();
    void everyControlHasATooltip();
    void crPageSaysWhyMIIsPoor();
    void curPageEditsEveryParameter();
    void curPageOffersEverySelectorButSketch();
};

void TestMethodPanel::defaults()
{
    MethodPanel panel;
    const core::MethodSettings d;
    QCOMPARE(panel.settings(Method::Rsvd).rsvdOversampling, d.rsvdOversampling);
    QCOMPARE(panel.settings(Method::Rsvd).rsvdPowerIterations, d.rsvdPowerIterations);
    QCOMPARE(panel.settings(Method::Rsvd).trials, d.trials);
    QCOMPARE(panel.settings(Method::Id).idSelector, d.idSelector);
    QCOMPARE(panel.settings(Method::Id).rowId, d.rowId);
    QCOMPARE(panel.settings(Method::Cr).crRule, d.crRule);
    QCOMPARE(panel.settings(Method::Cr).crProduct, d.crProduct);
    QCOMPARE(panel.settings(Method::Monarch).monarchBlocks, d.monarchBlocks);
    QCOMPARE(panel.currentMethod(), Method::Svd);
}

void TestMethodPanel::rankChangeIsOnlyARankChange_data()
{
    QTest::addColumn<int>("method");
    for (Method m : core::allMethods())
        QTest::newRow(core::methodName(m).c_str()) << int(m);
}

void TestMethodPanel::rankChangeIsOnlyARankChange()
{
    QFETCH(int, method);
    const Method m = Method(method);
    MethodPanel panel;
    panel.setMaxRank(m, 100);
    panel.setCurrentMethod(m);
    panel.show();
    QSignalSpy ranks(&panel, &MethodPanel::rankChanged);
    QSignalSpy settings(&panel, &MethodPanel::settingsChanged);
    panel.setRank(m, 17);
    QCOMPARE(ranks.count(), 1);
    QCOMPARE(ranks[0][0].value<Method>(), m);
    QCOMPARE(ranks[0][1].toInt(), 17);
    // Dragging the slider on the visible page: one signal per step, still no settings change.
    auto sliders = panel.findChildren<QSlider *>();
    QSlider *slider = nullptr;
    for (QSlider *s : sliders)
        if (s->isVisible())
            slider = s;
    QVERIFY(slider);
    slider->setValue(18);
    slider->setValue(19);
    QCOMPARE(ranks.count(), 3);
    QCOMPARE(panel.rank(m), 19);
    QCOMPARE(settings.count(), 0);
}

void TestMethodPanel::parameterChangeEmitsSettings_data()
{
    QTest::addColumn<int>("method");
    QTest::addColumn<QString>("control"); // tooltip fragment that identifies the control
    QTest::addColumn<int>("value");
    QTest::newRow("rsvd oversampling") << int(Method::Rsvd) << QStringLiteral("Oversampling p") << 5;
    QTest::newRow("rsvd power") << int(Method::Rsvd) << QStringLiteral("Power iterations") << 4;
    QTest::newRow("monarch blocks") << int(Method::Monarch) << QStringLiteral("Number of blocks") << 4;
    QTest::newRow("cr trials") << int(Method::Cr) << QStringLiteral("Independent samples") << 9;
    QTest::newRow("cur trials") << int(Method::Cur) << QStringLiteral("Independent selections (sampling") << 7;
    QTest::newRow("id trials") << int(Method::Id) << QStringLiteral("Independent selections (randomized") << 6;
}

void TestMethodPanel::parameterChangeEmitsSettings()
{
    QFETCH(int, method);
    QFETCH(QString, control);
    QFETCH(int, value);
    const Method m = Method(method);
    MethodPanel panel;
    QSignalSpy ranks(&panel, &MethodPanel::rankChanged);
    QSignalSpy settings(&panel, &MethodPanel::settingsChanged);
    QSpinBox *spin = nullptr;
    for (QSpinBox *s : panel.findChildren<QSpinBox *>())
        if (s->toolTip().contains(control))
            spin = s;
    QVERIFY2(spin, qPrintable(control));
    spin->setValue(value);
    QCOMPARE(settings.count(), 1);
    QCOMPARE(settings[0][0].value<Method>(), m);
    const auto s = settings[0][1].value<core::MethodSettings>();
    if (control.contains(QStringLiteral("Oversampling")))
        QCOMPARE(s.rsvdOversampling, core::Index(value));
    else if (control.contains(QStringLiteral("Power")))
        QCOMPARE(s.rsvdPowerIterations, value);
    else if (control.contains(QStringLiteral("blocks")))
        QCOMPARE(s.monarchBlocks, core::Index(value));
    else
        QCOMPARE(s.trials, value);
    QCOMPARE(ranks.count(), 0);
}

void TestMethodPanel::maxRankClampsQuietly()
{
    MethodPanel panel;
    panel.setMaxRank(Method::Svd, 200);
    panel.setRank(Method::Svd, 150);
    QSignalSpy ranks(&panel, &MethodPanel::rankChanged);
    panel.setMaxRank(Method::Svd, 64);
    QCOMPARE(panel.rank(Method::Svd), 64);
    QCOMPARE(panel.maxRank(Method::Svd), 64);
    QCOMPARE(ranks.count(), 0);
    panel.setRank(Method::Svd, 1000);
    QCOMPARE(panel.rank(Method::Svd), 64);
    panel.setMaxRank(Method::Svd, 0);
    QCOMPARE(panel.rank(Method::Svd), 1);
}

void TestMethodPanel::setSettingsIsQuiet()
{
    MethodPanel panel;
    QSignalSpy settings(&panel, &MethodPanel::settingsChanged);
    core::MethodSettings s;
    s.crRule = core::CrRule::Top;
    s.crProduct = core::CrProduct::SvdFactors;
    s.trials = 3;
    panel.setSettings(Method::Cr, s);
    QCOMPARE(settings.count(), 0);
    QCOMPARE(panel.settings(Method::Cr).crRule, core::CrRule::Top);
    QCOMPARE(panel.settings(Method::Cr).crProduct, core::CrProduct::SvdFactors);
    QCOMPARE(panel.settings(Method::Cr).trials, 3);
}

void TestMethodPanel::currentMethod()
{
    MethodPanel panel;
    QSignalSpy changed(&panel, &MethodPanel::currentMethodChanged);
    panel.setCurrentMethod(Method::Monarch);
    QCOMPARE(panel.currentMethod(), Method::Monarch);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed[0][0].value<Method>(), Method::Monarch);
    auto *tabs = panel.findChild<QTabWidget *>();
    QCOMPARE(tabs->count(), int(core::methodCount));
    QCOMPARE(tabs->tabText(3), QStringLiteral("CR"));
}

void TestMethodPanel::everyControlHasATooltip()
{
    MethodPanel panel;
    for (QSpinBox *s : panel.findChildren<QSpinBox *>())
        QVERIFY2(!s->toolTip().isEmpty(), qPrintable(s->objectName()));
    for (QComboBox *c : panel.findChildren<QComboBox *>()) {
        QVERIFY(!c->toolTip().isEmpty());
        for (int i = 0; i < c->count(); ++i)
            if (c->count() > 2 || c->itemData(i, Qt::ToolTipRole).isValid())
                QVERIFY2(!c->itemData(i, Qt::ToolTipRole).toString().isEmpty(), qPrintable(c->itemText(i)));
    }
    for (QSlider *s : panel.findChildren<QSlider *>())
        QVERIFY(s->toolTip().contains(QStringLiteral("never refactorises")));
}

void TestMethodPanel::crPageSaysWhyMIIsPoor()
{
    MethodPanel panel;
    panel.setCurrentMethod(Method::Cr);
    bool found = false;
    for (QLabel *label : panel.findChildren<QLabel *>())
        if (label->text().contains(QStringLiteral("product")) && label->text().contains(QStringLiteral("M·I"))
            && label->text().contains(QStringLiteral("poor")))
            found = true;
    QVERIFY(found);
}

void TestMethodPanel::curPageEditsEveryParameter()
{
    // Each CUR control reaches settings(Cur) and emits settingsChanged once, with the value.
    MethodPanel panel;
    panel.setCurLimits(100, 40);
    QSignalSpy changed(&panel, &MethodPanel::settingsChanged);
    QComboBox *selector = nullptr, *middle = nullptr;
    for (QComboBox *c : panel.findChildren<QComboBox *>()) {
        if (c->toolTip().contains(QStringLiteral("S₁")))
            selector = c;
        if (c->toolTip().contains(QStringLiteral("middle matrix U")))
            middle = c;
    }
    QVERIFY(selector && middle);
    selector->setCurrentIndex(selector->findData(int(core::Selector::Deim)));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last()[1].value<core::MethodSettings>().curSelector, core::Selector::Deim);
    middle->setCurrentIndex(middle->findData(int(core::CurMiddle::Cross)));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.last()[1].value<core::MethodSettings>().curMiddle, core::CurMiddle::Cross);

    QLineEdit *tolerance = nullptr;
    for (QLineEdit *e : panel.findChildren<QLineEdit *>())
        if (e->toolTip().contains(QStringLiteral("τ")))
            tolerance = e;
    QVERIFY(tolerance);
    QVERIFY(tolerance->isEnabled()); // the cross middle uses it
    tolerance->setText(QStringLiteral("2.5e-3"));
    emit tolerance->editingFinished();
    QCOMPARE(changed.count(), 3);
    QCOMPARE(panel.settings(Method::Cur).curTolerance, 2.5e-3);
    tolerance->setText(QString()); // empty: the default, stored as negative
    emit tolerance->editingFinished();
    QCOMPARE(panel.settings(Method::Cur).curTolerance, -1.0);

    const auto spinWith = [&](const QString &tip) -> QSpinBox * {
        for (QSpinBox *s : panel.findChildren<QSpinBox *>())
            if (s->toolTip().contains(tip))
                return s;
        return nullptr;
    };
    QSpinBox *rows = spinWith(QStringLiteral("Number of rows l")), *gamma = spinWith(QStringLiteral("γ: how many"));
    QVERIFY(rows && gamma);
    rows->setValue(1000); // clamped to the document's n
    QCOMPARE(panel.settings(Method::Cur).curRows, core::Index(100));
    QVERIFY(!gamma->isEnabled()); // DEIM has no γ
    selector->setCurrentIndex(selector->findData(int(core::Selector::Leverage)));
    QVERIFY(gamma->isEnabled());
    gamma->setValue(12);
    QCOMPARE(panel.settings(Method::Cur).leverageRank, core::Index(12));
    QVERIFY(!spinWith(QStringLiteral("Independent selections"))->isEnabled()); // deterministic
    selector->setCurrentIndex(selector->findData(int(core::Selector::LeverageSample)));
    QVERIFY(spinWith(QStringLiteral("Independent selections"))->isEnabled());
    middle->setCurrentIndex(middle->findData(int(core::CurMiddle::Optimal)));
    QVERIFY(!tolerance->isEnabled());

    // setSettings shows what it is given without emitting, and settings() gives it back.
    core::MethodSettings s;
    s.curSelector = core::Selector::NormSample;
    s.curMiddle = core::CurMiddle::Cross;
    s.curRows = 30;
    s.curTolerance = 0.125;
    s.leverageRank = 0;
    s.trials = 4;
    s.seed = 99;
    const int before = changed.count();
    panel.setSettings(Method::Cur, s);
    QCOMPARE(changed.count(), before);
    const core::MethodSettings back = panel.settings(Method::Cur);
    QCOMPARE(back.curSelector, s.curSelector);
    QCOMPARE(back.curMiddle, s.curMiddle);
    QCOMPARE(back.curRows, s.curRows);
    QCOMPARE(back.curTolerance, s.curTolerance);
    QCOMPARE(back.trials, s.trials);
    QCOMPARE(back.seed, s.seed);
    QCOMPARE(core::methodVariant(Method::Cur, back), std::string("norm-sample;cross;rows=30;tol=0.125"));
}

void TestMethodPanel::curPageOffersEverySelectorButSketch()
{
    MethodPanel panel;
    QComboBox *selector = nullptr;
    for (QComboBox *c : panel.findChildren<QComboBox *>())
        if (c->toolTip().contains(QStringLiteral("S₁")))
            selector = c;
    QVERIFY(selector);
    for (core::Selector s : core::allSelectors()) {
        const int index = selector->findData(int(s));
        QCOMPARE(index >= 0, s != core::Selector::SketchPivotedQr);
        if (index >= 0)
            QCOMPARE(selector->itemData(index, Qt::ToolTipRole).toString(), MethodPanel::selectorTip(s));
    }
}

QTEST_MAIN(TestMethodPanel)
#include "tst_methodpanel.moc"
