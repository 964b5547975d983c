// SPDX-License-Identifier: MIT
#pragma once

#include <QSize>
#include <QString>
#include <QStringList>

namespace factorscope::app {

class MainWindow;

/// The README's screenshot scenes, made by the program itself (`factorscope --screenshot SCENE
/// FILE`, under xvfb-run): a test-and-docs aid, not part of the window. Each scene sets a main
/// window up through its public parts, as a person would, waits for every job and saves it.
namespace screenshotScenes {

/// "photo-svd", "matrix-id", "monarch-slice", "cr-photo", "rsvd-photo", "compare-4" (four
/// comparison panes: SVD r=40 | ID r=40 | Monarch 16 blocks | CR r=200), "compare-standin",
/// "pane-parameters", "generator-dialog", "svd-preview" (grabbed while the preview shows),
/// "tensor-picker" (the dialog on a ~4.8 GB checkpoint's header), "curve-export-dialog" (File ▸
/// Export ▸ Error Curves over three computed methods); any scene with "-dark" appended uses Fusion
/// with a dark palette.
QStringList names();

/// Sets `window` (shown, fresh settings) up as `scene` at `size`, waits for every job and saves
/// it to `file`. False for an unknown scene or when it could not be made.
bool run(MainWindow &window, const QString &scene, const QString &file, QSize size = QSize(1600, 1000));

} // namespace screenshotScenes

} // namespace factorscope::app
