#pragma once
// A layer of FP8, FP6 or FP4 GEMMs (FormatKernel::kSmallFloat, format_layer.h) as the SystemC
// accelerator moves it along its Schedule's tiles, on an array of the format's MACs
// (mac.format, docs/formats.md).
//
// The PE is the FP8 MAC of ref/small_float_gemm.h and fp8_mac.h: every finite code is an
// integer number of its format's quantum (E4M3: 2^-9), so every product is an exact integer in
// units of 2^-F, and the PE adds it into the MAC's fixed-point register, wrapping or saturating
// per product. That register is the accumulator the PEs add through, so the tiles' partial sums
// (across folds, reduction tiles and spills to DRAM) are the golden kernel's register, product
// for product in K order. The accumulators start at 0: the bias is added after the conversion.
// The post unit converts each finished register once (Fp8AccumulatorToFloat); the layer's float
// step (FormatLayerOutput: the tensors' scales, the bias) follows.
//
// Refused, naming the layer and what does not fit: a code that is NaN or infinite (the golden
// kernel's IEEE fallback has no array path), an element wider than the C++ array's 32-bit signed
// operand lanes (FP8 E5M2: up to 2^31.8 units of 2^-16), a register wider than its 64-bit
// partial sums, and GEMMs whose shapes are not the schedule's.

#include <cstdint>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/sim/cycle/format_layer.h"
#include "quasar/sim/cycle/gemm_data.h"

namespace quasar::sim::cycle {

class SmallFloatTiles final : public GemmData {
 public:
  // `layer` must be a kSmallFloat layer whose GEMMs have `schedule`'s shape; `fp8_acc` is the
  // FP8 MAC's register. The references must outlive this object.
  SmallFloatTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                  const models::AccumulatorSpec& fp8_acc);

  void BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const override;
  void BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const override;
  void LoadBias(const compiler::TileStep& t, int64_t* acc, int64_t* overflow_events) const override;
  int64_t Finish(const compiler::TileStep& t, const int64_t* acc, int64_t* overflow_events,
                 int64_t cycle) override;
  bool chunked() const override { return false; }
  bool overflow_impossible() const override { return overflow_impossible_; }
  const models::AccumulatorSpec& accumulator() const override { return acc_; }

  // The kernel outputs, one M x N (row-major) per GEMM, as FormatLayerOutput takes them.
  std::vector<std::vector<float>> TakeOutputs() { return std::move(y_); }

 private:
  const FormatLayer& layer_;
  models::AccumulatorSpec acc_;
  std::vector<std::vector<int32_t>> a_, b_;  // per GEMM: M x K and K x N, in units
  bool overflow_impossible_ = false;
  std::vector<std::vector<float>> y_;
};

}  // namespace quasar::sim::cycle
