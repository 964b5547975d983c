// SPDX-License-Identifier: MIT
#include "screenshotscenes.h"

#include "comparepanes.h"
#include "curveexportdialog.h"
#include "exports.h"
#include "factorpanels.h"
#include "generatordialog.h"
#include "mainwindow.h"
#include "pinvview.h"
#include "tensorpicker.h"

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
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPalette>
#include <QSplitter>
#include <QTemporaryDir>

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

/// The first shard of a 7-billion-parameter language model as a .safetensors header over a sparse
/// file (nothing written past the header, ~4.8 GB long): the embedding and layers 0–11 in BF16,
/// the MLP of layers 10 and 11 quantised to F8_E4M3 with their F32 scales.
bool writeCheckpointHeader(const QString &path)
{
    QJsonObject header;
    qint64 offset = 0;
    auto add = [&](const QString &name, const char *dtype, std::initializer_list<qint64> shape, int elementSize) {
        qint64 bytes = elementSize;
        QJsonArray dims;
        for (qint64 d : shape) {
            bytes *= d;
            dims.append(d);
        }
        header.insert(name, QJsonObject{{QStringLiteral("dtype"), QString::fromLatin1(dtype)},
                                        {QStringLiteral("shape"), dims},
                                        {QStringLiteral("data_offsets"), QJsonArray{offset, offset + bytes}}});
        offset += bytes;
    };
    add(QStringLiteral("model.embed_tokens.weight"), "BF16", {32000, 4096}, 2);
    for (int layer = 0; layer < 12; ++layer) {
        const QString prefix = QStringLiteral("model.layers.%1.").arg(layer);
        add(prefix + QStringLiteral("input_layernorm.weight"), "BF16", {4096}, 2);
        add(prefix + QStringLiteral("post_attention_layernorm.weight"), "BF16", {4096}, 2);
        for (const char *projection : {"q_proj", "k_proj", "v_proj", "o_proj"})
            add(prefix + QStringLiteral("self_attn.%1.weight").arg(QLatin1String(projection)), "BF16", {4096, 4096}, 2);
        const bool fp8 = layer >= 10;
        for (const char *projection : {"gate_proj", "up_proj", "down_proj"}) {
            const QString name = prefix + QStringLiteral("mlp.%1.").arg(QLatin1String(projection));
            const bool down = projection[0] == 'd';
            if (fp8) {
                add(name + QStringLiteral("weight"), "F8_E4M3", {down ? 4096 : 11008, down ? 11008 : 4096}, 1);
                add(name + QStringLiteral("weight_scale"), "F32", {1}, 4);
            } else {
                add(name + QStringLiteral("weight"), "BF16", {down ? 4096 : 11008, down ? 11008 : 4096}, 2);
            }
        }
    }
    header.insert(QStringLiteral("__metadata__"), QJsonObject{{QStringLiteral("format"), QStringLiteral("pt")}});
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    json += QByteArray((8 - json.size() % 8) % 8, ' ');
    QByteArray length(8, '\0');
    for (int i = 0; i < 8; ++i)
        length[i] = char((quint64(json.size()) >> (8 * i)) & 0xff);
    QFile out(path);
    return out.open(QIODevice::WriteOnly) && out.write(length + json) == 8 + json.size()
           && out.resize(8 + json.size() + offset); // a hole: the listing reads the header only
}

} // namespace

QStringList names()
{
    return {QStringLiteral("photo-svd"), QStringLiteral("matrix-id"), QStringLiteral("monarch-slice"),
            QStringLiteral("cr-photo"), QStringLiteral("rsvd-photo"), QStringLiteral("compare-4"),
            QStringLiteral("compare-standin"), QStringLiteral("pane-parameters"), QStringLiteral("generator-dialog"),
            QStringLiteral("svd-preview"), QStringLiteral("tensor-picker"),
            QStringLiteral("curve-export-dialog"), QStringLiteral("cur-photo"), QStringLiteral("id-deim-photo"),
            QStringLiteral("pinv-matrix")};
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
        dark.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 120, 120));
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
    } else if (scene == QStringLiteral("id-deim-photo")) {
        // The column ID with DEIM's skeleton: the chosen columns on the photo, C and Z, and the
        // leverage scores of the top r right singular vectors DEIM works on, its choice marked.
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::Gray);
        core::MethodSettings s = window.methodPanel()->settings(Method::Id);
        s.idSelector = core::IdSelector::Deim;
        s.rowId = false;
        window.methodPanel()->setSettings(Method::Id, s);
        window.methodPanel()->setCurrentMethod(Method::Id);
        emit window.methodPanel()->settingsChanged(Method::Id, s);
        window.methodPanel()->setRank(Method::Id, 24);
        window.factorPanels()->showMethod(Method::Id);
        window.errorPlot()->setLogY(true);
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
    } else if (scene == QStringLiteral("tensor-picker")) {
        // File ▸ Open on a checkpoint: the picker over the window, filtered to "layers.1", with
        // layer 1's up projection chosen (the F8 weights of layers 10 and 11 greyed).
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"));
        if (!dir.isValid() || !writeCheckpointHeader(path))
            return false;
        bool saved = false;
        window.opener()->setTensorChooser([&](const QString &f, const core::TensorListing &listing,
                                              const QList<TensorChoice> &remembered) {
            TensorPicker picker(f, listing, remembered, &window);
            picker.show();
            picker.setFilterText(QStringLiteral("layers.1"));
            picker.selectTensor(QStringLiteral("model.layers.1.mlp.up_proj.weight"));
            settle(300);
            saved = picker.grab().save(file);
            return std::optional<TensorChoice>{};
        });
        window.openFile(path);
        return saved;
    } else if (scene == QStringLiteral("curve-export-dialog")) {
        // File ▸ Export ▸ Error Curves on the photo in YCbCr with SVD's chroma rank set and three
        // methods computed; the ranks start as the plot shows them.
        if (!window.openDefaultImage())
            return false;
        window.setColorMode(core::ColorMode::YCbCr);
        for (Method method : {Method::Rsvd, Method::Monarch, Method::Svd}) {
            window.methodPanel()->setCurrentMethod(method);
            if (!window.waitForIdle(600000))
                return false;
        }
        window.setChromaRank(10);
        window.errorPlot()->setLogY(true);
        if (!window.waitForIdle(600000))
            return false;
        CurveExportDialog dialog(window.workspace(), window.exports()->defaultCurveExport(),
                                 QStringLiteral("/home/user/astronaut-curves.csv"), &window);
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
