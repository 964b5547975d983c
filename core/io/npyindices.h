// SPDX-License-Identifier: MIT
#pragma once

#include "core/types.h"

#include <string>

namespace factorscope::core {

/// Writes indices as a 1-D int64 .npy (descr '<i8', shape (k,), version 1.0, header padded to
/// 64 bytes), atomically (writeFileAtomically). CUR's `columns` and `rows` factor files, which
/// numpy indexes with directly: M[:, np.load("columns.npy")]. On failure returns false and sets
/// *error (if given) to a reason without the file name.
bool writeNpyIndices(const std::string &path, const IndexList &indices, std::string *error);

} // namespace factorscope::core
