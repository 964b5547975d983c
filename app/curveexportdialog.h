// SPDX-License-Identifier: MIT
#pragma once

#include "exporter.h"

#include <QDialog>
#include <QString>

#include <array>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace factorscope::app {

class Workspace;

/// File ▸ Export ▸ Error Curves as CSV: which methods (the computed ones, checked), which ranks
/// (from the plotted range; "All" for every rank each method has), with or without PSNR, how
/// many trials of the randomized methods, the chroma ranks shown, and the file. It says how many
/// rows each method gives — exactly those ranks, never a subsample — and shows the metadata
/// lines that say how each method was computed.
///
/// Owns its controls only; reads the workspace's results when it opens. Exports writes the
/// file (in the background, from the cached models).
class CurveExportDialog : public QDialog
{
    Q_OBJECT

public:
    /// `initial`: the methods to check (those with a final result are offered), the ranks, PSNR,
    /// trials and chroma ranks to start from; `path`: the file suggested.
    CurveExportDialog(const Workspace *workspace, const exporter::CurveExport &initial, const QString &path,
                      QWidget *parent = nullptr);
    ~CurveExportDialog() override;

    /// What the controls say now.
    exporter::CurveExport choice() const;
    QString path() const;
    /// Rows the export writes with choice(): the sum over checked methods of exportRanks().
    int rowCount() const;
    /// The `# ` lines after input, shape and colour (exporter::curveExportLines).
    QString metadataText() const;

    // The controls, for tests and the screenshot scene.
    QCheckBox *methodBox(core::Method method) const { return m_methods[std::size_t(method)]; }
    QSpinBox *firstRankBox() const { return m_first; }
    QSpinBox *lastRankBox() const { return m_last; }
    QCheckBox *psnrBox() const { return m_psnr; }
    QSpinBox *trialsBox() const { return m_trials; }
    QCheckBox *chromaBox() const { return m_chroma; }
    QLineEdit *pathEdit() const { return m_path; }

private:
    void browse();
    /// The row counts, the metadata and whether Export is possible, after any change.
    void update();
    /// The checked methods' results, in method order.
    std::vector<std::shared_ptr<const MethodResult>> checkedResults() const;

    std::array<std::shared_ptr<const MethodResult>, core::methodCount> m_results{};
    exporter::CurveExport m_initial;
    std::array<QCheckBox *, core::methodCount> m_methods{};
    std::array<QLabel *, core::methodCount> m_counts{};
    QSpinBox *m_first = nullptr;
    QSpinBox *m_last = nullptr;
    QCheckBox *m_psnr = nullptr;
    QSpinBox *m_trials = nullptr;
    QCheckBox *m_chroma = nullptr;
    QLabel *m_summary = nullptr;
    QPlainTextEdit *m_metadata = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_export = nullptr;
};

} // namespace factorscope::app
