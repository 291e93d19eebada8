#include "quasar/sim/cycle/cpp_array.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "quasar/models/mac.h"

namespace quasar::sim::cycle {
namespace {

// The row loops below are the simulator's hot path: each reads and writes whole rows through
// distinct (__restrict) pointers so that GCC vectorizes them with the baseline x86-64 vector
// instructions (no -march).

// out[c] = above[c] + x[c] . s[c], in P's width with modular arithmetic (unsigned, so that a
// wrap is defined; the caller guarantees none happens). kPack is the pack, or 0 for `pack`.
template <typename P, int kPack>
void RowPlain(P* __restrict out, const P* __restrict above, const int32_t* __restrict x,
              const int32_t* __restrict s, size_t cols, size_t pack) {
  using U = std::make_unsigned_t<P>;
  if constexpr (kPack == 1) {
    for (size_t c = 0; c < cols; ++c) {
      out[c] =
          static_cast<P>(static_cast<U>(above[c]) + static_cast<U>(x[c]) * static_cast<U>(s[c]));
    }
  } else {
    for (size_t c = 0; c < cols; ++c) {
      U v = static_cast<U>(above[c]);
      for (size_t p = 0; p < pack; ++p) {
        v += static_cast<U>(x[c * pack + p]) * static_cast<U>(s[c * pack + p]);
      }
      out[c] = static_cast<P>(v);
    }
  }
}

// acc[c] += x[c] . s[c], as RowPlain.
template <typename P, int kPack>
void RowPlainInPlace(P* __restrict acc, const int32_t* __restrict x, const int32_t* __restrict s,
                     size_t cols, size_t pack) {
  using U = std::make_unsigned_t<P>;
  if constexpr (kPack == 1) {
    for (size_t c = 0; c < cols; ++c) {
      acc[c] = static_cast<P>(static_cast<U>(acc[c]) + static_cast<U>(x[c]) * static_cast<U>(s[c]));
    }
  } else {
    for (size_t c = 0; c < cols; ++c) {
      U v = static_cast<U>(acc[c]);
      for (size_t p = 0; p < pack; ++p) {
        v += static_cast<U>(x[c * pack + p]) * static_cast<U>(s[c * pack + p]);
      }
      acc[c] = static_cast<P>(v);
    }
  }
}

// out[c] = above[c] + x[c] . s[c] in int64, one addition per product (or per packed element
// when `chunked`), true when every addition stayed in [lo, hi]: then out equals the
// accumulator's result and no addition overflowed. Needs above in [lo, hi] and lo, hi within
// +-2^61, so that no int64 sum of an in-range value and an int32 x int32 product overflows.
template <int kPack>
bool RowChecked(int64_t* __restrict out, const int64_t* __restrict above,
                const int32_t* __restrict x, const int32_t* __restrict s, size_t cols, size_t pack,
                bool chunked, int64_t lo, int64_t hi) {
  bool ok = true;
  if constexpr (kPack == 1) {
    for (size_t c = 0; c < cols; ++c) {
      const int64_t v = above[c] + static_cast<int64_t>(x[c]) * s[c];
      out[c] = v;
      ok &= (v >= lo) & (v <= hi);
    }
  } else if (chunked) {
    for (size_t c = 0; c < cols; ++c) {
      int64_t chunk = 0;
      for (size_t p = 0; p < pack; ++p) {
        chunk += static_cast<int64_t>(x[c * pack + p]) * s[c * pack + p];
      }
      int64_t v = 0;
      ok &= !__builtin_add_overflow(above[c], chunk, &v);
      out[c] = v;
      ok &= (v >= lo) & (v <= hi);
    }
  } else {
    for (size_t c = 0; c < cols; ++c) {
      int64_t v = above[c];
      for (size_t p = 0; p < pack; ++p) {
        v += static_cast<int64_t>(x[c * pack + p]) * s[c * pack + p];
        if (v < lo || v > hi) {
          return false;  // the caller recomputes the row addition by addition
        }
      }
      out[c] = v;
    }
  }
  return ok;
}

template <typename T>
void Narrow(int32_t* out, const T* in, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<int32_t>(in[i]);
  }
}

template <typename T>
void Widen(int64_t* out, const T* in, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = in[i];
  }
}

