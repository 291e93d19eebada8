#pragma once
// The integer data of one weighted layer as the accelerator moves it: the operand tiles the
// input and weight SRAMs hold (im2col rows of the input minus its zero point, weights minus
// theirs), the initial accumulator values (the bias, through the accumulator register), and the
// output stage the post-processing unit applies to finished accumulators (the XNOR border
// correction, requantization, activation clamp). The golden kernels (models/ref/) define every
// one of these steps; this class only cuts them along the Schedule's tiles, so the cycle model's
// outputs can be compared with the golden outputs element by element.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/lower.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/output_stage.h"
#include "quasar/sim/cycle/gemm_data.h"

namespace quasar::sim::cycle {

class GemmLayer final : public GemmData {
 public:
  // `x` is the layer's input; `second` the second operand of a matmul (its B), else null.
  // `xnor_lanes`: the PE runs binary x binary products on XNOR-popcount lanes, one accumulator
  // addition per packed element (the golden binary convolution's `lanes` chunks).
  // Throws InputError when the layer is not a weighted layer or matmul, or shapes disagree
  // with `schedule` (a schedule compiled for another network).
  GemmLayer(const models::NetLayer& layer, const models::QuantizedLayer& ql,
            const compiler::LayerSchedule& schedule, const models::IntTensor& x,
            const models::IntTensor* second, bool xnor_lanes);

  // The A tile (mt x kt, row-major) and B tile (kt x nt) of `t`, as the MAC sees them.
  void BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const override;
  void BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const override;
  // Loads the bias of every output of the tile into `acc` (mt x nt) through the accumulator.
  void LoadBias(const compiler::TileStep& t, int64_t* acc, int64_t* overflow_events) const override;
  // Finishes the tile's outputs (XNOR border correction through the accumulator, then the
  // output stage) and writes them into output(), recording `cycle` (the simulated cycle the
  // post unit finishes them) for each. Returns the number of outputs.
  int64_t Finish(const compiler::TileStep& t, const int64_t* acc, int64_t* overflow_events,
                 int64_t cycle) override;

  // One accumulator addition per packed element (XNOR lanes running a binary convolution);
  // otherwise products are added one by one, as every other golden kernel does.
  bool chunked() const override { return chunked_; }
  // True when no partial sum can leave the accumulator's range, whatever the order of the
  // additions: |bias| + K * max|a| * max|b| (+ the border correction) fits. The array may then
  // add without range checks.
  bool overflow_impossible() const override { return overflow_impossible_; }
  const models::AccumulatorSpec& accumulator() const override { return ql_.spec.accumulator; }
  const models::IntTensor& output() const { return output_; }
  models::IntTensor TakeOutput() { return std::move(output_); }
  // Per output element (flat index), the cycle passed to the Finish that wrote it.
  std::vector<int64_t> TakeFinishCycles() { return std::move(finish_cycle_); }

 private:
  int64_t OutputIndex(int64_t group, int64_t m, int64_t n) const;
  int64_t Channel(int64_t group, int64_t n) const;  // output channel, for bias and requant
  int32_t AValue(int64_t group, int64_t m, int64_t k) const;
  int32_t BValue(int64_t group, int64_t k, int64_t n) const;
  int32_t WeightZeroPoint(int64_t channel) const;

  const models::QuantizedLayer& ql_;
  const compiler::LayerSchedule& sched_;
  const models::IntTensor& x_;
  const models::IntTensor* b_;  // weights, or the matmul's second operand
  std::optional<compiler::Im2colMap> im2col_;
  // b_input_: B is the layer's second input, laid out [..., K, N] (models::GemmB::kSecondInput,
  // matmul), or [..., N, K] with the layer spec's transpose_b, not its weights.
  bool conv_ = false, b_input_ = false, binary_conv_ = false, chunked_ = false;
  bool overflow_impossible_ = false;
  int32_t x_zero_ = 0;
  int32_t pad_value_ = 0;  // what a padding tap feeds the MAC
  bool b_shared_ = false;  // matmul: b is rank 2, shared by every batch
  std::vector<int32_t> bias_;
  models::OutputStage stage_;
  models::IntTensor output_;
  std::vector<int64_t> finish_cycle_;
};

}  // namespace quasar::sim::cycle
