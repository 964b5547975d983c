// SPDX-License-Identifier: MIT
#include "errorbanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace factorscope::app {

ErrorBanner::ErrorBanner(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("errorBanner"));
    setStyleSheet(QStringLiteral("#errorBanner { background: rgba(255, 170, 0, 55); "
                                 "border: 1px solid rgba(210, 120, 0, 170); border-radius: 4px; }"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_text = new QLabel;
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *close = new QToolButton;
    close->setAutoRaise(true);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    layout->addWidget(m_text, 1);
    layout->addWidget(close, 0, Qt::AlignTop);
    hide();
}

void ErrorBanner::showMessage(const QString &message)
{
    m_text->setText(message);
    show();
}

QString ErrorBanner::text() const { return m_text->text(); }

} // namespace factorscope::app
