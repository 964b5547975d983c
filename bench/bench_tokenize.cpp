// SPDX-License-Identifier: MIT
// bench_tokenize: the text readers on files whose values stand on ONE line (issue 13: the Matrix
// Market tokenizer was quadratic there, 28.7 s for a 400 x 400 array), against the same values one
// per line. For each layout the value count doubles from step to step; the ratio of successive
// times is about 2 for a linear reader and 4 for a quadratic one. Whole loads through
// core::loadMatrixFile, the program's entry point; median of --runs runs (default 3).
//
//   ./build/bench/bench_tokenize [--runs N] [--max-values N]

#include "core/io/matrixio.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

using namespace factorscope;
using Clock = std::chrono::steady_clock;

namespace {

struct Layout
{
    const char *name;
    const char *extension;
    /// The file's text for n values.
    std::function<std::string(std::size_t n)> text;
};

std::string value(std::size_t k)
{
    return std::to_string(int(k % 1000) - 500) + "." + std::to_string(k % 7);
}

std::string joined(std::size_t n, const char *separator)
{
    std::string s;
    for (std::size_t k = 0; k < n; ++k) {
        if (k)
            s += separator;
        s += value(k);
    }
    return s;
}

double seconds(const std::string &path, int runs, std::string *what)
{
    std::vector<double> t;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        const core::LoadResult loaded = core::loadMatrixFile(path);
        t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        *what = loaded.ok() ? std::to_string(loaded.matrix->channels[0].rows()) + " x "
                                  + std::to_string(loaded.matrix->channels[0].cols())
                            : core::describeLoadError(path, loaded.error);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    int runs = 3;
    std::size_t maxValues = std::size_t(1) << 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--runs"))
            runs = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--max-values"))
            maxValues = std::size_t(std::max(1024L, std::atol(argv[i + 1])));
    }
    const std::vector<Layout> layouts = {
        {"Matrix Market array, one line", ".mtx",
         [](std::size_t n) { return "%%MatrixMarket matrix array real general\n" + std::to_string(n) + " 1\n"
                                    + joined(n, " ") + "\n"; }},
        {"Matrix Market array, one value per line", ".mtx",
         [](std::size_t n) { return "%%MatrixMarket matrix array real general\n" + std::to_string(n) + " 1\n"
                                    + joined(n, "\n") + "\n"; }},
        {"CSV, one line", ".csv", [](std::size_t n) { return joined(n, ",") + "\n"; }},
        {"CSV, one line, quoted cells", ".csv",
         [](std::size_t n) { return "\"" + joined(n, "\",\"") + "\"\n"; }},
        {"CSV, one value per line", ".csv", [](std::size_t n) { return joined(n, "\n") + "\n"; }},
        {"whitespace text, one line", ".txt", [](std::size_t n) { return joined(n, " ") + "\n"; }},
    };
    char dir[] = "/tmp/bench_tokenize-XXXXXX";
    if (!::mkdtemp(dir)) {
        std::perror("mkdtemp");
        return 1;
    }
    std::printf("%-42s %10s %12s %10s %8s  %s\n", "layout", "values", "file bytes", "seconds", "x prev", "result");
    for (const Layout &layout : layouts) {
        double previous = 0;
        for (std::size_t n = maxValues / 16; n <= maxValues; n *= 2) {
            const std::string path = std::string(dir) + "/input" + layout.extension;
            const std::string text = layout.text(n);
            std::ofstream(path, std::ios::binary) << text;
            std::string what;
            const double s = seconds(path, runs, &what);
            char ratio[16] = "";
            if (previous > 0)
                std::snprintf(ratio, sizeof ratio, "%.2f", s / previous);
            std::printf("%-42s %10zu %12zu %10.4f %8s  %s\n", layout.name, n, text.size(), s, ratio, what.c_str());
            std::fflush(stdout);
            previous = s;
            ::unlink(path.c_str());
        }
    }
    ::rmdir(dir);
    return 0;
}
