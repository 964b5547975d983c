// SPDX-License-Identifier: MIT
#include "headless.h"
#include "inputloader.h"
#include "mainwindow.h"
#include "screenshotscenes.h"
#include "settings.h"

#include <QApplication>
#include <QCoreApplication>
#include <QSettings>
#include <QTemporaryDir>
#include <QStringList>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <cstdint>

#include <unistd.h>

// Declared by the sanitizer runtimes (when linked: the sanitized build); a weak reference otherwise.
extern "C" void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    QCoreApplication::setOrganizationName(QStringLiteral("Factorscope"));
    QCoreApplication::setApplicationName(QStringLiteral("Factorscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FACTORSCOPE_VERSION));

    if (factorscope::app::isHeadlessInvocation(arguments)) {
        // No display: QCoreApplication is enough for Qt's image plugins. The headless command
        // reports every failure itself in one line, so Qt's own warnings (a decoder complaining
        // about a corrupt file) are dropped, and so is what libpng and libtiff print straight to
        // stderr while an image is decoded (setQuietImageDecoders). stderr itself stays open: a
        // sanitizer report or an abort message must reach it.
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
        factorscope::app::setQuietImageDecoders(true);
        // Sanitizer reports go to the real stderr even while a decoder is silenced.
        if (__sanitizer_set_report_fd)
            __sanitizer_set_report_fd(reinterpret_cast<void *>(std::intptr_t(::dup(STDERR_FILENO))));
        QCoreApplication app(argc, argv);
        std::ostringstream errors;
        factorscope::app::ProgressSink progress; // on stderr, which stays open (sanitizer reports too)
        progress.stream = &std::cerr;
        progress.terminal = ::isatty(STDERR_FILENO) == 1;
        const int code = factorscope::app::runHeadless(arguments, std::cout, errors, progress);
        std::cout.flush();
        std::cerr << errors.str() << std::flush;
        return code;
    }
    if (!factorscope::app::hasDisplay()) {
        std::cerr << "factorscope: no display to open the program on (set DISPLAY, or run a "
                     "sub-command such as curve, compress or info; see factorscope --help)\n";
        return factorscope::app::ExitUsage;
    }

    QApplication app(argc, argv);
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/factorscope.svg")));
    QGuiApplication::setDesktopFileName(QStringLiteral("factorscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Factorscope"));

    // Hidden: `factorscope --screenshot SCENE FILE [WxH]` sets up one of the README's scenes
    // (app/screenshotscenes.h) at 1600×1000 (or W×H), waits for every job, saves the window and exits.
    // Used to regenerate docs/screenshots reproducibly (under xvfb-run).
    if ((arguments.size() == 4 || arguments.size() == 5) && arguments[1] == QStringLiteral("--screenshot")) {
        // Fresh defaults, and the user's own settings left alone.
        QTemporaryDir dir;
        factorscope::app::Settings settings(
            new QSettings(dir.filePath(QStringLiteral("screenshot.ini")), QSettings::IniFormat));
        factorscope::app::MainWindow window(&settings);
        window.show();
        // An optional WIDTHxHEIGHT (default 1600x1000), e.g. 1280x800 to check a smaller screen.
        QSize size(1600, 1000);
        if (arguments.size() == 5) {
            const QStringList parts = arguments[4].split(QLatin1Char('x'));
            if (parts.size() == 2 && parts[0].toInt() > 0 && parts[1].toInt() > 0)
                size = QSize(parts[0].toInt(), parts[1].toInt());
        }
        return factorscope::app::screenshotScenes::run(window, arguments[2], arguments[3], size) ? 0 : 1;
    }

    // Hidden: `factorscope --close-after MS [FILE …]` closes the window MS milliseconds after it
    // opened, printing "closing" first (tests/app/tst_quit.cpp times the quit from there).
    QStringList files = arguments.mid(1);
    int closeAfterMs = -1;
    if (files.size() >= 2 && files[0] == QStringLiteral("--close-after")) {
        closeAfterMs = files[1].toInt();
        files = files.mid(2);
    }
    factorscope::app::MainWindow window;
    window.show();
    window.openStartupFiles(files);
    if (closeAfterMs >= 0)
        QTimer::singleShot(closeAfterMs, &window, [&window] {
            std::cout << "closing" << std::endl;
            window.close();
        });
    const int code = app.exec();
    // The window is closed and its settings are saved (MainWindow::closeEvent). A factorisation
    // that cannot be interrupted (LAPACK's dgesdd, minutes on a large photo) would keep the
    // process alive until it ends: the destructors wait for the workers. Give the cancelled
    // workers a moment to stop, then leave without waiting for them (issue 9 item 6).
    if (!window.waitForWorkers(200)) {
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}
