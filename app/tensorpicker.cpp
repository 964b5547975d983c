// SPDX-License-Identifier: MIT
#include "tensorpicker.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

#include <limits>

namespace factorscope::app {

namespace {

enum Column { NameColumn, ShapeColumn, DtypeColumn, SizeColumn, NoteColumn, ColumnCount };
/// On the name item: the array's index in the listing.
constexpr int IndexRole = Qt::UserRole;
/// On every item: what the column sorts by (sizes and shapes by number, not by text).
constexpr int SortRole = Qt::UserRole + 1;

QString dimsText(const std::vector<std::uint64_t> &dims)
{
    if (dims.empty())
        return TensorPicker::tr("scalar");
    QStringList parts;
    for (std::uint64_t d : dims)
        parts << QString::number(d);
    return parts.join(QStringLiteral(" × "));
}

/// The product of `dims`, or nullopt past 2⁶⁴.
std::optional<std::uint64_t> elementCount(const std::vector<std::uint64_t> &dims)
{
    std::uint64_t count = 1;
    for (std::uint64_t d : dims) {
        if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d)
            return std::nullopt;
        count *= d;
    }
    return count;
}

std::uint64_t product(const std::vector<std::uint64_t> &dims, std::size_t begin, std::size_t end)
{
    std::uint64_t p = 1;
    for (std::size_t a = begin; a < end; ++a)
        p *= dims[a];
    return p;
}

bool channelsFit(const std::vector<std::uint64_t> &dims) { return dims.size() == 3 && dims[2] <= 4; }

QString sizeText(std::uint64_t bytes)
{
    if (bytes == 1) // (Qt says "1 bytes")
        return TensorPicker::tr("1 byte");
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeIecFormat);
}

} // namespace

bool TensorPicker::readsChannelsByDefault(const QString &file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    return suffix == QStringLiteral("npy") || suffix == QStringLiteral("mat");
}

TensorPicker::ShapePreview TensorPicker::preview(const core::TensorInfo &tensor, const core::Reshape &reshape,
                                                 bool autoChannels, const core::LoadLimits &limits)
{
    // The checks of the core's planArray(), in its order, so that what the dialog promises is what
    // loadTensor() then does (tests/app/tst_tensorpicker.cpp compares the two on every array).
    ShapePreview p;
    const std::vector<std::uint64_t> &d = tensor.shape;
    const int n = int(d.size());
    if (!tensor.problem.empty()) {
        p.text = tr("it %1").arg(QString::fromStdString(tensor.problem));
        return p;
    }
    if (d.empty()) {
        p.text = tr("it holds a single value (a 0-dimensional array), not a matrix");
        return p;
    }
    const std::optional<std::uint64_t> count = elementCount(d);
    if (!count || *count > limits.maxElements) {
        p.text = tr("it has %1 values, more than the memory budget of %2 million values")
                     .arg(count ? QString::number(*count) : dimsText(d))
                     .arg(double(limits.maxElements) / 1e6, 0, 'f', 0);
        return p;
    }
    if (*count == 0) {
        p.text = tr("it is empty (%1)").arg(dimsText(d));
        return p;
    }
    const bool channels = reshape.mode == core::Reshape::Mode::Channels
                          || (reshape.mode == core::Reshape::Mode::Auto && autoChannels && channelsFit(d));
    if (channels) {
        if (!channelsFit(d)) {
            p.text = tr("the channels reshape needs a 3-D height × width × channels array with at most 4 channels");
            return p;
        }
        p.ok = true;
        p.rows = core::Index(d[0]);
        p.cols = core::Index(d[1]);
        p.channels = int(d[2]);
        p.text = p.channels == 1 ? tr("1 channel of %1 × %2").arg(p.rows).arg(p.cols)
                                 : tr("%1 channels of %2 × %3").arg(p.channels).arg(p.rows).arg(p.cols);
        return p;
    }
    const int k = reshape.mode == core::Reshape::Mode::Rows ? reshape.rowAxes : (n == 1 ? 0 : 1);
    if (k < 0 || k > n) {
        p.text = tr("rows:%1 needs a K from 0 to %2").arg(k).arg(n);
        return p;
    }
    p.ok = true;
    p.rows = core::Index(product(d, 0, std::size_t(k)));
    p.cols = core::Index(product(d, std::size_t(k), d.size()));
    p.text = tr("a matrix of %1 × %2").arg(p.rows).arg(p.cols);
    return p;
}

