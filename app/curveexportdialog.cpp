// SPDX-License-Identifier: MIT
#include "curveexportdialog.h"

#include "workspace.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace factorscope::app {

using core::Index;
using core::Method;

namespace {

QString rankWord(Method method) { return method == Method::Monarch ? QStringLiteral("ρ") : QStringLiteral("r"); }

} // namespace

CurveExportDialog::CurveExportDialog(const Workspace *workspace, const exporter::CurveExport &initial, const QString &path,
                                     QWidget *parent)
    : QDialog(parent), m_initial(initial)
{
    setWindowTitle(tr("Export Error Curves"));
    const auto document = workspace->document();
    const bool image = document && document->isImage;
    Index maxRank = 1;
    int maxTrials = 1;
    bool anyRandomized = false, anyChroma = false;
    QStringList chromaText;

    auto *methods = new QGroupBox(tr("Methods"));
    auto *methodGrid = new QGridLayout(methods);
    int row = 0;
    for (Method method : core::allMethods()) {
        const auto result = workspace->result(method);
        const bool ready = result && !result->approximate;
        auto *box = new QCheckBox(ready ? Workspace::seriesName(method, result->settings) : Workspace::methodTitle(method));
        box->setObjectName(QStringLiteral("method-") + Workspace::slotName(method));
        auto *count = new QLabel;
        count->setForegroundRole(QPalette::PlaceholderText);
        if (ready) {
            m_results[std::size_t(method)] = result;
            maxRank = std::max(maxRank, result->maxRank);
            const bool randomized = result->trials() > 1
                                    || core::isRandomized(method, result->settings);
            if (randomized) {
                anyRandomized = true;
                maxTrials = std::max(maxTrials, result->trials());
            }
            if (const auto c = initial.chromaRanks[std::size_t(method)]; c && result->color == core::ColorMode::YCbCr
                                                                         && result->channels() == 3) {
                anyChroma = true;
                chromaText << tr("%1 %2").arg(Workspace::methodTitle(method)).arg(*c);
            }
            box->setChecked(std::find(initial.methods.begin(), initial.methods.end(), method) != initial.methods.end());
        } else {
            box->setEnabled(false);
            count->setText(result && result->approximate ? tr("still computing (a preview is shown)")
                           : workspace->isComputing(method) ? tr("still computing")
                                                            : tr("not computed"));
        }
        connect(box, &QCheckBox::toggled, this, &CurveExportDialog::update);
        m_methods[std::size_t(method)] = box;
        m_counts[std::size_t(method)] = count;
        methodGrid->addWidget(box, row, 0);
        methodGrid->addWidget(count, row, 1);
        ++row;
    }
    methodGrid->setColumnStretch(1, 1);

    auto *values = new QGroupBox(tr("Rows and values"));
    auto *form = new QFormLayout(values);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    m_first = new QSpinBox;
    m_first->setObjectName(QStringLiteral("firstRank"));
    m_last = new QSpinBox;
    m_last->setObjectName(QStringLiteral("lastRank"));
    for (QSpinBox *spin : {m_first, m_last}) {
        spin->setRange(0, int(maxRank));
        spin->setAccelerated(true);
    }
    m_first->setValue(int(std::clamp<Index>(initial.firstRank, 0, maxRank)));
    m_last->setValue(int(std::clamp<Index>(initial.lastRank, 0, maxRank)));
    auto *plotted = new QPushButton(tr("Plotted"));
    plotted->setToolTip(tr("The ranks the error plot shows"));
    auto *all = new QPushButton(tr("All"));
    all->setToolTip(tr("Every rank of every method, 1 to %1").arg(maxRank));
    connect(plotted, &QPushButton::clicked, this, [this] {
        m_first->setValue(int(m_initial.firstRank));
        m_last->setValue(int(std::min<Index>(m_initial.lastRank, m_last->maximum())));
    });
    connect(all, &QPushButton::clicked, this, [this] {
        m_first->setValue(1);
        m_last->setValue(m_last->maximum());
    });
    auto *ranks = new QHBoxLayout;
    ranks->addWidget(m_first);
    ranks->addWidget(new QLabel(tr("to")));
    ranks->addWidget(m_last);
    ranks->addWidget(plotted);
    ranks->addWidget(all);
    ranks->addStretch(1);
    form->addRow(tr("Ranks (every one)"), ranks);

    m_psnr = new QCheckBox(tr("PSNR at every rank (one reconstruction per rank, in the background)"));
    m_psnr->setObjectName(QStringLiteral("psnr"));
    m_psnr->setChecked(image && initial.psnr);
    m_psnr->setEnabled(image);
    if (!image)
        m_psnr->setToolTip(tr("PSNR applies to images."));
    form->addRow(tr("PSNR"), m_psnr);

    m_trials = new QSpinBox;
    m_trials->setObjectName(QStringLiteral("trials"));
    m_trials->setRange(1, maxTrials);
    m_trials->setValue(initial.trials > 0 ? std::min(initial.trials, maxTrials) : maxTrials);
    m_trials->setPrefix(tr("the first "));
    m_trials->setSuffix(tr(" of %1").arg(maxTrials));
    m_trials->setEnabled(anyRandomized);
    m_trials->setToolTip(tr("Randomized methods: the mean, min and max over their first N trials — the numbers of "
                            "factorscope curve --trials N (trial t's seed is derived from the seed and t)."));
    form->addRow(tr("Trials"), m_trials);

    m_chroma = new QCheckBox(anyChroma ? tr("Cb and Cr at the chroma rank shown (%1); the rank column is Y's")
                                             .arg(chromaText.join(QStringLiteral(", ")))
                                       : tr("Cb and Cr at a chroma rank (none is set: every channel at the rank)"));
    m_chroma->setObjectName(QStringLiteral("chroma"));
    m_chroma->setChecked(anyChroma);
    m_chroma->setEnabled(anyChroma);
    form->addRow(tr("Chroma"), m_chroma);
    connect(m_first, &QSpinBox::valueChanged, this, &CurveExportDialog::update);
    connect(m_last, &QSpinBox::valueChanged, this, &CurveExportDialog::update);
    connect(m_trials, &QSpinBox::valueChanged, this, &CurveExportDialog::update);
    connect(m_psnr, &QCheckBox::toggled, this, &CurveExportDialog::update);
    connect(m_chroma, &QCheckBox::toggled, this, &CurveExportDialog::update);

    auto *metadataBox = new QGroupBox(tr("How each method was computed (written as # lines)"));
    auto *metadataLayout = new QVBoxLayout(metadataBox);
    m_metadata = new QPlainTextEdit;
    m_metadata->setObjectName(QStringLiteral("metadata"));
    m_metadata->setReadOnly(true);
    m_metadata->setLineWrapMode(QPlainTextEdit::WidgetWidth); // never clipped; "# " starts each line
    m_metadata->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_metadata->setFixedHeight(m_metadata->fontMetrics().lineSpacing() * 8 + 12);
    metadataLayout->addWidget(m_metadata);

    m_path = new QLineEdit(path);
    m_path->setObjectName(QStringLiteral("path"));
    auto *browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, &CurveExportDialog::browse);
    connect(m_path, &QLineEdit::textChanged, this, &CurveExportDialog::update);
    auto *file = new QHBoxLayout;
    file->addWidget(new QLabel(tr("File")));
    file->addWidget(m_path, 1);
    file->addWidget(browse);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_export->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(methods);
    layout->addWidget(values);
    layout->addWidget(metadataBox);
    layout->addLayout(file);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);
    update();
    // Wide enough for a metadata line of a few methods without wrapping, where the screen allows.
    resize(std::max(sizeHint().width(), m_metadata->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 100), sizeHint().height());
}

