// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

#include <iosfwd>

namespace factorscope::app {

/// Exit codes of the headless command (design.md).
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2, ExitBadFile = 3 };

/// True when argv asks for a sub-command (curve, compress, info, help, --help, --version):
/// then no display is needed.
bool isHeadlessInvocation(const QStringList &arguments);

/// False on Linux/Unix when neither X11 nor Wayland is reachable and no Qt platform is forced, so
/// the GUI can say so in one line instead of Qt aborting.
bool hasDisplay();

/// Runs `factorscope curve | compress | info` with arguments[0] being the program name.
/// Results go to `out` (or the --output file), errors as one line to `err`.
int runHeadless(const QStringList &arguments, std::ostream &out, std::ostream &err);

} // namespace factorscope::app