TensorPicker::TensorPicker(const QString &file, const core::TensorListing &listing, const QList<TensorChoice> &remembered,
                           QWidget *parent, const core::LoadLimits &limits)
    : QDialog(parent), m_listing(listing), m_limits(limits), m_autoChannels(readsChannelsByDefault(file))
{
    setObjectName(QStringLiteral("tensorPicker"));
    setWindowTitle(tr("Open an Array of %1").arg(QFileInfo(file).fileName()));
    for (auto it = remembered.crbegin(); it != remembered.crend(); ++it) // newest wins
        m_reshapes.insert(it->name, it->reshape);

    // What the file is: its format, how many arrays, how much data (from the header alone).
    std::uint64_t bytes = 0;
    int openable = 0;
    for (const core::TensorInfo &t : m_listing.tensors) {
        bytes += t.bytes;
        openable += t.problem.empty() ? 1 : 0;
    }
    const int count = int(m_listing.tensors.size());
    const QString arrays = count == 1 ? tr("1 array") : tr("%1 arrays").arg(count);
    QString about = tr("<b>%1</b> — %2, %3, %4 of data")
                        .arg(QFileInfo(file).fileName().toHtmlEscaped(), QString::fromStdString(m_listing.format).toHtmlEscaped(),
                             arrays, sizeText(bytes));
    if (openable < count)
        about += tr(" (%1 cannot be opened)").arg(count - openable);
    auto *header = new QLabel(about);
    header->setToolTip(file);
    header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QStringList notes;
    for (const std::string &note : m_listing.notes)
        notes << QString::fromStdString(note);

    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("tensorFilter"));
    m_filter->setPlaceholderText(tr("Filter by name"));
    m_filter->setClearButtonEnabled(true);
    m_count = new QLabel;

    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels({tr("Name"), tr("Shape"), tr("Dtype"), tr("Size"), tr("Note")});
    for (int i = 0; i < int(m_listing.tensors.size()); ++i) {
        const core::TensorInfo &t = m_listing.tensors[std::size_t(i)];
        const QString name = QString::fromStdString(t.name);
        const QString problem = QString::fromStdString(t.problem);
        QList<QStandardItem *> row;
        for (int c = 0; c < ColumnCount; ++c)
            row << new QStandardItem;
        row[NameColumn]->setText(name);
        row[NameColumn]->setData(name, SortRole);
        row[NameColumn]->setData(i, IndexRole);
        row[ShapeColumn]->setText(dimsText(t.shape));
        row[ShapeColumn]->setData(qulonglong(elementCount(t.shape).value_or(std::numeric_limits<std::uint64_t>::max())), SortRole);
        row[DtypeColumn]->setText(QString::fromStdString(t.dtype));
        row[DtypeColumn]->setData(row[DtypeColumn]->text(), SortRole);
        row[SizeColumn]->setText(sizeText(t.bytes));
        row[SizeColumn]->setData(qulonglong(t.bytes), SortRole);
        row[SizeColumn]->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        // A greyed row's note: the reason without its trailing parenthesis (e.g. the list of the
        // dtypes that are supported), which the tooltip keeps ("… cannot be opened: it has …").
        QString reason = problem;
        if (const qsizetype open = reason.lastIndexOf(QStringLiteral(" (")); open > 0 && reason.endsWith(QLatin1Char(')')))
            reason.truncate(open);
        if (!reason.isEmpty())
            reason[0] = reason[0].toUpper();
        row[NoteColumn]->setText(reason); // "Has the dtype "F8_E4M3", which is not supported"
        row[NoteColumn]->setData(row[NoteColumn]->text(), SortRole);
        for (QStandardItem *item : row) {
            item->setEditable(false);
            item->setToolTip(problem.isEmpty() ? name : tr("%1 cannot be opened: it %2.").arg(name, problem));
            if (!problem.isEmpty())
                item->setFlags(Qt::NoItemFlags); // greyed, not selectable
        }
        m_model->appendRow(row);
    }
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setFilterKeyColumn(NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_view = new QTreeView;
    m_view->setObjectName(QStringLiteral("tensorList"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true); // thousands of arrays list at once
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setTextElideMode(Qt::ElideMiddle); // names differ in the middle (the layer) and the end
    // Largest first; one stable sort from the file's order, so that equal sizes keep it.
    m_view->header()->setSortIndicator(SizeColumn, Qt::DescendingOrder);
    m_view->setSortingEnabled(true);
    QHeaderView *columns = m_view->header();
    columns->setStretchLastSection(true);
    for (int c : {ShapeColumn, DtypeColumn, SizeColumn})
        m_view->resizeColumnToContents(c);
    m_view->resizeColumnToContents(NameColumn);
    m_view->setColumnWidth(NameColumn, std::clamp(m_view->columnWidth(NameColumn), 160, 460));

    // The reshape, and the matrix it makes of the selected array.
    m_auto = new QRadioButton(tr("Default rule"));
    m_auto->setObjectName(QStringLiteral("reshapeAuto"));
    m_rows = new QRadioButton(tr("The first"));
    m_rows->setObjectName(QStringLiteral("reshapeRows"));
    m_rowAxes = new QSpinBox;
    m_rowAxes->setObjectName(QStringLiteral("reshapeRowAxes"));
    m_rowAxes->setRange(0, 1);
    m_rowAxes->setToolTip(tr("rows:K — the first K axes form the rows, the others the columns "
                             "(numpy's a.reshape(prod(shape[:K]), -1))"));
    auto *rowsAfter = new QLabel(tr("axes form the rows"));
    m_channels = new QRadioButton(tr("Channels (H × W × C as C matrices)"));
    m_channels->setObjectName(QStringLiteral("reshapeChannels"));
    m_channels->setToolTip(tr("A 3-axis array whose last axis is at most 4, read as that many matrices "
                              "(an image's planes)"));
    m_reshapeGroup = new QButtonGroup(this);
    for (QRadioButton *b : {m_auto, m_rows, m_channels})
        m_reshapeGroup->addButton(b);
    m_preview = new QLabel;
    m_preview->setObjectName(QStringLiteral("reshapePreview"));
    m_preview->setWordWrap(true);
    m_preview->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);

    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_count);
    auto *reshapeRow = new QHBoxLayout;
    reshapeRow->addWidget(new QLabel(tr("Reshape:")));
    reshapeRow->addWidget(m_auto);
    reshapeRow->addSpacing(12);
    reshapeRow->addWidget(m_rows);
    reshapeRow->addWidget(m_rowAxes);
    reshapeRow->addWidget(rowsAfter);
    reshapeRow->addSpacing(12);
    reshapeRow->addWidget(m_channels);
    reshapeRow->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(header);
    if (!notes.isEmpty()) {
        auto *noteLabel = new QLabel(notes.join(QLatin1Char(' ')));
        noteLabel->setWordWrap(true);
        layout->addWidget(noteLabel);
    }
    layout->addLayout(filterRow);
    layout->addWidget(m_view, 1);
    layout->addLayout(reshapeRow);
    layout->addWidget(m_preview);
    layout->addWidget(m_buttons);
    resize(960, 560);

    connect(m_filter, &QLineEdit::textChanged, this, &TensorPicker::setFilterText);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &TensorPicker::onCurrentChanged);
    connect(m_view, &QTreeView::doubleClicked, this, [this] {
        if (canOpen())
            accept();
    });
    connect(m_reshapeGroup, &QButtonGroup::buttonToggled, this, [this](QAbstractButton *, bool on) {
        if (on)
            onReshapeEdited();
    });
    connect(m_rowAxes, &QSpinBox::valueChanged, this, [this] {
        if (m_updating)
            return;
        if (!m_rows->isChecked()) // choosing K means rows:K
            m_rows->setChecked(true);
        else
            onReshapeEdited();
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    setFilterText(QString());
    if (remembered.isEmpty() || !selectTensor(remembered.first().name))
        selectFirstOpenable();
    updatePreview();
    m_filter->setFocus();
}

const core::TensorInfo *TensorPicker::currentTensor() const
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid() || !m_view->selectionModel()->isSelected(current))
        return nullptr;
    const int i = m_proxy->index(current.row(), NameColumn).data(IndexRole).toInt();
    const core::TensorInfo &t = m_listing.tensors[std::size_t(i)];
    return t.problem.empty() ? &t : nullptr;
}

