// SPDX-License-Identifier: MIT
#include "generatordialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <limits>
#include <stdexcept>

namespace factorscope::app {

using core::GeneratorKind;

namespace {

QString kindTitle(GeneratorKind kind)
{
    switch (kind) {
    case GeneratorKind::LowRankNoise: return GeneratorDialog::tr("Random low rank + noise");
    case GeneratorKind::Hilbert: return GeneratorDialog::tr("Hilbert matrix");
    case GeneratorKind::Hadamard: return GeneratorDialog::tr("Hadamard matrix (Sylvester)");
    case GeneratorKind::Kronecker: return GeneratorDialog::tr("Kronecker product of two random matrices");
    case GeneratorKind::RandomMonarch: return GeneratorDialog::tr("Random Monarch matrix");
    case GeneratorKind::SparseRandom: return GeneratorDialog::tr("Sparse random matrix");
    case GeneratorKind::Gradient: return GeneratorDialog::tr("Gradient image");
    case GeneratorKind::Checkerboard: return GeneratorDialog::tr("Checkerboard image");
    }
    return {};
}

QString kindDescription(GeneratorKind kind)
{
    switch (kind) {
    case GeneratorKind::LowRankNoise:
        return GeneratorDialog::tr("G₁·G₂/√r plus Gaussian noise: r large singular values, then a noise plateau. "
                                   "SVD finds the rank exactly; watch where every curve flattens.");
    case GeneratorKind::Hilbert:
        return GeneratorDialog::tr("Hᵢⱼ = 1/(i + j + 1): symmetric positive definite with singular values that "
                                   "decay geometrically, so every method does well at small ranks.");
    case GeneratorKind::Hadamard:
        return GeneratorDialog::tr("Entries ±1 with HᵀH = n·I: all singular values equal, the worst case for any "
                                   "low-rank method, yet exactly a Monarch matrix.");
    case GeneratorKind::Kronecker:
        return GeneratorDialog::tr("A ⊗ B of Gaussian A and B: rank rank(A)·rank(B), and a structured matrix "
                                   "that Monarch represents with few numbers.");
    case GeneratorKind::RandomMonarch:
        return GeneratorDialog::tr("Built from random Monarch factors with b blocks and block rank ρ: the Monarch "
                                   "projection with the same b has zero error at ρ, a low-rank SVD does not.");
    case GeneratorKind::SparseRandom:
        return GeneratorDialog::tr("A given fraction of random positions holds Gaussian values, the rest is zero: "
                                   "nearly full rank with a slowly decaying spectrum.");
    case GeneratorKind::Gradient:
        return GeneratorDialog::tr("A smooth colour image: each channel has rank ≤ 2, so rank 2 is exact.");
    case GeneratorKind::Checkerboard:
        return GeneratorDialog::tr("Black and white squares: rank 2 exactly, but ID and CR need the right "
                                   "columns to see it.");
    }
    return {};
}

QSpinBox *spin(int low, int high, int value)
{
    auto *s = new QSpinBox;
    s->setRange(low, high);
    s->setValue(value);
    return s;
}

} // namespace

GeneratorDialog::GeneratorDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("New from Generator"));
    const core::GeneratorSpec d;
    auto *layout = new QVBoxLayout(this);
    m_form = new QFormLayout;
    m_kind = new QComboBox;
    for (GeneratorKind kind : core::allGenerators())
        m_kind->addItem(kindTitle(kind), int(kind));
    m_form->addRow(tr("Generator"), m_kind);
    m_description = new QLabel;
    m_description->setWordWrap(true);
    m_description->setMinimumWidth(380);
    m_form->addRow(QString(), m_description);

    m_rows = spin(1, 4096, int(d.rows));
    m_cols = spin(1, 4096, int(d.cols));
    m_rank = spin(0, 4096, int(d.rank));
    m_noise = new QDoubleSpinBox;
    m_noise->setDecimals(4);
    m_noise->setRange(0.0, 100.0);
    m_noise->setSingleStep(0.01);
    m_noise->setValue(d.noise);
    m_order = spin(0, 12, d.hadamardOrder);
    m_leftRows = spin(1, 256, int(d.leftRows));
    m_leftCols = spin(1, 256, int(d.leftCols));
    m_rightRows = spin(1, 256, int(d.rightRows));
    m_rightCols = spin(1, 256, int(d.rightCols));
    m_blocks = spin(1, 4096, int(d.blocks));
    m_blockRank = spin(1, 4096, int(d.blockRank));
    m_density = new QDoubleSpinBox;
    m_density->setDecimals(3);
    m_density->setRange(0.0, 1.0);
    m_density->setSingleStep(0.01);
    m_density->setValue(d.density);
    m_cell = spin(1, 4096, int(d.cell));
    m_seed = spin(0, std::numeric_limits<int>::max(), int(d.seed));

    m_rows->setToolTip(tr("Rows n (Hilbert: the order n of the square matrix)"));
    m_rank->setToolTip(tr("Rank r of the signal"));
    m_noise->setToolTip(tr("Standard deviation of the added Gaussian noise (the signal's entries are about 1)"));
    m_order->setToolTip(tr("The matrix is 2^p × 2^p"));
    m_blocks->setToolTip(tr("Blocks b of the Monarch factors"));
    m_blockRank->setToolTip(tr("Block rank ρ: the rank of every slice"));
    m_density->setToolTip(tr("Fraction of non-zero entries"));
    m_cell->setToolTip(tr("Side of a square, in pixels"));
    m_seed->setToolTip(tr("The same seed gives the same matrix"));

    m_form->addRow(tr("Rows n"), m_rows);
    m_form->addRow(tr("Columns m"), m_cols);
    m_form->addRow(tr("Rank r"), m_rank);
    m_form->addRow(tr("Noise"), m_noise);
    m_form->addRow(tr("Order p"), m_order);
    m_form->addRow(tr("A: rows"), m_leftRows);
    m_form->addRow(tr("A: columns"), m_leftCols);
    m_form->addRow(tr("B: rows"), m_rightRows);
    m_form->addRow(tr("B: columns"), m_rightCols);
    m_form->addRow(tr("Blocks b"), m_blocks);
    m_form->addRow(tr("Block rank ρ"), m_blockRank);
    m_form->addRow(tr("Density"), m_density);
    m_form->addRow(tr("Square size"), m_cell);
    m_form->addRow(tr("Seed"), m_seed);
    layout->addLayout(m_form);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Generate"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &GeneratorDialog::updateRows);
    updateRows();
}

