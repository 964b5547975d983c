// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"

#include "core/io/matrixio.h"

#include <QDialog>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

class QButtonGroup;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QRadioButton;
class QSortFilterProxyModel;
class QSpinBox;
class QStandardItemModel;
class QTreeView;

namespace factorscope::app {

/// The question a file of several arrays (.npz, .safetensors, .mat) asks when it is opened: which
/// array, and how it becomes a matrix.
///
/// Lists the arrays of a core::listTensors() listing (name, shape, dtype, size; no data is read),
/// filterable by name, sorted by size (largest first) until a header is clicked; arrays that cannot
/// be loaded are greyed with the reason. Offers the reshape of core::Reshape — the default rule,
/// rows:K, and channels for a 3-axis array whose last axis is at most 4 — and shows the matrix it
/// makes of the selected array as the choice changes (preview()). Starts on the remembered choices
/// it is given (Settings::tensorChoices(), newest first): the newest one's array is selected, and
/// each array starts on the reshape it was last opened with.
///
/// It only asks: DocumentOpener opens the answer (choice()) and remembers it; the dialog never
/// reads a file.
class TensorPicker : public QDialog
{
    Q_OBJECT

public:
    /// `file` is the file listed (for the title), `remembered` its remembered choices, newest first.
    TensorPicker(const QString &file, const core::TensorListing &listing, const QList<TensorChoice> &remembered,
                 QWidget *parent = nullptr, const core::LoadLimits &limits = core::LoadLimits::defaults());

    /// The selected array and its reshape; an empty name when nothing that can be opened is selected.
    TensorChoice choice() const;
    /// An array that can be opened is selected and its reshape fits it (the Open button's state).
    bool canOpen() const;

    /// Shows only the arrays whose names contain `text` (case-insensitive), as typing in the
    /// filter box does.
    void setFilterText(const QString &text);
    /// The names shown, in the order shown.
    QStringList shownNames() const;
    /// Selects the array `name` (false when it is not shown or cannot be opened).
    bool selectTensor(const QString &name);
    /// Sets the reshape controls (rows:K beyond the selected array's axes is clamped to them).
    void setReshape(const core::Reshape &reshape);
    /// The live line under the reshape choice: "Opens as a matrix of 4 × 27." or why it cannot.
    QString previewText() const;

    /// The matrix `reshape` makes of `tensor`, by the rule of core::Reshape (and the checks the
    /// core makes before it allocates: a 0-D array, more values than `limits`, an empty array, a
    /// rows:K or channels that does not fit), without reading it. `autoChannels`: the default rule
    /// reads a 3-D H × W × C (C ≤ 4) as channels, as for a stand-alone .npy or .mat.
    struct ShapePreview
    {
        bool ok = false;
        core::Index rows = 0, cols = 0;
        int channels = 1;
        /// "a matrix of 4 × 27", "3 channels of 40 × 48", or why it cannot be made ("it is empty (0 x 3)")
        QString text;
    };
    static ShapePreview preview(const core::TensorInfo &tensor, const core::Reshape &reshape, bool autoChannels,
                                const core::LoadLimits &limits = core::LoadLimits::defaults());
    /// True for the files whose default rule reads H × W × C as channels: .npy and .mat (see
    /// core::Reshape).
    static bool readsChannelsByDefault(const QString &file);

private:
    void onCurrentChanged();
    void onReshapeEdited();
    void updatePreview();
    void selectFirstOpenable();
    const core::TensorInfo *currentTensor() const;
    core::Reshape shownReshape() const;

    core::TensorListing m_listing;
    core::LoadLimits m_limits;
    bool m_autoChannels = false;
    /// The reshape of each array, remembered or chosen in this dialog.
    QHash<QString, core::Reshape> m_reshapes;
    bool m_updating = false;

    QLineEdit *m_filter = nullptr;
    QTreeView *m_view = nullptr;
    QStandardItemModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QLabel *m_count = nullptr;
    QButtonGroup *m_reshapeGroup = nullptr;
    QRadioButton *m_auto = nullptr;
    QRadioButton *m_rows = nullptr;
    QRadioButton *m_channels = nullptr;
    QSpinBox *m_rowAxes = nullptr;
    QLabel *m_preview = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace factorscope::app
