// SPDX-License-Identifier: MIT
// Interactive speed (issue 4 §1), measured on a 4000×3000 colour photo written as a JPEG:
//  (a) open to first picture: decode the FILE (app::openInput, the program's open path),
//      randomized SVD preview of each RGB channel (rank 50, p = 10, q = 1), display rebuild at
//      1600×1200 (core::FastDisplayRebuilder) and conversion to 8-bit RGB (core::writePixels
//      into a QImage); total wall time, median over runs;
//  (b) slider: with the factors cached (randomized SVD of rank 200, p = 10, q = 1, per channel,
//      computed once, not timed), drag the rank 1 → 200 → 1 in steps of 1–3 and time every
//      update including the 8-bit conversion; median, 95th percentile and maximum.
// Targets: median ≤ 16 ms, p95 ≤ 33 ms, first picture ≤ 1 s. A measurement, not a test: it
// prints the figures and never fails on them.
//
//   bench_slider [--runs N] [--image FILE.jpg] [--double] [--exact]
//   bench_slider --gui [--runs N] [--image FILE]   (bench_gui.cpp: in the program's main window)
//     --image   use this photo instead of the generated one (any format Qt reads)
//     --double  also time the double-precision rebuilder (core::DisplayRebuilder)
//     --exact   cache the exact SVD (LAPACK dgesdd, minutes) instead of the rank-200 rSVD
#include "benchutil.h"

#include "app/displaypreview.h"
#include "app/inputloader.h"
#include "core/preview.h"
#include "core/rsvd.h"
#include "core/svd.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace factorscope;
using core::Index;
using namespace factorscope::bench;

namespace {

constexpr Index kDisplayCols = 1600, kDisplayRows = 1200;

std::vector<std::shared_ptr<const core::ChannelModel>> randomizedModels(const std::vector<core::Matrix> &planes,
                                                                        Index rank)
{
    core::RsvdOptions o;
    o.rank = rank;
    o.oversampling = 10;
    o.powerIterations = 1;
    o.seed = 0;
    std::vector<std::shared_ptr<const core::ChannelModel>> models;
    for (const core::Matrix &p : planes)
        models.push_back(core::computeRandomizedSvd(p, o));
    return models;
}

struct FirstPicture
{
    double open = 0, rsvd = 0, rebuild = 0, pixels = 0, total = 0;
};

FirstPicture openToFirstPicture(const QString &path)
{
    FirstPicture f;
    const auto t0 = Clock::now();
    app::OpenResult opened = app::openInput(path);
    if (!opened.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error));
        std::exit(1);
    }
    f.open = msSince(t0);
    const auto t1 = Clock::now();
    std::vector<std::shared_ptr<const core::ChannelModel>> models;
    for (const core::Matrix &p : opened.document->planes) // exactly the GUI's preview settings
        models.push_back(core::computeRandomizedSvd(p, core::previewRsvdOptions(p.rows(), p.cols(), 0)));
    f.rsvd = msSince(t1);
    const auto t2 = Clock::now();
    core::FastDisplayRebuilder rebuilder(models, core::Method::Rsvd, kDisplayRows, kDisplayCols);
    const auto &planes = rebuilder.at(50);
    f.rebuild = msSince(t2);
    const auto t3 = Clock::now();
    QImage picture(int(rebuilder.cols()), int(rebuilder.rows()), QImage::Format_RGB32);
    core::writePixels(planes, core::ColorMode::Rgb, core::PixelFormat::Rgb32, picture.bits(),
                      picture.bytesPerLine());
    f.pixels = msSince(t3);
    f.total = msSince(t0);
    return f;
}

