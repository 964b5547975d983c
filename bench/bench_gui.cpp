// SPDX-License-Identifier: MIT
// bench_slider --gui: interactive speed of the program itself (issue 4 §1), end to end in
// app::MainWindow on the 4000×3000 photo of bench_slider (written as a JPEG):
//  (a) open to first picture: from MainWindow::openFile() until the reconstruction view shows
//      a reconstruction (the randomized preview), the event loop running as in the program;
//  (b) slider: once the exact SVD has arrived (about a minute; not timed) and its display
//      rebuilder is set up, the SVD rank is dragged 1 → 200 → 1 in steps of 1–3 through the
//      Method panel, one step every 40 ms; each step is timed on the GUI thread from
//      MethodPanel::setRank() to the end of a synchronous repaint of the whole window (stand-in
//      rebuild, plot marker, spectrum line, painting; the factor heatmaps and the full view wait
//      for the rank to rest), with the program's background jobs running; and, after each drag,
//      how long the full-resolution view with its read-outs takes to follow.
//  (c) exact result on screen (issue 9): in a fresh window with the SVD rank set to r (20, the
//      default, and 100), from openFile() until the reconstruction view shows the exact SVD
//      (not the randomized preview) at rank r with its read-outs;
//  (d) with --all-methods: then every other method (randomized SVD, ID, CR, Monarch) computed
//      in that window, one after the other, until the program is idle;
// and the process's peak resident memory (VmHWM) after each part.
// A measurement, not a test: it prints the figures and never fails on them. Needs a display or
// QT_QPA_PLATFORM=offscreen.
//
//   bench_slider --gui [--runs N] [--image FILE] [--rsvd] [--no-open] [--no-slider]
//                      [--no-exact] [--all-methods]
//     --rsvd        drag the randomized SVD's rank (1 → 120 → 1) instead of the exact SVD's
//     --no-open     skip (a)
//     --no-slider   skip (b)
//     --no-exact    skip (c)
//     --all-methods run (d) after (c) (or alone)
#include "benchutil.h"

#include "app/mainwindow.h"
#include "app/settings.h"
#include "app/viewarea.h"

#include "widgets/matrixview.h"
#include "widgets/methodpanel.h"

#include <QApplication>
#include <QSettings>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

using namespace factorscope;
using namespace factorscope::bench;
using core::Index;
using core::Method;

