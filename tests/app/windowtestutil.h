// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <QSize>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace factorscope::app {
class MainWindow;
class Settings;
} // namespace factorscope::app

namespace factorscope::test {

/// What a test of the window needs each time: a temporary folder, Settings on an INI file in it
/// (the user's own settings left alone), and shown main windows using them.
class WindowFixture
{
public:
    WindowFixture();
    ~WindowFixture();
    bool isValid() const { return m_dir.isValid(); }
    app::Settings *settings() const { return m_settings.get(); }
    QString filePath(const QString &name) const { return m_dir.filePath(name); }
    /// A shown MainWindow of `size` on these settings.
    std::unique_ptr<app::MainWindow> makeWindow(QSize size = QSize(1400, 900)) const;
    /// A shown window with `m` written to `name` in the folder (float64 .npy) and opened, its
    /// first jobs done; null if opening failed or took more than two minutes.
    std::unique_ptr<app::MainWindow> openMatrix(const core::Matrix &m, const QString &name = QStringLiteral("m.npy")) const;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<app::Settings> m_settings;
};

} // namespace factorscope::test
