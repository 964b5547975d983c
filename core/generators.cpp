// SPDX-License-Identifier: MIT
#include "generators.h"

#include "random.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace factorscope::core {

namespace {

/// Largest side a generator accepts: 8192² doubles are 512 MiB, beyond any useful test matrix.
constexpr Index maxSide = 8192;

void checkShape(const char *what, Index rows, Index cols)
{
    if (rows < 1 || cols < 1 || rows > maxSide || cols > maxSide) {
        std::ostringstream msg;
        msg << what << ": size " << rows << "x" << cols << " is outside 1.." << maxSide;
        throw std::invalid_argument(msg.str());
    }
}

Index ceilDiv(Index a, Index b) { return (a + b - 1) / b; }

std::string sizeText(Index rows, Index cols)
{
    return std::to_string(rows) + "\xC3\x97" + std::to_string(cols); // "×" in UTF-8
}

} // namespace

Matrix lowRankPlusNoise(Index rows, Index cols, Index rank, double noise, std::uint64_t seed)
{
    checkShape("lowRankPlusNoise", rows, cols);
    if (rank < 0 || noise < 0.0 || !std::isfinite(noise)) {
        std::ostringstream msg;
        msg << "lowRankPlusNoise: rank " << rank << " and noise " << noise << " must be non-negative";
        throw std::invalid_argument(msg.str());
    }
    Rng rng(seed);
    Matrix m = Matrix::Zero(rows, cols);
    if (rank > 0) {
        const Matrix left = rng.gaussian(rows, rank);
        const Matrix right = rng.gaussian(rank, cols);
        m.noalias() = left * right / std::sqrt(double(rank));
    }
    if (noise > 0.0)
        m += noise * rng.gaussian(rows, cols);
    return m;
}

Matrix hilbert(Index n)
{
    checkShape("hilbert", n, n);
    Matrix h(n, n);
    for (Index j = 0; j < n; ++j)
        for (Index i = 0; i < n; ++i)
            h(i, j) = 1.0 / double(i + j + 1);
    return h;
}

Matrix hadamard(int order)
{
    if (order < 0 || order > 13) {
        std::ostringstream msg;
        msg << "hadamard: order " << order << " is outside 0..13 (n = 2^order)";
        throw std::invalid_argument(msg.str());
    }
    const Index n = Index(1) << order;
    Matrix h(n, n);
    h(0, 0) = 1.0;
    // Sylvester doubling: H_{2k} = [[H_k, H_k], [H_k, −H_k]].
    for (Index k = 1; k < n; k *= 2) {
        h.block(0, k, k, k) = h.block(0, 0, k, k);
        h.block(k, 0, k, k) = h.block(0, 0, k, k);
        h.block(k, k, k, k) = -h.block(0, 0, k, k);
    }
    return h;
}

Matrix kroneckerRandom(Index leftRows, Index leftCols, Index rightRows, Index rightCols,
                       std::uint64_t seed)
{
    checkShape("kroneckerRandom (left factor)", leftRows, leftCols);
    checkShape("kroneckerRandom (right factor)", rightRows, rightCols);
    checkShape("kroneckerRandom", leftRows * rightRows, leftCols * rightCols);
    Rng rng(seed);
    const Matrix a = rng.gaussian(leftRows, leftCols);
    const Matrix b = rng.gaussian(rightRows, rightCols);
    Matrix k(leftRows * rightRows, leftCols * rightCols);
    // (A ⊗ B)[i·r₂ + p][j·c₂ + q] = A[i][j]·B[p][q]
    for (Index j = 0; j < leftCols; ++j)
        for (Index i = 0; i < leftRows; ++i)
            k.block(i * rightRows, j * rightCols, rightRows, rightCols) = a(i, j) * b;
    return k;
}

Matrix randomMonarch(Index rows, Index cols, Index blocks, Index blockRank, std::uint64_t seed)
{
    checkShape("randomMonarch", rows, cols);
    if (blocks < 1 || blocks > std::max(rows, cols) || blockRank < 1) {
        std::ostringstream msg;
        msg << "randomMonarch: blocks " << blocks << " must be in 1.." << std::max(rows, cols)
            << " and block rank " << blockRank << " at least 1";
        throw std::invalid_argument(msg.str());
    }
    const Index lo = ceilDiv(rows, blocks), in = ceilDiv(cols, blocks);
    const Index rho = std::min(blockRank, std::min(lo, in));
    Rng rng(seed);
    Matrix padded(lo * blocks, in * blocks);
    // Slice (k, j): rows l·b + j (strided), columns k·I + i (contiguous), a Gaussian rank-ρ matrix
    // — the product of the slice's column of L and row of R in the factored form.
    for (Index k = 0; k < blocks; ++k)
        for (Index j = 0; j < blocks; ++j) {
            const Matrix u = rng.gaussian(lo, rho);
            const Matrix v = rng.gaussian(rho, in);
            const Matrix slice = u * v / std::sqrt(double(rho));
            for (Index l = 0; l < lo; ++l)
                padded.block(l * blocks + j, k * in, 1, in) = slice.row(l);
        }
    return padded.topLeftCorner(rows, cols);
}

