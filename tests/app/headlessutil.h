// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace factorscope::test {

struct RunResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

/// Runs the real `factorscope` binary (FS_BINARY) with the arguments, no display.
RunResult runFactorscope(const QStringList &arguments, int timeoutMs = 120000);

/// Parses the CSV printed by `factorscope curve`: skips `# ` lines; returns rows as name→value.
struct CsvTable
{
    QStringList header;
    QList<QStringList> rows;
    QString cell(int row, const QString &column) const { return rows[row].value(header.indexOf(column)); }
    double number(int row, const QString &column) const { return cell(row, column).toDouble(); }
};
CsvTable parseCurveCsv(const QByteArray &text);

/// Writes a matrix as float64 .npy through the core writer.
void writeNpyFile(const QString &path, const core::Matrix &m);

} // namespace factorscope::test
