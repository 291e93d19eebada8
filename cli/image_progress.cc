#include "image_progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace quasar::cli {

std::function<void(int64_t, int64_t)> ImageProgress(const std::string& label) {
  if (isatty(fileno(stderr)) == 0) {
    return {};
  }
  const auto t0 = std::chrono::steady_clock::now();
  return [label, t0](int64_t done, int64_t total) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
    fmt::print(stderr, "\r[{}] [{}{}] {}/{} images, {:.0f}/s", label, std::string(filled, '#'),
               std::string(width - filled, '.'), done, total,
               s > 0 ? static_cast<double>(done) / s : 0.0);
    if (done == total) {
      fmt::print(stderr, "\n");
    }
  };
}

}  // namespace quasar::cli