core::Reshape TensorPicker::shownReshape() const
{
    if (m_rows->isChecked())
        return core::Reshape::rows(m_rowAxes->value());
    if (m_channels->isChecked())
        return core::Reshape::channels();
    return {};
}

TensorChoice TensorPicker::choice() const
{
    const core::TensorInfo *t = currentTensor();
    return t ? TensorChoice{QString::fromStdString(t->name), shownReshape()} : TensorChoice{};
}

bool TensorPicker::canOpen() const
{
    const core::TensorInfo *t = currentTensor();
    return t && preview(*t, shownReshape(), m_autoChannels, m_limits).ok;
}

void TensorPicker::setFilterText(const QString &text)
{
    if (m_filter->text() != text) {
        m_filter->setText(text); // comes back here through textChanged
        return;
    }
    m_proxy->setFilterFixedString(text);
    m_count->setText(tr("%1 of %2 shown").arg(m_proxy->rowCount()).arg(m_model->rowCount()));
    if (!currentTensor())
        selectFirstOpenable();
    updatePreview();
}

QStringList TensorPicker::shownNames() const
{
    QStringList names;
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        names << m_proxy->index(r, NameColumn).data().toString();
    return names;
}

bool TensorPicker::selectTensor(const QString &name)
{
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex index = m_proxy->index(r, NameColumn);
        if (index.data().toString() != name)
            continue;
        if (!(index.flags() & Qt::ItemIsSelectable))
            return false;
        m_view->setCurrentIndex(index);
        m_view->scrollTo(index);
        return true;
    }
    return false;
}

