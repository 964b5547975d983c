// SPDX-License-Identifier: MIT
#include "headlessutil.h"

#include "core/io/matrixio.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <algorithm>
#include <cmath>
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

QList<QByteArray> csvComments(const QByteArray &text)
{
    QList<QByteArray> lines;
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith('#'))
            lines << line;
    return lines;
}

QString curveTableDifference(const CsvTable &a, const CsvTable &b, double tolerance)
{
    if (a.header != b.header)
        return QStringLiteral("headers differ: '%1' and '%2'").arg(a.header.join(QLatin1Char(',')), b.header.join(QLatin1Char(',')));
    if (a.rows.size() != b.rows.size())
        return QStringLiteral("%1 rows and %2 rows").arg(a.rows.size()).arg(b.rows.size());
    for (int i = 0; i < a.rows.size(); ++i)
        for (int c = 0; c < a.header.size(); ++c) {
            const QString x = a.rows[i].value(c), y = b.rows[i].value(c);
            bool okX = false, okY = false;
            const double u = x.toDouble(&okX), v = y.toDouble(&okY);
            const bool same = okX && okY ? std::abs(u - v) <= tolerance * std::max(1.0, std::abs(v)) : x == y;
            if (!same)
                return QStringLiteral("row %1 (%2 rank %3), column %4: '%5' and '%6'")
                    .arg(i).arg(a.rows[i].value(0), a.cell(i, QStringLiteral("rank")), a.header[c], x, y);
        }
    return {};
}

void writeNpyFile(const QString &path, const core::Matrix &m)
{
    std::string error;
    if (!core::writeNpy(path.toStdString(), {m}, &error))
        throw std::runtime_error(error);
}

} // namespace factorscope::test
