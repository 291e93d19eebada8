#pragma once
// A layer of number-format GEMMs (format_layer.h) as the SystemC accelerator moves it along its
// Schedule's tiles (format_cycle_model.h): the GemmData of a format layer.
//
// Every format reaches the array as integers, as on format_gemm.h's passes: a finite FP8, FP6,
// FP4 or MX element is an integer number of its format's quantum, a group-quantized weight the
// integer q - zero, a W4A8 activation its int8 code. The SRAMs receive those integers, so the
// PEs' products are the golden kernels' exact products; the accumulators start at 0 (a bias is
// added after the kernels, by FormatLayerOutput). What each kernel does with the sums:
//
//   small float  (small_float_tiles.cc) the PEs add through the FP8 MAC's register, wrapping or
//                saturating per product; the partial sums carry it across folds, reduction
//                tiles and spills in K order, as Fp8MacStep does; the post unit converts each
//                finished register once (Fp8AccumulatorToFloat).
//   MX           (mx_tiles.cc) and
//   W4A8 groups  (group_tiles.cc): blocks along K (MX: 32; groups: the group size). Each
//                block's exact sum starts from 0 in a register as wide as the block's largest
//                sum (ExactSumBits), and when the block's last product is in, the MAC's block
//                step (in the array unit, no post-unit cycles; the golden kernel's:
//                MxBlockSumToFloat added in float32 from +0; GroupAccumulate after subtracting
//                a_zero times the group's weight sum) folds it into the output's float32
//                accumulator, in K order; at the end W4A8 applies GroupOutput. The accelerator runs
//                a tile's reduction block by block (array_unit.cc, ComputeTile): where a fold
//                crosses a block bound, the block format's columns are segmented there, each
//                block's rows summed apart in the same fold.
//
// Wide elements. An element wider than the array's signed lanes (on the C++ array's 32 bits,
// FP8 and MXFP8 E5M2: up to 2^31.8 units of 2^-16; W4A16's fp16 activations: 2^40 units of
// 2^-24) reaches the array in pieces (unit_codes.h, LanePieces; format_gemm.h, "Wide
// elements"), and each pair of A's and B's pieces has its own plane of accumulators
// (gemm_data.h). The MAC of the format multiplies whole elements, one pair per PE per cycle, so
// the accelerator times the first pair's run and takes the others' sums from runs that add no
// time (array_unit.cc, ComputeTile); the block step and the post unit add the planes' sums, each
// times 2^Shift(pa, pb), in 128 bits: the exact sum. Each plane sums in a register as wide as a
// pass's sums need. The FP8 MAC's register wraps or saturates per product, which planes summed
// apart cannot do, so small floats run in pieces only where that register holds any sum of the
// K products (CheckFp8RegisterForPieces).
//
// Refused, naming the layer and what does not fit: elements in pieces on a clocked (Verilated)
// array, a built-in register narrower than a block's (or a pass's) sums, a register of more than
// 64 bits, a small-float register in pieces that does not hold any sum of K products, NaN or
// infinite codes (the golden kernels' IEEE fallback has no array path), and GEMMs whose shapes
// are not the schedule's.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/accumulator.h"
#include "quasar/models/int128.h"
#include "quasar/sim/cycle/format_gemm.h"
#include "quasar/sim/cycle/format_layer.h"
#include "quasar/sim/cycle/gemm_data.h"
#include "quasar/sim/cycle/unit_codes.h"

namespace quasar::sim::cycle {

class FormatTiles : public GemmData {
 public:
  void BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const override;
  void BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const override;
  int a_pieces() const override { return a_pieces_; }
  int b_pieces() const override { return b_pieces_; }
  void LoadBias(const compiler::TileStep& t, int64_t* acc, int64_t* overflow_events) const override;
  bool chunked() const override { return false; }
  bool overflow_impossible() const override { return overflow_impossible_; }
  const models::AccumulatorSpec& accumulator() const override { return acc_; }

  // The kernel outputs, one M x N (row-major) per GEMM, as FormatLayerOutput takes them; valid
  // after the accelerator finished the layer.
  std::vector<std::vector<float>> TakeOutputs() { return std::move(y_); }

 protected:
  // `a` and `b`: per GEMM, M x K and K x N integers (row-major) in their quanta, whose magnitudes
  // are at most max_a and max_b, cut into pieces by `lanes`; `acc` the register the PEs add
  // through (checked: at most 64 bits), over sums of `count` products (a block, or K). Throws
  // InputError when a GEMM's shape is not `schedule`'s.
  FormatTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
              std::vector<std::vector<int64_t>> a, std::vector<std::vector<int64_t>> b,
              int64_t max_a, int64_t max_b, const LanePieces& lanes,
              const models::AccumulatorSpec& acc, int64_t count);
  // The exact sum of the tile's output (i, c) over its planes (gemm_data.h): each plane's times
  // 2^Shift(pa, pb).
  models::int128 Sum(const compiler::TileStep& t, const int64_t* acc, int64_t i, int64_t c) const;

  const FormatLayer& layer_;
  int64_t k_ = 0;                      // the reduction length
  std::vector<std::vector<float>> y_;  // per GEMM, M x N, zero-initialized

 private:
  models::AccumulatorSpec acc_;
  std::vector<std::vector<int64_t>> a_, b_;
  LanePieces lanes_;
  int a_pieces_ = 1, b_pieces_ = 1;
  bool overflow_impossible_ = false;
};

// The layer's tiles by its kernel (the one place that maps a kernel to its class); `fp8_acc` is
// the FP8 MAC's register (small floats), `widths` the array's lanes and, when built in, its
// register (a Verilated array's: a block's sums then run in it, refused when it is narrower
// than they need). Throws InputError as the header says.
std::unique_ptr<FormatTiles> MakeFormatTiles(const FormatLayer& layer,
                                             const compiler::LayerSchedule& schedule,
                                             const models::AccumulatorSpec& fp8_acc,
                                             const ArrayWidths& widths = {});

}  // namespace quasar::sim::cycle
