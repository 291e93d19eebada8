#pragma once
// Shared by the cycle-model tests: small synthetic networks, a small accelerator, and the whole
// flow (quantize with synthetic weights, compile, golden reference, analytical model, SystemC
// cycle model) with a check that asserts, for every layer, that the cycle model's output equals
// the golden reference on every element, that its cycles and every event count equal the
// analytical model's and that its overflow events equal the golden run's.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/core/check.h"
#include "quasar/sim/cycle/cycle_model.h"

namespace quasar::test {

// Every layer kind the cycle model runs, on 8x8 images of 4..16 channels (batch 2): a strided
// padded convolution, a grouped convolution (groups 2), depthwise convolutions (multipliers 1
// and 2, asymmetric padding), residual adds, max and average pooling, a pointwise convolution
// without bias, transposed convolutions (stride 2 with output_padding and groups 2; stride
// [1, 2], dilation 2, asymmetric padding, no bias), global average pooling, flatten and a
// fully-connected classifier.
extern const char* const kConvNetYaml;
// An attention-like network on [4, 8] tokens: fully-connected projections, matmuls of two
// activations (a rank-2 one and a batched one of two heads), transposes, reshapes and adds.
extern const char* const kAttentionNetYaml;
// The post unit's element-wise ops on an 8-channel feature map: relu, sigmoid, tanh,
// leaky_relu, a squeeze-and-excitation gate (global average pool, hard_sigmoid, a broadcast
// mul), clip, hard_swish, concat, slice, div and sub of two tensors, a constant (its value from
// tests/data/constant) broadcast in a mul and as a prelu's slopes, affine, a layer_norm over the
// last axis, a reflect pad, a nearest and a bilinear resize, and beside them rms_norm,
// rotary_embedding (the first 4 of 7 features, from position 2), silu and tanh gelu.
extern const char* const kElementwiseNetYaml;
// Convolutions and fully-connected layers with long reductions (K up to 1152), for narrow
// accumulators: 8-bit operands overflow a 10- or 12-bit register.
extern const char* const kOverflowNetYaml;
// A LeNet-5-like network on a 12x12 image (conv, avg pool, conv, flatten, two FCs).
extern const char* const kTinyLenetYaml;

// The network of `yaml_or_zoo` (YAML text, or a zoo name when it has no newline), with the
// policy's bits replaced by the --bits shorthand `bits` (as `quasar --bits` does; "" keeps the
// file's) and, when given, the policy's first/last-layer rule set to `first_last_bits`.
models::NetworkSpec LoadTestNetwork(const std::string& yaml_or_zoo, const std::string& bits = "",
                                    std::optional<int> first_last_bits = std::nullopt);

// A small accelerator: rows x cols PEs of 8x8-bit MACs with a 32-bit wrapping accumulator,
// 1 KiB double-buffered SRAMs of narrow words (so that layers take several tiles), 4 bytes of
// DRAM per cycle with 10 cycles of latency, 3 post-processed elements per cycle.
models::ArchSpec SmallArch(int64_t rows, int64_t cols, models::Dataflow dataflow);
// "4x5 ws acc32 wrap scaling bit_fusion lanes 8 dram 4 B/cycle + 10 buffers KiB 1/1/1 db 111".
std::string Describe(const models::ArchSpec& arch);

struct Flow {
  models::QuantizedNetwork qnet;  // with the accelerator's accumulator
  models::QuantizedRun golden;
  compiler::Schedule schedule;
  sim::NetworkPerf analytical;
  sim::cycle::CycleRun cycle;
  std::vector<sim::LayerCheck> checks;  // sim::RunChecked's, one per layer
};

struct FlowOptions {
  sim::cycle::CycleOptions cycle;
  // Applied to the compiled schedule before anything runs (e.g. a hand-made loop order).
  std::function<void(compiler::Schedule*)> edit_schedule;
  // Applied to the quantized network (e.g. its integer weights) before it is compiled and run.
  std::function<void(models::QuantizedNetwork*)> edit_network;
  // Applied to the float network inputs before the golden run quantizes them.
  std::function<void(std::map<std::string, models::FloatTensor>*)> edit_inputs;
};

// Quantizes `net` with synthetic weights and calibration inputs (seed 1, as the CLI), without
// changing its accumulator.
models::QuantizedNetwork QuantizeForTest(const models::NetworkSpec& net);
// Compiles for cycles with the analytical model as the mapper's price.
compiler::Schedule CompileForTest(const models::NetworkSpec& net, const models::ArchSpec& arch);
// The golden run's quantized network inputs, for RunCycleModel.
std::map<std::string, models::IntTensor> QuantizedInputs(const models::QuantizedNetwork& qnet,
                                                         const models::QuantizedRun& golden);

// The whole flow on `arch` (the network takes the accelerator's accumulator).
Flow RunFlow(const models::NetworkSpec& net, const models::ArchSpec& arch,
             const FlowOptions& options = {});

// Re-tiles a kGemm layer by hand, as a mapper might not: the largest tiling that fits the
// buffers with several K tiles (whole packed words) and several output tiles, visited in
// `order` (orders with k outside m or n spill partial sums to DRAM and read them back). Returns
// false, leaving the layer as it was, when the layer has no such tiling (K of 1, one output).
bool RetileSplitK(compiler::LayerSchedule* layer, const models::ArchSpec& arch,
                  compiler::LoopOrder order);
// Tiles of a kGemm layer that spill partial sums and that read them back.
struct SpillCounts {
  int64_t spills = 0, reloads = 0;
};
SpillCounts CountSpills(const compiler::LayerSchedule& layer);

// How many times this process has called RunCycleModel through these helpers (a trace must be
// requested by the first run of a process).
int64_t CycleRunsInProcess();
void CountCycleRun();

// Asserts that a layer's cycles, compute / stall / DRAM / post cycles, tiles, folds, mapped PE
// folds, pack, accumulator bound and every event count (`c`, the cycle model's) equal the
// analytical model's (`a`).
void CheckLayerPerf(const sim::LayerPerf& c, const sim::LayerPerf& a);

// Asserts, for every layer: outputs equal to golden on every element; cycles, compute / stall /
// DRAM / post cycles, tiles, folds, mapped PE folds, pack and every event count equal to the
// analytical model's; overflow events equal to the golden run's. Also the network totals.
void CheckFlow(const Flow& flow);

// Number of elements of `a` and `b` that differ (all of them if the shapes differ).
int64_t Mismatches(const models::IntTensor& a, const models::IntTensor& b);

}  // namespace quasar::test
