// scale-sim-v2's USER-mode read and write buffers (scalesim_buffers.h cites each rule).

#include "scalesim_buffers.h"

#include <algorithm>
#include <stdexcept>

#include "quasar/compiler/lower.h"

namespace quasar::sim::scalesim {

using compiler::CeilDiv;

ReadBuffer::ReadBuffer(const Order& order, int64_t address_count, int64_t bytes,
                       int64_t words_per_cycle) {
  if (bytes < 1 || words_per_cycle < 1 || address_count < 0) {
    throw std::invalid_argument("scalesim::ReadBuffer: non-positive size or bandwidth");
  }
  const int64_t set_size = CeilDiv(bytes, 100);  // elems_per_set
  const int64_t active = CeilDiv(bytes, 2);      // active_buf_size, active_buf_frac 0.5
  const int64_t prefetch = bytes - active;       // prefetch_buf_size
  int64_t valid = 0, entries = 0;
  std::vector<int64_t> count(static_cast<size_t>(address_count) + 1, 0);
  order([&](int64_t a) {
    ++entries;
    if (a >= 0) {
      ++count[static_cast<size_t>(a)];
      ++valid;
    }
  });
  // A set closes as its set_size-th element joins it, and the set being filled is added at the
  // end, empty or not: valid / set_size + 1 sets.
  num_sets_ = valid / set_size + 1;
  first_.assign(static_cast<size_t>(address_count) + 1, 0);
  for (int64_t a = 0; a < address_count; ++a) {
    first_[static_cast<size_t>(a) + 1] =
        first_[static_cast<size_t>(a)] + count[static_cast<size_t>(a)];
  }
  sets_.assign(static_cast<size_t>(valid), 0);
  std::vector<int64_t> next(first_.begin(), first_.end() - 1);
  int64_t index = 0;
  order([&](int64_t a) {
    if (a >= 0) {
      sets_[static_cast<size_t>(next[static_cast<size_t>(a)]++)] =
          static_cast<int32_t>(index / set_size);
      ++index;
    }
  });
  active_sets_ = std::min(num_sets_, CeilDiv(active, set_size));
  prefetch_sets_ = std::min(num_sets_ - active_sets_, CeilDiv(prefetch, set_size));
  prefetch_cycles_ = CeilDiv(prefetch, words_per_cycle) + 1;
  first_fill_words_ =
      std::min(CeilDiv(active, words_per_cycle), CeilDiv(entries, words_per_cycle)) *
      words_per_cycle;
  prefetch_words_ = CeilDiv(prefetch, words_per_cycle) * words_per_cycle;
}

bool ReadBuffer::Hit(int64_t address) const {
  const auto begin = sets_.begin() + first_[static_cast<size_t>(address)];
  const auto end = sets_.begin() + first_[static_cast<size_t>(address) + 1];
  if (begin == end) {
    // v2 loops forever on an address its prefetch order lacks; the demand streams never ask.
    throw std::logic_error("scalesim::ReadBuffer: a demanded address is not in the prefetch order");
  }
  if (active_sets_ >= num_sets_) {
    return true;
  }
  const int64_t stop = window_start_ + active_sets_;  // [window_start_, stop) modulo num_sets_
  const auto it = std::lower_bound(begin, end, static_cast<int32_t>(window_start_));
  if (it != end && *it < stop) {
    return true;
  }
  return stop > num_sets_ && *begin < stop - num_sets_;
}

int64_t ReadBuffer::ServeRow(const int64_t* addresses, int64_t count, int64_t cycle) {
  int64_t offset = 1;  // the hit latency
  for (int64_t i = 0; i < count; ++i) {
    const int64_t a = addresses[i];
    if (a < 0) {
      continue;
    }
    while (!Hit(a)) {
      window_start_ = (window_start_ + prefetch_sets_) % num_sets_;
      last_prefetch_ += prefetch_cycles_;
      ++prefetches_;
      offset = std::max(offset, last_prefetch_ - cycle);
    }
  }
  return offset - 1;
}

WriteBuffer::WriteBuffer(int64_t bytes, int64_t words_per_cycle) {
  if (bytes < 2 || words_per_cycle < 1) {
    throw std::invalid_argument("scalesim::WriteBuffer: non-positive size or bandwidth");
  }
  active_ = CeilDiv(bytes, 2);
  drain_lines_ = CeilDiv(bytes - active_, words_per_cycle);
  width_ = words_per_cycle;
  free_ = bytes;
}

int64_t WriteBuffer::Drain(int64_t start) {
  const int64_t n = std::min(drain_lines_, static_cast<int64_t>(lines_.size()));
  if (n < 1) {
    throw std::logic_error("scalesim::WriteBuffer: a drain with nothing to drain");
  }
  const int64_t words = (n - 1) * width_ + lines_[static_cast<size_t>(n - 1)];
  free_ += words;
  dram_writes_ += words;
  lines_.erase(lines_.begin(), lines_.begin() + n);
  return start + n - 1;
}

int64_t WriteBuffer::WriteRow(int64_t count, int64_t cycle) {
  int64_t now = cycle;
  for (int64_t i = 0; i < count; ++i) {
    --free_;
    if (++line_fill_ == width_) {
      lines_.push_back(width_);
      line_fill_ = 0;
    }
    if (now < drain_end_) {
      if (free_ <= 0) {
        now = drain_end_;
      }
    } else if (free_ < active_) {
      if (line_fill_ > 0) {
        lines_.push_back(line_fill_);
        line_fill_ = 0;
      }
      drain_end_ = Drain(now);
    }
  }
  return now - cycle;
}

int64_t WriteBuffer::Finish() {
  if (line_fill_ > 0) {
    lines_.push_back(line_fill_);
    line_fill_ = 0;
  }
  while (!lines_.empty()) {
    drain_end_ = Drain(drain_end_) + 1;
  }
  return dram_writes_;
}

}  // namespace quasar::sim::scalesim
