#pragma once
// Rank 0's ordered writer of an MPI `quasar sweep` (used by cli/cmd_sweep.cc).

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::cli {

// Rank 0 of an MPI run: writes the new rows of every rank to the partial file in configuration
// order (rows that arrive early wait in memory), skipping the rows kept by --resume.
class OrderedRows {
 public:
  OrderedRows(std::ofstream* out, std::string path,
              const std::vector<std::optional<sim::explore::SweepRow>>& done, size_t total)
      : out_(out), path_(std::move(path)), done_(done), total_(total) {}

  void Add(size_t index, std::string line) {
    pending_.emplace(index, std::move(line));
    for (;;) {
      while (next_ < total_ && !done_.empty() && done_[next_]) {
        ++next_;
      }
      const auto it = pending_.find(next_);
      if (it == pending_.end()) {
        return;
      }
      *out_ << it->second << std::flush;
      if (!*out_) {
        throw InputError("cannot write " + path_);
      }
      pending_.erase(it);
      ++next_;
      ++written_;
    }
  }
  size_t written() const { return written_; }
  // Every row written (the kept ones are in the file already).
  bool complete() {
    while (next_ < total_ && !done_.empty() && done_[next_]) {
      ++next_;
    }
    return next_ == total_ && pending_.empty();
  }

 private:
  std::ofstream* out_;
  std::string path_;
  const std::vector<std::optional<sim::explore::SweepRow>>& done_;
  size_t total_, next_ = 0, written_ = 0;
  std::map<size_t, std::string> pending_;
};

}  // namespace quasar::cli
