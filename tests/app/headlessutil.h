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
/// The `# ` metadata lines of a curve CSV, in order.
QList<QByteArray> csvComments(const QByteArray &text);
/// Where two curve tables differ: the first cell whose numbers differ by more than
/// tolerance·max(1, |b|) (or whose texts differ), a different header or row count; empty when
/// they agree.
QString curveTableDifference(const CsvTable &a, const CsvTable &b, double tolerance);

/// Writes a matrix as float64 .npy through the core writer.
void writeNpyFile(const QString &path, const core::Matrix &m);

} // namespace factorscope::test
