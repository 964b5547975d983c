// SPDX-License-Identifier: MIT
#pragma once

#include <QFrame>

class QLabel;

namespace factorscope::app {

/// The dismissable banner above the views that says, without a modal dialog, what went wrong
/// (a file that could not be opened, a failed export or factorisation). Shows one message at a
/// time; owns nothing else.
class ErrorBanner : public QFrame
{
    Q_OBJECT

public:
    explicit ErrorBanner(QWidget *parent = nullptr);
    void showMessage(const QString &message);
    QString text() const;

private:
    QLabel *m_text = nullptr;
};

} // namespace factorscope::app
