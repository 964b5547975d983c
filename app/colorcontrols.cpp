// SPDX-License-Identifier: MIT
#include "colorcontrols.h"

#include "settings.h"
#include "workspace.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolBar>

namespace factorscope::app {

ColorControls::ColorControls(const Workspace *workspace, Settings *settings, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_settings(settings)
{
    m_chromaRanks.fill(-1);
    m_colorCombo = new QComboBox;
    m_colorCombo->addItem(tr("Grey"), int(core::ColorMode::Gray));
    m_colorCombo->addItem(tr("RGB"), int(core::ColorMode::Rgb));
    m_colorCombo->addItem(tr("YCbCr"), int(core::ColorMode::YCbCr));
    m_colorCombo->setToolTip(tr("How a colour image is factorised: its BT.709 grey, each of R, G and B on its own, "
                                "or JPEG's Y, Cb and Cr channels"));
    m_chromaSpin = new QSpinBox;
    m_chromaSpin->setObjectName(QStringLiteral("chromaRank"));
    m_chromaSpin->setRange(-1, 4096);
    m_chromaSpin->setValue(-1);
    m_chromaSpin->setSpecialValueText(tr("= luma"));
    m_chromaSpin->setPrefix(tr("chroma rank "));
    m_chromaSpin->setToolTip(tr("YCbCr: the rank of the chroma channels Cb and Cr; the method's rank is the luma (Y) rank. "
                                "“= luma” uses the same rank for all three."));
    connect(m_colorCombo, &QComboBox::currentIndexChanged, this, [this] { emit colorModeChosen(colorMode()); });
    connect(m_chromaSpin, &QSpinBox::valueChanged, this, [this](int value) {
        m_chromaRanks[std::size_t(m_method)] = value;
        m_byDocument[m_document] = m_chromaRanks;
        emit chromaRankChanged(m_method);
    });
}

ColorControls::~ColorControls()
{
    // Created without a parent (a QObject cannot parent widgets); once added to a toolbar they
    // are its children. Not added (a test, a window without the toolbar): ours to delete.
    if (m_colorCombo && !m_colorCombo->parent())
        delete m_colorCombo;
    if (m_chromaSpin && !m_chromaSpin->parent())
        delete m_chromaSpin;
}

void ColorControls::addTo(QToolBar *bar)
{
    bar->addWidget(new QLabel(tr(" Colour ")));
    bar->addWidget(m_colorCombo);
    m_chromaAction = bar->addWidget(m_chromaSpin);
    m_chromaAction->setVisible(false);
}

core::ColorMode ColorControls::colorMode() const { return core::ColorMode(m_colorCombo->currentData().toInt()); }

void ColorControls::showColorMode(core::ColorMode mode)
{
    const int index = std::max(0, m_colorCombo->findData(int(mode)));
    if (index != m_colorCombo->currentIndex()) {
        const QSignalBlocker block(m_colorCombo);
        m_colorCombo->setCurrentIndex(index);
    }
}

void ColorControls::showMethod(core::Method method)
{
    m_method = method;
    const QSignalBlocker block(m_chromaSpin);
    m_chromaSpin->setValue(m_chromaRanks[std::size_t(method)]);
}

void ColorControls::setChromaRank(int rank) { m_chromaSpin->setValue(std::max(-1, rank)); }

std::optional<core::Index> ColorControls::chromaRankFor(core::Method method) const
{
    const auto doc = m_workspace->document();
    const int chroma = m_chromaRanks[std::size_t(method)];
    if (chroma < 0 || !doc || !doc->isImage || doc->planes.size() != 3 || m_workspace->colorMode() != core::ColorMode::YCbCr)
        return std::nullopt;
    return core::Index(chroma);
}

void ColorControls::update()
{
    const auto doc = m_workspace->document();
    const bool colour = doc && doc->isImage && doc->planes.size() == 3;
    m_colorCombo->setEnabled(colour);
    if (m_chromaAction)
        m_chromaAction->setVisible(colour && m_workspace->colorMode() == core::ColorMode::YCbCr);
}

void ColorControls::setDocument(const QString &key)
{
    m_document = key;
    const auto it = m_byDocument.constFind(key);
    if (it != m_byDocument.constEnd())
        m_chromaRanks = *it;
    else
        m_chromaRanks.fill(-1);
    showMethod(m_method);
}

} // namespace factorscope::app