template<typename Rebuilder>
std::vector<double> drag(Rebuilder &rebuilder, const std::vector<Index> &path)
{
    QImage picture(int(rebuilder.cols()), int(rebuilder.rows()), QImage::Format_RGB32);
    std::vector<double> times;
    times.reserve(path.size());
    rebuilder.at(path.front()); // the picture shown before the drag starts
    for (Index r : path) {
        const auto t0 = Clock::now();
        const auto &planes = rebuilder.at(r);
        core::writePixels(planes, core::ColorMode::Rgb, core::PixelFormat::Rgb32, picture.bits(),
                          picture.bytesPerLine());
        times.push_back(msSince(t0));
    }
    return times;
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--gui")
            return runGuiBench(argc, argv);
    QCoreApplication app(argc, argv);
    int runs = 5;
    QString imagePath;
    bool alsoDouble = false, exact = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--image") && i + 1 < args.size())
            imagePath = args[++i];
        else if (args[i] == QLatin1String("--double"))
            alsoDouble = true;
        else if (args[i] == QLatin1String("--exact"))
            exact = true;
        else {
            std::fprintf(stderr, "usage: bench_slider [--runs N] [--image FILE] [--double] [--exact]\n"
                                 "       bench_slider --gui [--runs N] [--image FILE]\n");
            return 2;
        }
    }

    QTemporaryDir dir;
    if (imagePath.isEmpty()) {
        const auto t0 = Clock::now();
        const QImage img = photoLikeImage();
        imagePath = dir.filePath(QStringLiteral("photo-4000x3000.jpg"));
        if (!img.save(imagePath, "JPEG", 92)) {
            std::fprintf(stderr, "could not write %s\n", qPrintable(imagePath));
            return 1;
        }
        std::printf("generated %dx%d JPEG (quality 92, %lld bytes) in %.0f ms: %s\n", kWidth, kHeight,
                    (long long)QFileInfo(imagePath).size(), msSince(t0), qPrintable(imagePath));
    }

    // (a) Open to first picture.
    std::printf("\n(a) open to first picture: decode + rSVD (r=50, p=10, q=1) x3 channels + "
                "display rebuild at %lldx%lld + 8-bit RGB, %d runs\n",
                (long long)kDisplayCols, (long long)kDisplayRows, runs);
    std::vector<double> totals;
    for (int i = 0; i < runs; ++i) {
        const FirstPicture f = openToFirstPicture(imagePath);
        totals.push_back(f.total);
        std::printf("  run %d: total %7.1f ms  (open/decode %6.1f, rSVD %6.1f, rebuild %5.1f, "
                    "pixels %5.1f)\n",
                    i + 1, f.total, f.open, f.rsvd, f.rebuild, f.pixels);
    }
    std::printf("  median %.1f ms (target 1000 ms)\n", median(totals));
    // Where "open/decode" goes: Qt's JPEG decoder alone (the rest is the conversion of the decoded
    // image to three double planes in app::documentFromImage).
    std::vector<double> decodes;
    for (int i = 0; i < runs; ++i) {
        const auto t = Clock::now();
        QImageReader reader(imagePath);
        reader.setAutoTransform(true);
        QImage decoded;
        reader.read(&decoded);
        decodes.push_back(msSince(t));
    }
    std::printf("  of which QImageReader::read alone: median %.1f ms\n", median(decodes));

    // (b) Slider.
    app::OpenResult opened = app::openInput(imagePath);
    const std::vector<core::Matrix> &planes = opened.document->planes;
    const auto t0 = Clock::now();
    std::vector<std::shared_ptr<const core::ChannelModel>> models;
    core::Method method = core::Method::Rsvd;
    if (exact) {
        for (const core::Matrix &p : planes)
            models.push_back(core::computeSvd(p));
        method = core::Method::Svd;
    } else {
        models = randomizedModels(planes, 200);
    }
    std::printf("\n(b) slider: factors cached (%s, %.0f ms, not timed); drag rank 1 -> 200 -> 1 in "
                "steps of 1-3, each update = rebuild at %lldx%lld + 8-bit RGB\n",
                exact ? "exact SVD, dgesdd" : "randomized SVD r=200, p=10, q=1", msSince(t0),
                (long long)kDisplayCols, (long long)kDisplayRows);
    const std::vector<Index> path = dragPath(200);
    {
        // What the GUI sets up off its thread when a result arrives (app::DisplayPreview): the
        // ranks up to earlyRanks first, then every rank the models hold (maxRank 0).
        std::vector<double> early, setups;
        for (int i = 0; i < runs; ++i) {
            auto t1 = Clock::now();
            core::FastDisplayRebuilder first(models, method, kDisplayRows, kDisplayCols, app::DisplayPreview::earlyRanks);
            early.push_back(msSince(t1));
            t1 = Clock::now();
            core::FastDisplayRebuilder all(models, method, kDisplayRows, kDisplayCols);
            setups.push_back(msSince(t1));
        }
        std::printf("  set-up off the GUI thread (app::DisplayPreview): ranks <= %lld median %.1f ms, "
                    "all %lld ranks median %.1f ms\n",
                    (long long)app::DisplayPreview::earlyRanks, median(early),
                    (long long)models.front()->maxRank(), median(setups));
    }
    {
        const auto t1 = Clock::now();
        core::FastDisplayRebuilder rebuilder(models, method, kDisplayRows, kDisplayCols, 200);
        std::printf("  set-up of the float rebuilder (averaged factors): %.1f ms\n", msSince(t1));
        std::vector<double> all;
        for (int i = 0; i < runs; ++i) {
            const std::string label = "float, drag " + std::to_string(i + 1) + ":";
            const std::vector<double> t = drag(rebuilder, path);
            printDrag(label.c_str(), t);
            all.insert(all.end(), t.begin(), t.end());
        }
        printDrag("float, all drags:", all);
    }
    if (alsoDouble) {
        core::DisplayRebuilder rebuilder(models, method, kDisplayRows, kDisplayCols, 200);
        std::vector<double> all;
        for (int i = 0; i < runs; ++i) {
            const std::string label = "double, drag " + std::to_string(i + 1) + ":";
            const std::vector<double> t = drag(rebuilder, path);
            printDrag(label.c_str(), t);
            all.insert(all.end(), t.begin(), t.end());
        }
        printDrag("double, all drags:", all);
    }
    return 0;
}
