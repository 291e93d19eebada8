#pragma once
// `quasar sweep`'s progress on stderr (used by cli/cmd_sweep.cc).

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace quasar::cli {

// Progress on stderr: a bar redrawn in place on a terminal, else a line every 10%.
class SweepProgress {
 public:
  SweepProgress() : tty_(isatty(fileno(stderr)) != 0), t0_(std::chrono::steady_clock::now()) {}

  void Update(size_t done, size_t total, size_t reused) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double rate = s > 0 ? static_cast<double>(done - reused) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    if (tty_) {
      constexpr size_t kWidth = 30;
      const size_t filled = total ? kWidth * done / total : kWidth;
      fmt::print(stderr, "\r[sweep] [{}{}] {}/{} {:.1f} configs/s ETA {:.0f} s   ",
                 std::string(filled, '#'), std::string(kWidth - filled, '.'), done, total, rate,
                 eta);
      if (done == total) {
        fmt::print(stderr, "\n");
      }
    } else {
      const size_t decile = total ? 10 * done / total : 10;
      if (decile > last_decile_ || done == total) {
        last_decile_ = decile;
        fmt::print(stderr, "[sweep] {}/{} configurations ({:.0f}%), {:.1f} configs/s{}\n", done,
                   total, 100.0 * static_cast<double>(done) / static_cast<double>(total), rate,
                   done < total ? fmt::format(", ETA {:.0f} s", eta) : "");
      }
    }
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point t0_;
  size_t last_decile_ = 0;
};

}  // namespace quasar::cli
