// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace factorscope::app::cli {

/// The headless command's grammar: its sub-commands, every option with the sub-commands it
/// applies to and its help text, the parser and the help pages. It knows nothing of what the
/// commands do (headless.cpp runs them); adding an option is one row of options().

/// One bit per sub-command, so that an option can apply to several.
enum Command : unsigned {
    Curve = 1u << 0,
    Compress = 1u << 1,
    Info = 1u << 2,
    Pinv = 1u << 3,
};

struct CommandSpec
{
    const char *name;     ///< "curve"
    unsigned bit;         ///< Command
    const char *synopsis; ///< "INPUT [options]"
    const char *summary;  ///< one paragraph for `factorscope NAME --help`
};

struct OptionSpec
{
    const char *name;      ///< without the dashes: "ranks"
    const char *valueName; ///< "LIST"; null for a flag
    unsigned commands;     ///< the sub-commands it applies to (Command bits)
    const char *help;      ///< what it does, its values and its default
};

/// Every sub-command, in the order `--help` lists them.
const std::vector<CommandSpec> &commands();
/// Every option, in the order the help pages list them.
const std::vector<OptionSpec> &options();
const CommandSpec *findCommand(const QString &name);

/// A command line that cannot be run: the message names the offending part (exit status 2).
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

/// A parsed `factorscope COMMAND …`: `--name value`, `--name=value`, flags and positional
/// arguments; `help` when `--help`/`-h` was given (the rest is then not checked).
struct Arguments
{
    const CommandSpec *command = nullptr;
    QStringList positional;
    std::map<QString, QString> options;
    std::map<QString, bool> flags;
    bool help = false;

    bool has(const QString &name) const { return options.count(name) > 0; }
    bool flag(const QString &name) const { return flags.count(name) > 0; }
    QString value(const QString &name, const QString &fallback = QString()) const
    {
        const auto it = options.find(name);
        return it == options.end() ? fallback : it->second;
    }
    /// A whole number option in [lo, hi], or `fallback` when absent; UsageError otherwise.
    long long integer(const QString &name, long long fallback, long long lo, long long hi) const;
    /// A real number option in (lo, hi] (or [lo, hi] when `closed`), or `fallback` when absent.
    double real(const QString &name, double fallback, double lo, double hi, bool closed = false) const;
};

/// Parses arguments[2…] for the sub-command arguments[1]. Throws UsageError for an unknown
/// sub-command (naming the closest one), an unknown option, an option of another sub-command,
/// a missing value or an option given twice.
Arguments parse(const QStringList &arguments);

/// `factorscope --help`: every sub-command with its synopsis, and the exit statuses.
std::string usage();
/// `factorscope COMMAND --help`: the synopsis, the summary and every option of the command.
std::string commandHelp(const CommandSpec &command);

/// The sub-command closest to a mistyped word (at most two edits away), or empty.
QString closestCommand(const QString &word);

} // namespace factorscope::app::cli
