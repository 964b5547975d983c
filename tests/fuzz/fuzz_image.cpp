// SPDX-License-Identifier: MIT
// Images: app::openInput, the program's single open path, on a file without a known extension, so
// Qt's image plugins decide the format from the content (PNG, JPEG, GIF, BMP, TIFF, WebP, SVG …).

#include "fuzzutil.h"

#include "app/inputloader.h"

#include <QCoreApplication>

#include <cmath>
#include <cstdlib>

using namespace factorscope;

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // As the headless command: no display, Qt's own warnings silenced.
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    static QCoreApplication app(*argc, *argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const core::LoadLimits limits = fuzz::fuzzLimits();
    const std::string &path = fuzz::writeInput(data, size, ".img");
    const app::OpenResult r = app::openInput(QString::fromStdString(path), limits);
    if (r.ok()) {
        const app::InputDocument &doc = *r.document;
        if (!doc.isImage || (doc.planes.size() != 1 && doc.planes.size() != 3))
            std::abort();
        fuzz::checkMatrix(doc.planes, 3, limits);
        for (const core::Matrix &p : doc.planes)
            if (p.size() > 0 && (p.minCoeff() < 0.0 || p.maxCoeff() > 1.0))
                std::abort(); // image planes are in [0, 1]
        fuzz::countOutcome("loaded");
        return 0;
    }
    const std::string message = r.error.toStdString();
    fuzz::checkMessage(path, message);
    fuzz::countOutcome(message.substr(path.size() + 2, 40));
    return 0;
}