Matrix sparseRandom(Index rows, Index cols, double density, std::uint64_t seed)
{
    checkShape("sparseRandom", rows, cols);
    if (!(density >= 0.0 && density <= 1.0)) {
        std::ostringstream msg;
        msg << "sparseRandom: density " << density << " is outside [0, 1]";
        throw std::invalid_argument(msg.str());
    }
    const std::uint64_t total = std::uint64_t(rows) * std::uint64_t(cols);
    std::uint64_t wanted = std::uint64_t(std::llround(density * double(total)));
    Rng rng(seed);
    Matrix m = Matrix::Zero(rows, cols);
    // Algorithm S: visit the entries in column-major order, keeping each with probability
    // (still wanted) / (still to visit); exactly `wanted` are kept, every subset equally likely.
    double *data = m.data();
    for (std::uint64_t t = 0; t < total && wanted > 0; ++t) {
        if (double(total - t) * rng.uniform() < double(wanted)) {
            double v = rng.normal();
            while (v == 0.0)
                v = rng.normal();
            data[t] = v;
            --wanted;
        }
    }
    return m;
}

std::vector<Matrix> gradientImage(Index rows, Index cols)
{
    checkShape("gradientImage", rows, cols);
    const Vector x = cols > 1 ? Vector(Vector::LinSpaced(cols, 0.0, 1.0)) : Vector(Vector::Zero(1));
    const Vector y = rows > 1 ? Vector(Vector::LinSpaced(rows, 0.0, 1.0)) : Vector(Vector::Zero(1));
    Matrix r = Vector::Ones(rows) * x.transpose();
    Matrix g = y * Vector::Ones(cols).transpose();
    Matrix b = Matrix::Ones(rows, cols) - 0.5 * (r + g);
    return {std::move(r), std::move(g), std::move(b)};
}

Matrix checkerboardImage(Index rows, Index cols, Index cell)
{
    checkShape("checkerboardImage", rows, cols);
    if (cell < 1) {
        std::ostringstream msg;
        msg << "checkerboardImage: cell size " << cell << " must be at least 1";
        throw std::invalid_argument(msg.str());
    }
    Matrix m(rows, cols);
    for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i)
            m(i, j) = ((i / cell + j / cell) % 2) ? 1.0 : 0.0;
    return m;
}

std::vector<GeneratorKind> allGenerators()
{
    return {GeneratorKind::LowRankNoise, GeneratorKind::Hilbert,      GeneratorKind::Hadamard,
            GeneratorKind::Kronecker,    GeneratorKind::RandomMonarch, GeneratorKind::SparseRandom,
            GeneratorKind::Gradient,     GeneratorKind::Checkerboard};
}

std::string generatorName(GeneratorKind kind)
{
    switch (kind) {
    case GeneratorKind::LowRankNoise: return "low-rank";
    case GeneratorKind::Hilbert: return "hilbert";
    case GeneratorKind::Hadamard: return "hadamard";
    case GeneratorKind::Kronecker: return "kronecker";
    case GeneratorKind::RandomMonarch: return "monarch";
    case GeneratorKind::SparseRandom: return "sparse";
    case GeneratorKind::Gradient: return "gradient";
    case GeneratorKind::Checkerboard: return "checkerboard";
    }
    return "low-rank";
}

std::optional<GeneratorKind> parseGenerator(const std::string &name)
{
    for (GeneratorKind kind : allGenerators())
        if (generatorName(kind) == name)
            return kind;
    return std::nullopt;
}

Generated generate(const GeneratorSpec &s)
{
    Generated g;
    std::ostringstream name;
    const std::string seedText = ", seed " + std::to_string(s.seed);
    switch (s.kind) {
    case GeneratorKind::LowRankNoise:
        g.planes.push_back(lowRankPlusNoise(s.rows, s.cols, s.rank, s.noise, s.seed));
        name << "Rank " << s.rank << " + noise " << s.noise << ", " << sizeText(s.rows, s.cols) << seedText;
        break;
    case GeneratorKind::Hilbert:
        g.planes.push_back(hilbert(s.rows));
        name << "Hilbert " << sizeText(s.rows, s.rows);
        break;
    case GeneratorKind::Hadamard: {
        g.planes.push_back(hadamard(s.hadamardOrder));
        const Index n = g.planes.back().rows();
        name << "Hadamard " << sizeText(n, n);
        break;
    }
    case GeneratorKind::Kronecker:
        g.planes.push_back(kroneckerRandom(s.leftRows, s.leftCols, s.rightRows, s.rightCols, s.seed));
        name << "Kronecker " << sizeText(s.leftRows, s.leftCols) << " \xE2\x8A\x97 "
             << sizeText(s.rightRows, s.rightCols) << seedText;
        break;
    case GeneratorKind::RandomMonarch:
        g.planes.push_back(randomMonarch(s.rows, s.cols, s.blocks, s.blockRank, s.seed));
        name << "Random Monarch " << sizeText(s.rows, s.cols) << ", " << s.blocks << " blocks, \xCF\x81="
             << s.blockRank << seedText;
        break;
    case GeneratorKind::SparseRandom:
        g.planes.push_back(sparseRandom(s.rows, s.cols, s.density, s.seed));
        name << "Sparse " << sizeText(s.rows, s.cols) << ", density " << s.density << seedText;
        break;
    case GeneratorKind::Gradient:
        g.planes = gradientImage(s.rows, s.cols);
        g.isImage = true;
        name << "Gradient " << sizeText(s.rows, s.cols);
        break;
    case GeneratorKind::Checkerboard:
        g.planes.push_back(checkerboardImage(s.rows, s.cols, s.cell));
        g.isImage = true;
        name << "Checkerboard " << sizeText(s.rows, s.cols) << ", cells of " << s.cell;
        break;
    }
    g.name = name.str();
    return g;
}

} // namespace factorscope::core
