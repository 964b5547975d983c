// SPDX-License-Identifier: MIT
#include "headlessutil.h"

#include "core/io/matrixio.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <stdexcept>

namespace factorscope::test {

RunResult runFactorscope(const QStringList &arguments, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY")); // the headless command must not need one
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(FS_BINARY), arguments);
    RunResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

CsvTable parseCurveCsv(const QByteArray &text)
{
    CsvTable t;
    for (const QByteArray &raw : text.split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList cells = line.split(QLatin1Char(','));
        if (t.header.isEmpty())
            t.header = cells;
        else
            t.rows << cells;
    }
    return t;
}

void writeNpyFile(const QString &path, const core::Matrix &m)
{
    std::string error;
    if (!core::writeNpy(path.toStdString(), {m}, &error))
        throw std::runtime_error(error);
}

} // namespace factorscope::test
