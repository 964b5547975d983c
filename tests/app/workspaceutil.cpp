// SPDX-License-Identifier: MIT
#include "workspaceutil.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>

namespace factorscope::test {

std::shared_ptr<const app::InputDocument> matrixDocument(const core::Matrix &m, const QString &name)
{
    auto doc = std::make_shared<app::InputDocument>();
    doc->path = doc->displayName = name;
    doc->planes = {m};
    doc->format = QStringLiteral("test matrix");
    return doc;
}

std::shared_ptr<const app::MethodResult> waitSettled(app::Workspace &w, core::Method method, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!w.isComputing(method) && !w.isExtending(method) && w.result(method) && !w.result(method)->approximate)
            return w.result(method);
        QTest::qWait(5);
    }
    return nullptr;
}

} // namespace factorscope::test
