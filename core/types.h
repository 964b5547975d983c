// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace factorscope::core {

/// Dense double matrix, column-major (the layout LAPACK expects).
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using Index = Eigen::Index;
using IndexList = std::vector<Index>;

} // namespace factorscope::core