void TensorPicker::selectFirstOpenable()
{
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex index = m_proxy->index(r, NameColumn);
        if (index.flags() & Qt::ItemIsSelectable) {
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index);
            return;
        }
    }
    m_view->selectionModel()->clear(); // nothing shown can be opened
    onCurrentChanged();
}

void TensorPicker::setReshape(const core::Reshape &reshape)
{
    const core::TensorInfo *t = currentTensor();
    const std::vector<std::uint64_t> dims = t ? t->shape : std::vector<std::uint64_t>{};
    m_updating = true;
    m_rowAxes->setRange(0, std::max(1, int(dims.size())));
    m_rowAxes->setValue(reshape.mode == core::Reshape::Mode::Rows ? reshape.rowAxes : (dims.size() == 1 ? 0 : 1));
    m_channels->setEnabled(channelsFit(dims));
    if (reshape.mode == core::Reshape::Mode::Rows)
        m_rows->setChecked(true);
    else if (reshape.mode == core::Reshape::Mode::Channels && channelsFit(dims))
        m_channels->setChecked(true);
    else
        m_auto->setChecked(true);
    m_updating = false;
    onReshapeEdited();
}

void TensorPicker::onCurrentChanged()
{
    const core::TensorInfo *t = currentTensor();
    for (QWidget *w : std::initializer_list<QWidget *>{m_auto, m_rows, m_rowAxes, m_channels})
        w->setEnabled(t != nullptr);
    if (!t) {
        updatePreview();
        return;
    }
    // What the default rule does with this array, said on its button.
    const int n = int(t->shape.size());
    const bool autoIsChannels = m_autoChannels && channelsFit(t->shape);
    m_auto->setText(tr("Default rule (%1)").arg(autoIsChannels ? tr("channels") : QStringLiteral("rows:%1").arg(n == 1 ? 0 : 1)));
    setReshape(m_reshapes.value(QString::fromStdString(t->name)));
}

void TensorPicker::onReshapeEdited()
{
    if (m_updating)
        return;
    if (const core::TensorInfo *t = currentTensor())
        m_reshapes.insert(QString::fromStdString(t->name), shownReshape());
    updatePreview();
}

void TensorPicker::updatePreview()
{
    const core::TensorInfo *t = currentTensor();
    QString text;
    bool ok = false;
    if (!t) {
        text = m_proxy->rowCount() == 0 ? tr("No array's name contains \"%1\".").arg(m_filter->text())
                                        : tr("Select an array.");
    } else {
        const ShapePreview p = preview(*t, shownReshape(), m_autoChannels, m_limits);
        ok = p.ok;
        text = ok ? tr("Opens as %1.").arg(p.text) : tr("Cannot be opened this way: %1.").arg(p.text);
    }
    m_preview->setText(text);
    m_preview->setForegroundRole(ok ? QPalette::WindowText : QPalette::PlaceholderText);
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(ok);
}

QString TensorPicker::previewText() const { return m_preview->text(); }

} // namespace factorscope::app
