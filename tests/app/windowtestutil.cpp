// SPDX-License-Identifier: MIT
#include "windowtestutil.h"

#include "app/mainwindow.h"
#include "app/settings.h"

#include "headlessutil.h"

#include <QSettings>

namespace factorscope::test {

WindowFixture::WindowFixture()
    : m_settings(std::make_unique<app::Settings>(new QSettings(m_dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat)))
{
}

WindowFixture::~WindowFixture() = default;

std::unique_ptr<app::MainWindow> WindowFixture::makeWindow(QSize size) const
{
    auto window = std::make_unique<app::MainWindow>(m_settings.get());
    window->resize(size);
    window->show();
    return window;
}

std::unique_ptr<app::MainWindow> WindowFixture::openMatrix(const core::Matrix &m, const QString &name) const
{
    const QString path = filePath(name);
    writeNpyFile(path, m);
    auto window = makeWindow();
    if (!window->openFile(path) || !window->waitForIdle(120000))
        return {};
    return window;
}

} // namespace factorscope::test
