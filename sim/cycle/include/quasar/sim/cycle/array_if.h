#pragma once
// The PE-array interface of the cycle model: one clock cycle at a time, values at the array's
// edges in and out. The C++ array (cpp_array.h) implements it with tight loops over the PE
// state; a Verilated RTL array implements the same calls, so the tile sequencer
// (tile_runner.h) and everything above it run unchanged on either.
//
// The array is rows x cols PEs. Each PE takes `pack` operand pairs per cycle (Bit Fusion
// precision scaling, or XNOR-popcount lanes for binary x binary layers; schedule.h) and adds
// their products into a partial sum through the accumulator (wrap or saturate at
// `acc.bits`, accumulator.h), one addition per product, or one per packed element when
// `chunked` (an XNOR-popcount lane's result is one number: n - 2 * popcount(a xor w) for n
// +-1 operands, XNOR-Net, Rastegari et al., ECCV 2016, which equals the sum of the +-1
// products the model computes).
//
// Registers and movement, by the dataflow's movement columns (models/dataflow.h; the SCALE-Sim
// dataflows, DESIGN.md section 3). Two arrangements exist, and EdgeRolesOf names the one of a
// dataflow and which operand enters which edge:
//   partial sums move south (ws, is): each PE holds the held operand's vector S[r][c] (ws:
//           weights, is: inputs), the east-moving operand's vector X[r][c] and a partial sum
//           P[r][c].
//           kShift:   S shifts down one row; `north` enters row 0 (R cycles load the array).
//                     X is cleared.
//           kCompute: X[r][c] <- X[r][c-1] (`west` enters column 0);
//                     P[r][c] <- (r == 0 ? north_psum[c] : P[r-1][c]) + X[r][c] . S[r][c].
//                     `south` receives P[R-1][c], the partial sums leaving the bottom row.
//   the output is held (os): each PE holds an accumulator P[r][c], the east-moving operand's
//           vector A[r][c] and the south-moving operand's vector B[r][c].
//           kShift:   the accumulator chain shifts down one row: `south` receives the old
//                     P[R-1][c] (a finished output leaving), `north_psum` enters row 0 (an initial
//                     value, bias or partial sum). A and B are cleared.
//           kCompute: A[r][c] <- A[r][c-1] (`west` enters), B[r][c] <- B[r-1][c] (`north`
//                     enters); P[r][c] <- P[r][c] + A[r][c] . B[r][c].
// A mapping with the reduction on the columns (partial sums moving east) is not one of them: it
// is ws or is on the array turned by a quarter (rows and cols swapped), PE for PE.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "quasar/models/accumulator.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim::cycle {

struct PeConfig {
  models::Dataflow dataflow = models::Dataflow::kWeightStationary;
  int64_t rows = 1, cols = 1;
  int pack = 1;          // operand pairs per PE per cycle
  bool chunked = false;  // one accumulator addition per packed element, not per product
  models::AccumulatorSpec acc;
  // False when the caller has proven that no addition can leave the accumulator's range: the
  // array may then add without range checks (same results, no overflow possible).
  bool checked = true;
};

enum class Phase { kShift, kCompute };

// The arrangement of a dataflow on the array (above), read from its traits' movement columns.
struct EdgeRoles {
  bool out_held = false;  // the output stays in its PE; else the partial sums move south
  // The operand entering the west edge (moving east) and the one entering the north edge
  // (moving south when out_held, else shifted in and held). An edge's lanes are its operand's
  // width (A: activation bits, B: weight bits).
  models::GemmOperand west = models::GemmOperand::kA, north = models::GemmOperand::kB;
};

// Throws std::invalid_argument for a movement the arrays do not implement.
inline EdgeRoles EdgeRolesOf(const models::DataflowTraits& t) {
  using models::Movement;
  EdgeRoles e;
  e.out_held = t.out == Movement::kHeld;
  const Movement north = e.out_held ? Movement::kSouth : Movement::kHeld;
  if ((t.out != Movement::kHeld && t.out != Movement::kSouth) ||
      !((t.a == Movement::kEast && t.b == north) || (t.b == Movement::kEast && t.a == north))) {
    throw std::invalid_argument(std::string("the PE arrays cannot move dataflow ") + t.name +
                                "'s operands (partial sums held or moving south, one operand "
                                "moving east)");
  }
  e.west = t.a == Movement::kEast ? models::GemmOperand::kA : models::GemmOperand::kB;
  e.north = t.a == Movement::kEast ? models::GemmOperand::kB : models::GemmOperand::kA;
  return e;
}
inline EdgeRoles EdgeRolesOf(models::Dataflow dataflow) {
  return EdgeRolesOf(models::TraitsOf(dataflow));
}

// What enters the array's edges in one cycle; a group a phase does not read may be null.
struct EdgeIn {
  Phase phase = Phase::kCompute;
  const int32_t* west = nullptr;        // rows * pack operands, row r at [r * pack, (r+1) * pack)
  const int32_t* north = nullptr;       // cols * pack operands, column c at [c * pack, ...)
  const int64_t* north_psum = nullptr;  // cols partial sums or initial values
};

class ArrayIf {
 public:
  virtual ~ArrayIf() = default;
  // Sets the array up for a layer and clears every register. Throws std::invalid_argument when
  // the implementation cannot run `config` (e.g. an RTL array of another size).
  virtual void Configure(const PeConfig& config) = 0;
  // One clock cycle; `south` (cols values) receives what leaves the bottom row.
  virtual void Cycle(const EdgeIn& in, int64_t* south) = 0;
  // Additions that wrapped or saturated since Configure.
  virtual int64_t overflow_events() const = 0;
  // Partial sum / accumulator register of PE (r, c), for tracing.
  virtual int64_t Psum(int64_t r, int64_t c) const = 0;
  virtual std::string Name() const = 0;  // "cpp", "rtl", ...
  // Contract: true when Cycle() itself advances SystemC time by one accelerator cycle (a
  // clocked RTL model; it must then be called from a SystemC thread), false when Cycle() is an
  // instantaneous function and the caller accounts for the time.
  virtual bool advances_time() const { return false; }
};

}  // namespace quasar::sim::cycle