void GeneratorDialog::setRowVisible(QWidget *field, bool visible)
{
    m_form->setRowVisible(field, visible);
}

void GeneratorDialog::updateRows()
{
    const auto kind = GeneratorKind(m_kind->currentData().toInt());
    m_description->setText(kindDescription(kind));
    const bool sized = kind != GeneratorKind::Hadamard && kind != GeneratorKind::Kronecker;
    setRowVisible(m_rows, sized);
    setRowVisible(m_cols, sized && kind != GeneratorKind::Hilbert);
    setRowVisible(m_rank, kind == GeneratorKind::LowRankNoise);
    setRowVisible(m_noise, kind == GeneratorKind::LowRankNoise);
    setRowVisible(m_order, kind == GeneratorKind::Hadamard);
    for (QSpinBox *s : {m_leftRows, m_leftCols, m_rightRows, m_rightCols})
        setRowVisible(s, kind == GeneratorKind::Kronecker);
    setRowVisible(m_blocks, kind == GeneratorKind::RandomMonarch);
    setRowVisible(m_blockRank, kind == GeneratorKind::RandomMonarch);
    setRowVisible(m_density, kind == GeneratorKind::SparseRandom);
    setRowVisible(m_cell, kind == GeneratorKind::Checkerboard);
    const bool random = kind == GeneratorKind::LowRankNoise || kind == GeneratorKind::Kronecker
                        || kind == GeneratorKind::RandomMonarch || kind == GeneratorKind::SparseRandom;
    setRowVisible(m_seed, random);
    adjustSize();
}

core::GeneratorSpec GeneratorDialog::spec() const
{
    core::GeneratorSpec s;
    s.kind = GeneratorKind(m_kind->currentData().toInt());
    s.rows = m_rows->value();
    s.cols = m_cols->value();
    s.rank = m_rank->value();
    s.noise = m_noise->value();
    s.hadamardOrder = m_order->value();
    s.leftRows = m_leftRows->value();
    s.leftCols = m_leftCols->value();
    s.rightRows = m_rightRows->value();
    s.rightCols = m_rightCols->value();
    s.blocks = m_blocks->value();
    s.blockRank = m_blockRank->value();
    s.density = m_density->value();
    s.cell = m_cell->value();
    s.seed = std::uint64_t(m_seed->value());
    return s;
}

void GeneratorDialog::setSpec(const core::GeneratorSpec &s)
{
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(int(s.kind))));
    m_rows->setValue(int(s.rows));
    m_cols->setValue(int(s.cols));
    m_rank->setValue(int(s.rank));
    m_noise->setValue(s.noise);
    m_order->setValue(s.hadamardOrder);
    m_leftRows->setValue(int(s.leftRows));
    m_leftCols->setValue(int(s.leftCols));
    m_rightRows->setValue(int(s.rightRows));
    m_rightCols->setValue(int(s.rightCols));
    m_blocks->setValue(int(s.blocks));
    m_blockRank->setValue(int(s.blockRank));
    m_density->setValue(s.density);
    m_cell->setValue(int(s.cell));
    m_seed->setValue(int(std::min<std::uint64_t>(s.seed, std::uint64_t(std::numeric_limits<int>::max()))));
    updateRows();
}

OpenResult GeneratorDialog::generateDocument(const core::GeneratorSpec &spec)
{
    OpenResult result;
    try {
        core::Generated g = core::generate(spec);
        InputDocument doc;
        doc.displayName = QString::fromStdString(g.name);
        doc.path = doc.displayName;
        doc.isImage = g.isImage;
        doc.planes = std::move(g.planes);
        doc.format = g.isImage ? tr("generated image") : tr("generated matrix");
        result.document = std::move(doc);
    } catch (const std::exception &e) {
        result.error = tr("The generator could not run: %1.").arg(QString::fromUtf8(e.what()));
    }
    return result;
}

} // namespace factorscope::app
