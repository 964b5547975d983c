// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

#include <iosfwd>

namespace factorscope::app {

/// Exit codes of the headless command (design.md).
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2, ExitBadFile = 3 };

/// True when argv asks for a sub-command (curve, compress, info, help, --help, --version), or
/// its first argument is a word that is neither an existing file nor looks like one (a mistyped
/// sub-command, reported as a usage error): then no display is needed.
bool isHeadlessInvocation(const QStringList &arguments);

/// False on Linux/Unix when neither X11 nor Wayland is reachable and no Qt platform is forced, so
/// the GUI can say so in one line instead of Qt aborting.
bool hasDisplay();

/// Where a long command reports its progress: `stream` (standard error, or null for none);
/// `terminal` when it is one (progress is then always shown, rewritten in place; otherwise only
/// with --progress, one line per step).
struct ProgressSink
{
    std::ostream *stream = nullptr;
    bool terminal = false;
};

/// Runs `factorscope curve | compress | info` (or `help`, `COMMAND --help`, `--version`) with
/// arguments[0] being the program name. Results go to `out` (or the --output file), errors as
/// one line to `err`, progress to `progress`. The grammar is app/commandline.h's.
int runHeadless(const QStringList &arguments, std::ostream &out, std::ostream &err, const ProgressSink &progress = {});

} // namespace factorscope::app