CurveExportDialog::~CurveExportDialog() = default;

exporter::CurveExport CurveExportDialog::choice() const
{
    exporter::CurveExport c;
    for (Method method : core::allMethods())
        if (m_results[std::size_t(method)] && m_methods[std::size_t(method)]->isChecked())
            c.methods.push_back(method);
    c.firstRank = std::min(m_first->value(), m_last->value());
    c.lastRank = std::max(m_first->value(), m_last->value());
    c.psnr = m_psnr->isEnabled() && m_psnr->isChecked();
    c.trials = m_trials->isEnabled() ? m_trials->value() : 0;
    if (m_chroma->isEnabled() && m_chroma->isChecked())
        c.chromaRanks = m_initial.chromaRanks;
    return c;
}

QString CurveExportDialog::path() const { return m_path->text().trimmed(); }

std::vector<std::shared_ptr<const MethodResult>> CurveExportDialog::checkedResults() const
{
    std::vector<std::shared_ptr<const MethodResult>> results;
    for (Method method : choice().methods)
        results.push_back(m_results[std::size_t(method)]);
    return results;
}

int CurveExportDialog::rowCount() const
{
    const exporter::CurveExport c = choice();
    int rows = 0;
    for (const auto &result : checkedResults())
        rows += int(exporter::exportRanks(*result, c).size());
    return rows;
}

QString CurveExportDialog::metadataText() const
{
    QStringList lines;
    for (const std::string &line : exporter::curveExportLines(checkedResults(), choice()))
        lines << QStringLiteral("# ") + QString::fromStdString(line);
    return lines.join(QLatin1Char('\n'));
}

void CurveExportDialog::browse()
{
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export Error Curves"), path(), tr("CSV table (*.csv)"));
    if (!chosen.isEmpty())
        m_path->setText(chosen);
}

void CurveExportDialog::update()
{
    const exporter::CurveExport c = choice();
    for (Method method : core::allMethods()) {
        const auto &result = m_results[std::size_t(method)];
        if (!result)
            continue;
        const auto ranks = exporter::exportRanks(*result, c);
        QString text;
        if (ranks.empty())
            text = tr("no rows: computed for %1 = 1 to %2").arg(rankWord(method)).arg(result->maxRank);
        else
            text = tr("%1 = %2 to %3: %4 rows").arg(rankWord(method)).arg(ranks.front()).arg(ranks.back()).arg(ranks.size());
        if (!ranks.empty() && c.lastRank > result->maxRank)
            text += QStringLiteral(" ") + tr("(computed up to %1)").arg(result->maxRank);
        m_counts[std::size_t(method)]->setText(text);
        m_counts[std::size_t(method)]->setEnabled(m_methods[std::size_t(method)]->isChecked());
    }
    m_metadata->setPlainText(metadataText());
    const int rows = rowCount();
    const bool psnrRows = c.psnr && rows > 0;
    m_summary->setText(rows == 0 ? tr("Nothing to export: check a method with ranks in the range.")
                       : psnrRows ? tr("%1 rows; the PSNR needs one reconstruction per row, computed in the background "
                                       "from the cached factors.").arg(rows)
                                  : tr("%1 rows, from the cached factors.").arg(rows));
    m_export->setEnabled(rows > 0 && !path().isEmpty());
}

} // namespace factorscope::app
