// SPDX-License-Identifier: MIT
#include "screenshotscenes.h"

#include "comparepanes.h"
#include "factorpanels.h"
#include "generatordialog.h"
#include "mainwindow.h"
#include "pinvview.h"

#include "core/id.h"
#include "core/pinv.h"
#include "widgets/errorplot.h"
#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDialog>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QPalette>
#include <QSplitter>

#include <cmath>

namespace factorscope::app::screenshotScenes {

using core::Index;
using core::Method;

namespace {

/// Lets the window paint (and late events arrive) for `ms` before it is grabbed.
void settle(int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
}

} // namespace

QStringList names()
{
    return {QStringLiteral("photo-svd"), QStringLiteral("matrix-id"), QStringLiteral("monarch-slice"),
            QStringLiteral("cr-photo"), QStringLiteral("rsvd-photo"), QStringLiteral("compare-4"),
            QStringLiteral("compare-standin"), QStringLiteral("pane-parameters"), QStringLiteral("generator-dialog"),
            QStringLiteral("svd-preview"), QStringLiteral("cur-photo"), QStringLiteral("pinv-matrix")};
}

bool run(MainWindow &window, const QString &requested, const QString &file, QSize size)
{
    window.resize(size);
    QString scene = requested;
    if (scene.endsWith(QStringLiteral("-dark"))) {
        // To check that everything follows a dark palette: Fusion with a dark palette.
        scene.chop(5);
        QApplication::setStyle(QStringLiteral("Fusion"));
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(45, 45, 48));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        dark.setColor(QPalette::Base, QColor(30, 30, 32));
        dark.setColor(QPalette::AlternateBase, QColor(50, 50, 54));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        dark.setColor(QPalette::Button, QColor(55, 55, 58));
        dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        dark.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
        dark.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
        dark.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
        dark.setColor(QPalette::Highlight, QColor(60, 120, 200));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
        dark.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
        QApplication::setPalette(dark);
    }
    if (scene == QStringLiteral("photo-svd")) {
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Rgb);
        window.methodPanel()->setCurrentMethod(Method::Svd);
        window.methodPanel()->setRank(Method::Svd, 30);
        window.factorPanels()->showMethod(Method::Svd);
        window.errorPlot()->setLogY(true);
    } else if (scene == QStringLiteral("matrix-id")) {
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::LowRankNoise;
        spec.rows = 160;
        spec.cols = 240;
        spec.rank = 12;
        spec.noise = 0.05;
        spec.seed = 3;
        if (!window.openGenerated(spec))
            return false;
        core::MethodSettings s = window.methodPanel()->settings(Method::Id);
        s.idSelector = core::IdSelector::PivotedQr;
        s.rowId = false;
        window.methodPanel()->setSettings(Method::Id, s);
        window.methodPanel()->setCurrentMethod(Method::Id);
        window.methodPanel()->setRank(Method::Id, 12);
        window.methodPanel()->setRank(Method::Svd, 20);
        window.factorPanels()->showMethod(Method::Id);
        window.errorPlot()->setLogY(true);
        if (!window.waitForIdle(600000))
            return false;
        // Zoom Z in on its largest entry, where the |z| > 1 flags are drawn.
        if (auto *z = window.factorPanels()->view(Method::Id, QStringLiteral("Z")); z && z->hasData()) {
            const auto id = window.workspace()->result(Method::Id);
            const auto *model = id ? dynamic_cast<const core::IdModel *>(&id->model(0)) : nullptr;
            if (model) {
                const core::Matrix zm = model->interpolation(std::min<Index>(12, model->maxRank()));
                Index row = 0, col = 0;
                zm.cwiseAbs().maxCoeff(&row, &col);
                const double width = 36.0;
                const double left = std::clamp(double(col) - width / 2, 0.0, std::max(0.0, double(zm.cols()) - width));
                z->setVisibleRegion(QRectF(left, 0.0, width, double(zm.rows())));
            }
        }
    } else if (scene == QStringLiteral("monarch-slice")) {
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Gray);
        core::MethodSettings s = window.methodPanel()->settings(Method::Monarch);
        s.monarchBlocks = 8;
        window.methodPanel()->setSettings(Method::Monarch, s);
        window.methodPanel()->setCurrentMethod(Method::Monarch);
        emit window.methodPanel()->settingsChanged(Method::Monarch, s);
        window.methodPanel()->setRank(Method::Monarch, 4);
        window.methodPanel()->setRank(Method::Svd, 64);
        window.factorPanels()->showMethod(Method::Monarch);
        window.errorPlot()->setXAxis(widgets::ErrorPlot::XAxis::Params);
        window.errorPlot()->setLogY(true);
        if (!window.waitForIdle(600000))
            return false;
        window.factorPanels()->selectSlice(2, 5);
    } else if (scene == QStringLiteral("cr-photo") || scene == QStringLiteral("rsvd-photo")) {
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Gray);
        const Method method = scene.startsWith(QStringLiteral("cr")) ? Method::Cr : Method::Rsvd;
        window.methodPanel()->setCurrentMethod(method);
        window.methodPanel()->setRank(method, 40);
        window.factorPanels()->showMethod(method);
        window.errorPlot()->setLogY(true);
    } else if (scene == QStringLiteral("cur-photo")) {
        // CUR by DEIM, optimal middle: the cross on the photo, C, U, R and the leverage scores of
        // the top r right singular vectors DEIM works on, with the chosen columns.
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Gray);
        core::MethodSettings s = window.methodPanel()->settings(Method::Cur);
        s.curSelector = core::Selector::Deim;
        s.curMiddle = core::CurMiddle::Optimal;
        window.methodPanel()->setSettings(Method::Cur, s);
        window.methodPanel()->setCurrentMethod(Method::Cur);
        emit window.methodPanel()->settingsChanged(Method::Cur, s);
        window.methodPanel()->setRank(Method::Cur, 24);
        window.factorPanels()->showMethod(Method::Cur);
        window.errorPlot()->setLogY(true);
        if (auto *dock = window.findChild<QDockWidget *>(QStringLiteral("factorDock")))
            window.resizeDocks({dock}, {640}, Qt::Horizontal); // room for C, U, R and the scores
    } else if (scene == QStringLiteral("pinv-matrix")) {
        // The pseudo-inverse of a noisy rank-40 matrix: the noise's 1/σ cut off by τ.
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::LowRankNoise;
        spec.rows = 300;
        spec.cols = 200;
        spec.rank = 40;
        spec.noise = 1e-6;
        if (!window.openGenerated(spec))
            return false;
        for (QDockWidget *dock : window.findChildren<QDockWidget *>()) {
            if (dock->objectName() == QStringLiteral("pinvDock"))
                dock->show();
            else if (dock->objectName() == QStringLiteral("factorDock"))
                dock->hide();
        }
        if (auto *dock = window.findChild<QDockWidget *>(QStringLiteral("pinvDock")))
            window.resizeDocks({dock}, {600}, Qt::Horizontal);
        if (!window.waitForIdle(600000))
            return false;
        PinvView *pinv = window.pinvView();
        if (!pinv->pseudoInverse())
            return false;
        const core::Vector &sigma = pinv->pseudoInverse()->singularValues();
        pinv->setTolerance(std::sqrt(sigma[39] * sigma[40])); // between the signal and the noise
        pinv->setEpsilon(sigma[39] * sigma[39]);
    } else if (scene == QStringLiteral("compare-4")) {
        // Four approximations of the default photo side by side, their settings on the curves.
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Rgb);
        core::MethodSettings s = window.methodPanel()->settings(Method::Monarch);
        s.monarchBlocks = 16;
        window.methodPanel()->setSettings(Method::Monarch, s);
        emit window.methodPanel()->settingsChanged(Method::Monarch, s);
        window.setCompareMode(true);
        window.comparePanes()->setPaneCount(4);
        window.comparePanes()->setPane(0, Method::Svd, 40);
        window.comparePanes()->setPane(1, Method::Id, 40);
        window.comparePanes()->setPane(2, Method::Monarch, 2);
        window.comparePanes()->setPane(3, Method::Cr, 200);
        // Room for the panes: without the factor and spectrum docks, the plot lower.
        for (QDockWidget *dock : window.findChildren<QDockWidget *>())
            if (dock->objectName() != QStringLiteral("methodDock"))
                dock->hide();
        if (auto *split = qobject_cast<QSplitter *>(window.errorPlot()->parentWidget()))
            split->setSizes({640, 300});
        window.errorPlot()->setXAxis(widgets::ErrorPlot::XAxis::Params);
        window.errorPlot()->setLogY(true);
    } else if (scene == QStringLiteral("compare-standin")) {
        // A photo larger than the panes, grabbed right after the panes' ranks change: the
        // display-resolution stand-ins shown until the full-resolution views arrive.
        const QImage image = QImage(QStringLiteral(":/images/default.png")).scaled(2048, 2048);
        window.setColorMode(core::ColorMode::Rgb);
        if (!window.openDocument(OpenResult{documentFromImage(image, QStringLiteral("Astronaut, 2048 × 2048")), {}}))
            return false;
        window.setCompareMode(true);
        window.comparePanes()->setPaneCount(2);
        window.comparePanes()->setPane(0, Method::Svd, 20);
        window.comparePanes()->setPane(1, Method::Svd, 20);
        window.comparePanes()->setShow(1, ComparePanes::Show::Difference);
        if (!window.waitForIdle(600000))
            return false;
        window.comparePanes()->setPane(0, Method::Svd, 8);
        window.comparePanes()->setPane(1, Method::Svd, 8);
        return window.grab().save(file);
    } else if (scene == QStringLiteral("pane-parameters")) {
        // The editor of a compare pane's own parameters, over the compare view.
        if (!window.openDefaultImage())
            return false;
        window.setCompareMode(true);
        window.comparePanes()->setPane(1, Method::Monarch, 2);
        if (!window.waitForIdle(600000))
            return false;
        auto dialog = window.comparePanes()->parametersDialog(1);
        dialog->show();
        settle(300);
        return dialog->grab().save(file);
    } else if (scene == QStringLiteral("generator-dialog")) {
        GeneratorDialog dialog(&window);
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::RandomMonarch;
        dialog.setSpec(spec);
        dialog.show();
        settle(300);
        return dialog.grab().save(file);
    } else if (scene == QStringLiteral("svd-preview")) {
        // A large input: grabbed while the randomized preview is shown and the exact SVD runs.
        core::GeneratorSpec spec;
        spec.kind = core::GeneratorKind::LowRankNoise;
        spec.rows = 1800;
        spec.cols = 1500;
        spec.rank = 40;
        spec.noise = 0.2;
        window.methodPanel()->setCurrentMethod(Method::Svd);
        window.methodPanel()->setRank(Method::Svd, 30);
        if (!window.openGenerated(spec))
            return false;
        QDeadlineTimer deadline(600000);
        while (!(window.currentView() && window.currentView()->source->approximate)) {
            if (deadline.hasExpired() || (window.currentView() && !window.currentView()->source->approximate))
                return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return window.grab().save(file);
    } else {
        return false;
    }
    if (!window.waitForIdle(600000))
        return false;
    if (scene == QStringLiteral("compare-4")) {
        // Zoomed in on the face, the same region in every pane (as a linked zoom leaves them).
        for (int i = 0; i < window.comparePanes()->paneCount(); ++i)
            window.comparePanes()->view(i)->setVisibleRegion(QRectF(150, 40, 240, 200));
    }
    settle(500);
    return window.grab().save(file);
}

} // namespace factorscope::app::screenshotScenes
