// SPDX-License-Identifier: MIT
#pragma once

#include "app/workspace.h"

#include "core/types.h"

#include <QString>

#include <memory>

namespace factorscope::test {

/// A one-channel matrix document named `name`.
std::shared_ptr<const app::InputDocument> matrixDocument(const core::Matrix &m, const QString &name = QStringLiteral("m"));

/// Processes events until `method` has a final exact result (previews and Frobenius-only
/// results may come first) that no job is computing or extending; null after `timeoutMs`.
std::shared_ptr<const app::MethodResult> waitSettled(app::Workspace &w, core::Method method, int timeoutMs = 300000);

} // namespace factorscope::test