// The held accumulator chain moves down one row: the bottom row leaves, `north` enters row 0.
template <typename P>
void ShiftDown(std::vector<P>& p, size_t rows, size_t cols, const int64_t* north, int64_t* south) {
  Widen(south, &p[(rows - 1) * cols], cols);
  std::memmove(&p[cols], &p[0], (rows - 1) * cols * sizeof(P));
  for (size_t c = 0; c < cols; ++c) {
    p[c] = static_cast<P>(north[c]);
  }
}

}  // namespace

void CppArray::Configure(const PeConfig& config) {
  if (config.rows < 1 || config.cols < 1 || config.pack < 1) {
    throw std::invalid_argument("CppArray: rows, cols and pack must be >= 1");
  }
  cfg_ = config;
  rows_ = static_cast<size_t>(config.rows);
  cols_ = static_cast<size_t>(config.cols);
  pack_ = static_cast<size_t>(config.pack);
  row_ops_ = cols_ * pack_;
  out_held_ = EdgeRolesOf(config.dataflow).out_held;
  narrow_ = !config.checked && config.acc.bits <= 32;
  fast_checked_ = config.checked && config.acc.bits <= 62;
  s_.assign(out_held_ ? 0 : rows_ * row_ops_, 0);
  // A history twice the window and more: the window wraps around once every cols + 64 cycles.
  hist_len_ = 2 * cols_ + 64;
  hist_.assign(rows_ * hist_len_ * pack_, 0);
  pos_ = hist_len_ - cols_;
  bring_.assign(out_held_ ? rows_ * row_ops_ : 0, 0);
  b_newest_ = 0;
  moving_dirty_ = false;
  p_.assign(narrow_ ? 0 : rows_ * cols_, 0);
  p32_.assign(narrow_ ? rows_ * cols_ : 0, 0);
  north32_.assign(cols_, 0);
  tmp_.assign(cols_, 0);
  zeros_.assign(cols_, 0);
  zero_ops_.assign(std::max(rows_, cols_) * pack_, 0);
  overflow_events_ = 0;
}

int64_t CppArray::Mac(int64_t v, const int32_t* x, const int32_t* s) {
  return models::MacCycle(v, x, s, cfg_.pack, cfg_.chunked, cfg_.acc, &overflow_events_);
}

const int32_t* CppArray::BRow(size_t r) const {
  const size_t slot = b_newest_ >= r ? b_newest_ - r : b_newest_ + rows_ - r;
  return &bring_[slot * row_ops_];
}

void CppArray::ClearMoving() {
  if (!moving_dirty_) {
    return;
  }
  for (size_t r = 0; r < rows_; ++r) {
    std::fill_n(&hist_[(r * hist_len_ + pos_) * pack_], row_ops_, 0);
  }
  std::fill(bring_.begin(), bring_.end(), 0);
  moving_dirty_ = false;
}

void CppArray::Advance(const EdgeIn& in) {
  moving_dirty_ = true;
  // Row r's window moves one group towards the front of its history; when it reaches the
  // front, its newest cols - 1 groups move to the back.
  if (pos_ == 0) {
    const size_t back = hist_len_ - cols_ + 1;
    for (size_t r = 0; r < rows_; ++r) {
      int32_t* h = &hist_[r * hist_len_ * pack_];
      std::memcpy(h + back * pack_, h, (cols_ - 1) * pack_ * sizeof(int32_t));
    }
    pos_ = back;
  }
  --pos_;
  const int32_t* west = in.west != nullptr ? in.west : zero_ops_.data();
  if (pack_ == 1) {
    for (size_t r = 0; r < rows_; ++r) {
      hist_[r * hist_len_ + pos_] = west[r];
    }
  } else {
    for (size_t r = 0; r < rows_; ++r) {
      std::memcpy(&hist_[(r * hist_len_ + pos_) * pack_], west + r * pack_,
                  pack_ * sizeof(int32_t));
    }
  }
  if (out_held_) {
    b_newest_ = b_newest_ + 1 == rows_ ? 0 : b_newest_ + 1;
    const int32_t* north = in.north != nullptr ? in.north : zero_ops_.data();
    std::memcpy(&bring_[b_newest_ * row_ops_], north, row_ops_ * sizeof(int32_t));
  }
}

