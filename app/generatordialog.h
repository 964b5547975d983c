// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"

#include "core/generators.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QSpinBox;

namespace factorscope::app {

/// File ▸ New from generator: a generator and its parameters (each row shown only for the
/// generators that use it), with a sentence on what the matrix is good for.
class GeneratorDialog : public QDialog
{
    Q_OBJECT

public:
    explicit GeneratorDialog(QWidget *parent = nullptr);

    core::GeneratorSpec spec() const;
    void setSpec(const core::GeneratorSpec &spec);

    /// Runs the generator: an InputDocument for the shared open path, or an error message.
    static OpenResult generateDocument(const core::GeneratorSpec &spec);

private:
    void updateRows();
    void setRowVisible(QWidget *field, bool visible);

    QComboBox *m_kind = nullptr;
    QLabel *m_description = nullptr;
    QFormLayout *m_form = nullptr;
    QSpinBox *m_rows = nullptr;
    QSpinBox *m_cols = nullptr;
    QSpinBox *m_rank = nullptr;
    QDoubleSpinBox *m_noise = nullptr;
    QSpinBox *m_order = nullptr;
    QSpinBox *m_leftRows = nullptr;
    QSpinBox *m_leftCols = nullptr;
    QSpinBox *m_rightRows = nullptr;
    QSpinBox *m_rightCols = nullptr;
    QSpinBox *m_blocks = nullptr;
    QSpinBox *m_blockRank = nullptr;
    QDoubleSpinBox *m_density = nullptr;
    QSpinBox *m_cell = nullptr;
    QSpinBox *m_seed = nullptr;
};

} // namespace factorscope::app
