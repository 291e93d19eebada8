#pragma once
// The C++ PE array: ArrayIf (array_if.h) with the PE registers held as flat arrays and each
// cycle computed by loops over whole rows, so that a cycle of a 32 x 32 array costs a few
// vector operations per PE rather than a SystemC process or signal per PE.
//
// The arrangement (array_if.h) comes from the dataflow's movement columns (EdgeRolesOf): the
// loops differ only in whether the output is held; which operand is which does not matter to
// them. The moving operands are not shifted register by register. Between two shift phases
// the operand in PE (r, c) is the one that entered its row (X, or A when the output is held) c
// cycles ago, and with the output held the B operand in PE (r, c) is the one that entered
// column c r cycles ago. So each row keeps a history of what entered it, newest first, and row
// r's X[r][0..cols) is a window of it that moves one place per cycle; the south-moving operand
// is the last `rows` north inputs, kept in a ring.
//
// Arithmetic, by PeConfig:
//   checked = false, acc.bits <= 32  partial sums in int32 with wrapping (modular) adds and
//                                    products: exact, as every sum fits the accumulator.
//   checked = false, acc.bits > 32   the same in int64.
//   checked = true                   each row is computed in int64 and its sums range-checked
//                                    together (acc.bits <= 62); a row with any sum outside the
//                                    accumulator's range is recomputed addition by addition
//                                    through AccumulateAdd, which also counts the overflows.

#include <cstdint>
#include <vector>

#include "quasar/sim/cycle/array_if.h"

namespace quasar::sim::cycle {

class CppArray : public ArrayIf {
 public:
  void Configure(const PeConfig& config) override;
  void Cycle(const EdgeIn& in, int64_t* south) override;
  int64_t overflow_events() const override { return overflow_events_; }
  int64_t Psum(int64_t r, int64_t c) const override {
    const size_t i = static_cast<size_t>(r * cfg_.cols + c);
    return narrow_ ? p32_[i] : p_[i];
  }
  std::string Name() const override { return "cpp"; }

 private:
  // Adds the products of `pack` operand pairs into v through the accumulator (checked).
  int64_t Mac(int64_t v, const int32_t* x, const int32_t* s);
  void Shift(const EdgeIn& in, int64_t* south);
  void ClearMoving();
  void Advance(const EdgeIn& in);  // the moving operands move one PE on; the edges enter
  const int32_t* MovingRow(size_t r) const { return &hist_[(r * hist_len_ + pos_) * pack_]; }
  const int32_t* BRow(size_t r) const;  // output held: south-moving operands of PE row r
  // The compute phase, by partial sum type P (int32_t or int64_t, plain adds) or checked.
  template <typename P, int kPack>
  void ComputePlain(const EdgeIn& in, int64_t* south);
  template <int kPack>
  void ComputeChecked(const EdgeIn& in, int64_t* south);

  PeConfig cfg_;
  size_t rows_ = 0, cols_ = 0, pack_ = 0;
  size_t row_ops_ = 0;         // cols * pack: operands in one row of PEs
  bool out_held_ = false;      // the output stays in its PE (os); else partial sums move south
  bool narrow_ = false;        // unchecked with acc.bits <= 32: int32 partial sums (p32_)
  bool fast_checked_ = false;  // checked with acc.bits <= 62: row-wise int64 then range check
  std::vector<int32_t> s_;     // held operands (partial sums moving), rows x cols x pack
  // East-moving operands (X, or A): row r's history, hist_len_ groups of pack, newest at
  // pos_; PE (r, c) holds group pos_ + c.
  std::vector<int32_t> hist_;
  size_t hist_len_ = 0, pos_ = 0;
  std::vector<int32_t> bring_;  // output held: the last `rows` north inputs, newest at b_newest_
  size_t b_newest_ = 0;
  bool moving_dirty_ = false;     // the moving operands hold values since the last clear
  std::vector<int64_t> p_;        // partial sums or (output held) accumulators, rows x cols
  std::vector<int32_t> p32_;      // the same when narrow_
  std::vector<int32_t> north32_;  // north partial sums narrowed to int32
  std::vector<int64_t> tmp_;      // one row of sums being range-checked
  std::vector<int64_t> zeros_;    // cols zeros for absent north partial sums
  std::vector<int32_t> zero_ops_;
  int64_t overflow_events_ = 0;
};

}  // namespace quasar::sim::cycle
