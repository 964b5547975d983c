// SPDX-License-Identifier: MIT
#include "headless.h"
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
#include <streambuf>

#include <fcntl.h>
#include <unistd.h>

namespace {

/// An unbuffered output stream onto a file descriptor: the headless command's progress goes to
/// the real standard error while fd 2 itself is silenced.
class FdBuffer final : public std::streambuf
{
public:
    explicit FdBuffer(int fd) : m_fd(fd) {}

protected:
    int_type overflow(int_type c) override
    {
        if (c == traits_type::eof())
            return traits_type::not_eof(c);
        const char byte = char(c);
        return ::write(m_fd, &byte, 1) == 1 ? c : traits_type::eof();
    }
    std::streamsize xsputn(const char *data, std::streamsize size) override
    {
        std::streamsize done = 0;
        while (done < size) {
            const ssize_t n = ::write(m_fd, data + done, std::size_t(size - done));
            if (n <= 0)
                break;
            done += n;
        }
        return done;
    }

private:
    int m_fd;
};

} // namespace

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    QCoreApplication::setOrganizationName(QStringLiteral("Factorscope"));
    QCoreApplication::setApplicationName(QStringLiteral("Factorscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FACTORSCOPE_VERSION));

    if (factorscope::app::isHeadlessInvocation(arguments)) {
        // No display: QCoreApplication is enough for Qt's image plugins. Qt's own warnings (a
        // decoder complaining about a corrupt file) would break the one-line error promise: the
        // headless command reports every failure itself.
        // libpng and other decoders may also print straight to stderr, so while the command
        // runs stderr goes to /dev/null and our own message is written afterwards.
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
        QCoreApplication app(argc, argv);
        std::ostringstream errors;
        const int savedStderr = ::dup(STDERR_FILENO);
        const int devNull = ::open("/dev/null", O_WRONLY);
        if (savedStderr >= 0 && devNull >= 0)
            ::dup2(devNull, STDERR_FILENO);
        if (devNull >= 0)
            ::close(devNull);
        FdBuffer progressBuffer(savedStderr);
        std::ostream progressStream(&progressBuffer);
        factorscope::app::ProgressSink progress;
        if (savedStderr >= 0) {
            progress.stream = &progressStream;
            progress.terminal = ::isatty(savedStderr) == 1;
        }
        const int code = factorscope::app::runHeadless(arguments, std::cout, errors, progress);
        std::cout.flush();
        if (savedStderr >= 0) {
            ::dup2(savedStderr, STDERR_FILENO);
            ::close(savedStderr);
        }
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