void CppArray::Shift(const EdgeIn& in, int64_t* south) {
  const int64_t* north_psum = in.north_psum != nullptr ? in.north_psum : zeros_.data();
  if (out_held_) {
    if (narrow_) {
      ShiftDown(p32_, rows_, cols_, north_psum, south);
    } else {
      ShiftDown(p_, rows_, cols_, north_psum, south);
    }
  } else {
    // The held operands move down one row; north enters row 0.
    std::memmove(&s_[row_ops_], &s_[0], (rows_ - 1) * row_ops_ * sizeof(int32_t));
    const int32_t* north = in.north != nullptr ? in.north : zero_ops_.data();
    std::memcpy(&s_[0], north, row_ops_ * sizeof(int32_t));
    std::fill(south, south + cols_, 0);
  }
  ClearMoving();
}

void CppArray::Cycle(const EdgeIn& in, int64_t* south) {
  if (in.phase == Phase::kShift) {
    Shift(in, south);
  } else if (cfg_.checked) {
    pack_ == 1 ? ComputeChecked<1>(in, south) : ComputeChecked<0>(in, south);
  } else if (narrow_) {
    pack_ == 1 ? ComputePlain<int32_t, 1>(in, south) : ComputePlain<int32_t, 0>(in, south);
  } else {
    pack_ == 1 ? ComputePlain<int64_t, 1>(in, south) : ComputePlain<int64_t, 0>(in, south);
  }
}

template <typename P, int kPack>
void CppArray::ComputePlain(const EdgeIn& in, int64_t* south) {
  Advance(in);
  P* p = nullptr;
  if constexpr (std::is_same_v<P, int32_t>) {
    p = p32_.data();
  } else {
    p = p_.data();
  }
  if (out_held_) {
    for (size_t r = 0; r < rows_; ++r) {
      RowPlainInPlace<P, kPack>(p + r * cols_, MovingRow(r), BRow(r), cols_, pack_);
    }
    std::fill(south, south + cols_, 0);
    return;
  }
  const int64_t* north_psum = in.north_psum != nullptr ? in.north_psum : zeros_.data();
  const P* north = nullptr;
  if constexpr (std::is_same_v<P, int32_t>) {
    Narrow(north32_.data(), north_psum, cols_);
    north = north32_.data();
  } else {
    north = north_psum;
  }
  // Bottom row first, so that every row reads the row above's partial sums of the previous
  // cycle.
  for (size_t r = rows_; r-- > 0;) {
    RowPlain<P, kPack>(p + r * cols_, r == 0 ? north : p + (r - 1) * cols_, MovingRow(r),
                       &s_[r * row_ops_], cols_, pack_);
  }
  Widen(south, p + (rows_ - 1) * cols_, cols_);
}

template <int kPack>
void CppArray::ComputeChecked(const EdgeIn& in, int64_t* south) {
  Advance(in);
  const int64_t lo = cfg_.acc.min(), hi = cfg_.acc.max();
  // out[c] = above[c] + x[c] . s[c] through the accumulator, PE by PE (out may be above).
  auto exact = [&](int64_t* out, const int64_t* above, const int32_t* x, const int32_t* s) {
    for (size_t c = 0; c < cols_; ++c) {
      out[c] = Mac(above[c], x + c * pack_, s + c * pack_);
    }
  };
  int64_t* p = p_.data();
  if (out_held_) {
    for (size_t r = 0; r < rows_; ++r) {
      int64_t* acc = p + r * cols_;
      const int32_t *a = MovingRow(r), *b = BRow(r);
      if (fast_checked_ &&
          RowChecked<kPack>(tmp_.data(), acc, a, b, cols_, pack_, cfg_.chunked, lo, hi)) {
        std::memcpy(acc, tmp_.data(), cols_ * sizeof(int64_t));
      } else {
        exact(acc, acc, a, b);
      }
    }
    std::fill(south, south + cols_, 0);
    return;
  }
  const int64_t* north = in.north_psum != nullptr ? in.north_psum : zeros_.data();
  for (size_t r = rows_; r-- > 0;) {
    int64_t* out = p + r * cols_;
    const int64_t* above = r == 0 ? north : p + (r - 1) * cols_;
    const int32_t *x = MovingRow(r), *s = &s_[r * row_ops_];
    if (!fast_checked_ ||
        !RowChecked<kPack>(out, above, x, s, cols_, pack_, cfg_.chunked, lo, hi)) {
      exact(out, above, x, s);
    }
  }
  std::memcpy(south, p + (rows_ - 1) * cols_, cols_ * sizeof(int64_t));
}

}  // namespace quasar::sim::cycle