namespace {

/// Runs the event loop until `done` or `timeoutMs`; false on timeout. The loop sleeps between
/// events as the program's does (a 1 ms timer wakes it to check `done`): a busy loop here would
/// take a core from the program's workers.
template<typename Predicate>
bool spinUntil(Predicate done, int timeoutMs)
{
    const auto t0 = Clock::now();
    QTimer tick;
    tick.start(1);
    while (!done()) {
        if (msSince(t0) > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

/// A field of /proc/self/status in kB ("VmHWM:", "VmRSS:"), as MB; NaN if unknown.
double statusMb(const char *field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string key(field);
    while (std::getline(status, line))
        if (line.rfind(key, 0) == 0)
            return std::stod(line.substr(key.size())) / 1024.0;
    return std::numeric_limits<double>::quiet_NaN();
}

/// The process's peak resident memory so far (VmHWM), in MB.
double peakResidentMb() { return statusMb("VmHWM:"); }

} // namespace

namespace factorscope::bench {

int runGuiBench(int argc, char **argv)
{
    QApplication application(argc, argv);
    int runs = 3;
    QString imagePath;
    Method slider = Method::Svd;
    bool openRuns = true, sliderRuns = true, exactRuns = true, allMethods = false;
    const QStringList args = application.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--gui"))
            continue;
        if (args[i] == QLatin1String("--rsvd")) {
            slider = Method::Rsvd;
            continue;
        }
        if (args[i] == QLatin1String("--no-open")) {
            openRuns = false;
            continue;
        }
        if (args[i] == QLatin1String("--no-slider")) {
            sliderRuns = false;
            continue;
        }
        if (args[i] == QLatin1String("--no-exact")) {
            exactRuns = false;
            continue;
        }
        if (args[i] == QLatin1String("--all-methods")) {
            allMethods = true;
            continue;
        }
        if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--image") && i + 1 < args.size())
            imagePath = args[++i];
        else {
            std::fprintf(stderr, "usage: bench_slider --gui [--runs N] [--image FILE] [--rsvd] [--no-open] [--no-slider] "
                                 "[--no-exact] [--all-methods]\n");
            return 2;
        }
    }
    if (allMethods && !exactRuns) {
        std::fprintf(stderr, "--all-methods runs after (c): drop --no-exact\n");
        return 2;
    }
    QTemporaryDir dir;
    if (imagePath.isEmpty()) {
        imagePath = dir.filePath(QStringLiteral("photo-4000x3000.jpg"));
        if (!photoLikeImage().save(imagePath, "JPG", 92)) {
            std::fprintf(stderr, "could not write %s\n", qPrintable(imagePath));
            return 1;
        }
    }
    app::Settings settings(new QSettings(dir.filePath(QStringLiteral("bench.ini")), QSettings::IniFormat));
    std::printf("bench_slider --gui: %s in app::MainWindow (1600x1000 window, platform %s)\n", qPrintable(imagePath),
                qPrintable(QGuiApplication::platformName()));

    // (a) Open to first picture, `runs` times, each in a fresh window.
    std::vector<double> first;
    for (int i = 0; openRuns && i < runs; ++i) {
        app::MainWindow w(&settings);
        w.resize(1600, 1000);
        w.show();
        w.setColorMode(core::ColorMode::Rgb);
        w.methodPanel()->setCurrentMethod(Method::Svd);
        w.methodPanel()->setRank(Method::Svd, 50);
        spinUntil([] { return false; }, 200); // the window laid out and idle
        widgets::MatrixView *view = w.reconstructionView();
        const auto t0 = Clock::now();
        if (!w.openFile(imagePath)) {
            std::fprintf(stderr, "could not open %s\n", qPrintable(imagePath));
            return 1;
        }
        if (!spinUntil([&] { return view->hasData(); }, 60000)) {
            std::fprintf(stderr, "no picture within 60 s\n");
            return 1;
        }
        view->repaint();
        first.push_back(msSince(t0));
        std::printf("  (a) run %d: open to first picture %7.1f ms (%s)\n", i + 1, first.back(), qPrintable(view->title()));
        std::fflush(stdout);
        w.workspace()->runner()->cancelAll();
        w.waitForIdle(600000);
    }
    if (!first.empty())
        std::printf("  (a) median %.1f ms (target 1000 ms); peak resident memory so far %.0f MB\n", median(first),
                    peakResidentMb());
    std::fflush(stdout);

    // (c) The exact SVD at the rank on screen, and (d) every method.
    for (int rank : {20, 100}) {
        for (int i = 0; exactRuns && i < runs; ++i) {
            app::MainWindow w(&settings);
            w.resize(1600, 1000);
            w.show();
            w.setColorMode(core::ColorMode::Rgb);
            w.methodPanel()->setCurrentMethod(Method::Svd);
            w.methodPanel()->setRank(Method::Svd, rank);
            spinUntil([] { return false; }, 200);
            const auto t1 = Clock::now();
            if (!w.openFile(imagePath)) {
                std::fprintf(stderr, "could not open %s\n", qPrintable(imagePath));
                return 1;
            }
            double firstMs = -1.0, exactResultMs = -1.0;
            // The largest resident size seen (sampled at each event) before the first picture,
            // until the exact result, and until it is shown.
            double residentMax[3] = {0.0, 0.0, 0.0};
            const bool shown = spinUntil(
                [&] {
                    if (firstMs < 0.0 && w.reconstructionView()->hasData())
                        firstMs = msSince(t1);
                    const auto r = w.workspace()->result(Method::Svd);
                    if (exactResultMs < 0.0 && r && !r->approximate)
                        exactResultMs = msSince(t1);
                    const int phase = firstMs < 0.0 ? 0 : exactResultMs < 0.0 ? 1 : 2;
                    residentMax[phase] = std::max(residentMax[phase], statusMb("VmRSS:"));
                    const auto view = w.currentView();
                    return view && view->source && !view->source->approximate && view->source->method == Method::Svd
                           && view->rank == rank && !w.reconstructionView()->showsPreview();
                },
                600000);
            if (!shown) {
                std::fprintf(stderr, "the exact SVD at rank %d was not shown within 600 s\n", rank);
                return 1;
            }
            const auto r = w.workspace()->result(Method::Svd);
            std::printf("  (c) rank %3d, run %d: first picture %.0f ms, exact SVD result %.0f ms (computed to rank %lld "
                        "of %lld), shown at full resolution with read-outs %.0f ms; peak resident memory so far %.0f MB\n",
                        rank, i + 1, firstMs, exactResultMs, static_cast<long long>(r->maxRank),
                        static_cast<long long>(std::max(r->limitRank, r->maxRank)), msSince(t1), peakResidentMb());
            std::printf("      resident (sampled) up to the first picture %.0f MB, to the exact result %.0f MB, to "
                        "its view %.0f MB\n",
                        residentMax[0], residentMax[1], residentMax[2]);
            std::fflush(stdout);
            if (allMethods && rank == 100 && i + 1 == runs) {
                // (d) Every other method in this window, one after the other, as a person would.
                const auto t2 = Clock::now();
                for (Method m : {Method::Rsvd, Method::Id, Method::Cr, Method::Monarch, Method::Svd}) {
                    w.methodPanel()->setCurrentMethod(m);
                    if (!w.waitForIdle(3600000)) {
                        std::fprintf(stderr, "%s did not finish\n", core::methodName(m).c_str());
                        return 1;
                    }
                    std::printf("  (d) %-7s done at %6.0f ms; peak resident memory so far %.0f MB\n",
                                core::methodName(m).c_str(), msSince(t2), peakResidentMb());
                    std::fflush(stdout);
                }
            }
            w.workspace()->runner()->cancelAll();
            w.waitForIdle(600000);
        }
    }
    if (!sliderRuns)
        return 0;

    // (b) The slider, with the exact SVD cached.
    app::MainWindow w(&settings);
    w.resize(1600, 1000);
    w.show();
    w.setColorMode(core::ColorMode::Rgb);
    w.methodPanel()->setCurrentMethod(slider);
    w.methodPanel()->setRank(slider, 1);
    const auto t0 = Clock::now();
    if (!w.openFile(imagePath) || !w.waitForIdle(3600000)) {
        std::fprintf(stderr, "the factorisation did not finish\n");
        return 1;
    }
    std::printf("  (b) %s and display set-up done in %.0f ms (not timed below)\n",
                slider == Method::Svd ? "exact SVD" : "randomized SVD (rank 128)", msSince(t0));
    std::fflush(stdout);
    const std::vector<Index> path = dragPath(slider == Method::Svd ? 200 : 120);
    std::vector<double> all, handling, painting, readouts;
    int standIns = 0;
    for (int run = 0; run < runs; ++run) {
        std::vector<double> times;
        for (Index r : path) {
            const auto t1 = Clock::now();
            w.methodPanel()->setRank(slider, int(r));
            handling.push_back(msSince(t1));
            const auto t2 = Clock::now();
            w.repaint();
            painting.push_back(msSince(t2));
            times.push_back(msSince(t1));
            standIns += w.reconstructionView()->showsPreview() ? 1 : 0;
            spinUntil([] { return false; }, 40); // the hand's pace: the event loop runs meanwhile
        }
        const std::string label = "(b) drag " + std::to_string(run + 1) + ":";
        printDrag(label.c_str(), times);
        std::fflush(stdout);
        all.insert(all.end(), times.begin(), times.end());
        // The hand rests at the path's last rank: when do the full-resolution view and its
        // read-outs (PSNR, SSIM, residual) replace the stand-in?
        const auto rest = Clock::now();
        if (spinUntil([&] { return w.currentView() && w.currentView()->rank == path.back()
                                   && !w.reconstructionView()->showsPreview(); }, 600000))
            readouts.push_back(msSince(rest));
        w.waitForIdle(600000);
    }
    printDrag("(b) all drags:", all);
    std::printf("  (b) of which the rank change (setRank) median %.2f ms, the window's repaint median %.2f ms\n",
                median(handling), median(painting));
    std::printf("  (b) %d of %zu steps showed the display-resolution stand-in\n", standIns, all.size());
    if (!readouts.empty())
        std::printf("  (b) full-resolution view and read-outs after the rank rests: median %.0f ms, max %.0f ms "
                    "(%zu drags; includes the %d ms the view waits for rest)\n",
                    median(readouts), *std::max_element(readouts.begin(), readouts.end()), readouts.size(),
                    app::ViewArea::viewDelayMs);
    return 0;
}

} // namespace factorscope::bench
