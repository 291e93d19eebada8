#include "cycle_test_util.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/precision.h"

namespace quasar::test {

const char* const kConvNetYaml = R"(version: 1
name: cycle-test-convnet
inputs:
  - {name: image, shape: [2, 4, 8, 8]}
layers:
  - {name: conv_s2, op: conv2d, input: image, out_channels: 8, kernel: 3, stride: 2, padding: 1,
     activation: relu, output_shape: [2, 8, 4, 4]}
  - {name: conv_g2, op: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 2,
     activation: relu, output_shape: [2, 8, 4, 4]}
  - {name: dw, op: depthwise_conv2d, kernel: 3, padding: 1, output_shape: [2, 8, 4, 4]}
  - {name: res, op: add, inputs: [dw, conv_s2], activation: relu}
  - {name: mpool, op: max_pool, kernel: 2, output_shape: [2, 8, 2, 2]}
  - {name: apool, op: avg_pool, input: res, kernel: 3, stride: 1, padding: 1,
     output_shape: [2, 8, 4, 4]}
  - {name: conv_pw, op: conv2d, input: apool, out_channels: 16, kernel: 1, stride: 2,
     bias: false, output_shape: [2, 16, 2, 2]}
  - {name: dw_m2, op: depthwise_conv2d, input: mpool, multiplier: 2, kernel: [2, 1],
     padding: {top: 0, bottom: 1, left: 0, right: 0}, activation: relu6,
     output_shape: [2, 16, 2, 2]}
  - {name: res2, op: add, inputs: [conv_pw, dw_m2]}
  - {name: up, op: conv_transpose2d, out_channels: 8, kernel: 3, stride: 2, padding: 1,
     output_padding: 1, groups: 2, activation: relu, output_shape: [2, 8, 4, 4]}
  - {name: up_d, op: conv_transpose2d, out_channels: 4, kernel: 2, stride: [1, 2], dilation: 2,
     padding: {top: 1, bottom: 0, left: 0, right: 1}, output_shape: [2, 4, 5, 8]}
  - {name: gap, op: global_avg_pool, output_shape: [2, 4, 1, 1]}
  - {name: flat, op: flatten, output_shape: [2, 4]}
  - {name: fc, op: fully_connected, out_features: 10, output_shape: [2, 10]}
)";

const char* const kAttentionNetYaml = R"(version: 1
name: cycle-test-attention
inputs:
  - {name: tokens, shape: [4, 8]}
layers:
  - {name: q, op: fully_connected, input: tokens, out_features: 8}
  - {name: k, op: fully_connected, input: tokens, out_features: 8}
  - {name: v, op: fully_connected, input: tokens, out_features: 8, activation: relu}
  - {name: k_t, op: transpose, input: k, perm: [1, 0], output_shape: [8, 4]}
  - {name: scores, op: matmul, inputs: [q, k_t], output_shape: [4, 4]}
  - {name: context, op: matmul, inputs: [scores, v], output_shape: [4, 8]}
  - {name: q_heads, op: reshape, input: q, shape: [4, 2, 4]}
  - {name: q_t, op: transpose, perm: [1, 0, 2], output_shape: [2, 4, 4]}
  - {name: k_heads, op: reshape, input: k, shape: [4, 2, 4]}
  - {name: k_ht, op: transpose, perm: [1, 2, 0], output_shape: [2, 4, 4]}
  - {name: head_scores, op: matmul, inputs: [q_t, k_ht], output_shape: [2, 4, 4]}
  - {name: head_scores_t, op: transpose, perm: [1, 0, 2], output_shape: [4, 2, 4]}
  - {name: head_flat, op: reshape, shape: [4, 8]}
  - {name: mix, op: add, inputs: [head_flat, context]}
  - {name: scores_nt, op: matmul, inputs: [q, k], transpose_b: true, output_shape: [4, 4]}
  - {name: k_h, op: transpose, input: k_heads, perm: [1, 0, 2], output_shape: [2, 4, 4]}
  - {name: head_scores_nt, op: matmul, inputs: [q_t, k_h], transpose_b: true, output_shape: [2, 4, 4]}
  - {name: v_nt, op: matmul, inputs: [context, v], transpose_b: true, output_shape: [4, 4]}
  - {name: out, op: fully_connected, out_features: 8, activation: relu6}
  - {name: residual, op: add, inputs: [out, tokens], activation: relu}
)";

const char* const kElementwiseNetYaml = R"(version: 1
name: cycle-test-elementwise
inputs:
  - {name: x, shape: [2, 4, 6, 6]}
layers:
  - {name: c1, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: r, op: relu, input: c1}
  - {name: s, op: sigmoid, input: c1}
  - {name: gate, op: mul, inputs: [r, s]}
  - {name: squeeze, op: global_avg_pool, input: gate}
  - {name: excite, op: hard_sigmoid, input: squeeze, alpha: 0.2, beta: 0.5}
  - {name: scaled, op: mul, inputs: [gate, excite], output_shape: [2, 8, 6, 6]}
  - {name: clipped, op: clip, input: scaled, min: -0.5, max: 1.5}
  - {name: swish, op: hard_swish, input: clipped}
  - {name: t, op: tanh, input: c1}
  - {name: leaky, op: leaky_relu, input: t, alpha: 0.1}
  - {name: joined, op: concat, inputs: [swish, leaky], axis: 1, output_shape: [2, 16, 6, 6]}
  - {name: half, op: slice, input: joined, axis: 1, start: 2, end: 14, output_shape: [2, 12, 6, 6]}
  - {name: c2, op: conv2d, out_channels: 4, kernel: 1}
  - {name: floor, op: clip, input: c2, min: 1.0, max: 3.0}
  - {name: ratio, op: div, inputs: [c2, floor]}
  - {name: diff, op: sub, inputs: [ratio, c2]}
  - {name: gain, op: constant, value_file: scale_4x1x1.npy}
  - {name: gained, op: mul, inputs: [diff, gain]}
  - {name: leak, op: prelu, inputs: [gained, gain]}
  - {name: shifted, op: affine, input: leak, alpha: -0.5, beta: 0.25}
  - {name: g, op: erf, input: shifted}
  - {name: squared, op: pow, input: g, exponent: 2}
  - {name: root, op: sqrt, input: squared}
  - {name: probs, op: softmax, input: root, axis: 1}
  - {name: row_mean, op: reduce_mean, input: probs, axis: -1}
  - {name: centred, op: sub, inputs: [probs, row_mean]}
  - {name: ln_scale, op: constant, value_file: scale_6.npy}
  - {name: ln_bias, op: constant, value_file: bias_6.npy}
  - {name: normed, op: layer_norm, inputs: [centred, ln_scale, ln_bias], axis: -1, epsilon: 0.001}
  - {name: padded, op: pad, input: normed, pads: [0, 0, 1, 0, 0, 0, 0, 2], mode: reflect}
  - {name: stretched, op: resize_nearest, input: padded, scales: [1.5, 0.5]}
  - {name: smooth, op: resize_linear, input: stretched, size: [4, 7],
     coordinate_transformation_mode: align_corners}
  - {name: rms, op: rms_norm, input: smooth, axis: -1, epsilon: 0.001}
  - {name: rope, op: rotary_embedding, input: rms, position_offset: 2, rotary_dim: 4}
  - {name: swished, op: silu, input: rope}
  - {name: gelued, op: gelu, input: swished, approximate: tanh}
  - {name: flat, op: flatten, input: smooth}
  - {name: fc, op: fully_connected, out_features: 5}
)";

const char* const kOverflowNetYaml = R"(version: 1
name: cycle-test-overflow
inputs:
  - {name: x, shape: [1, 8, 6, 6]}
layers:
  - {name: conv1, op: conv2d, out_channels: 16, kernel: 3, padding: 1, activation: relu}
  - {name: conv2, op: conv2d, out_channels: 32, kernel: 3, padding: 1}
  - {name: flat, op: flatten, output_shape: [1, 1152]}
  - {name: fc1, op: fully_connected, out_features: 8, activation: relu}
  - {name: fc2, op: fully_connected, out_features: 4}
)";

const char* const kTinyLenetYaml = R"(version: 1
name: cycle-test-lenet
inputs:
  - {name: image, shape: [1, 1, 12, 12]}
layers:
  - {name: c1, op: conv2d, out_channels: 4, kernel: 3, activation: relu, output_shape: [1, 4, 10, 10]}
  - {name: s2, op: avg_pool, kernel: 2, stride: 2, output_shape: [1, 4, 5, 5]}
  - {name: c3, op: conv2d, out_channels: 8, kernel: 3, activation: relu, output_shape: [1, 8, 3, 3]}
  - {name: flatten, op: flatten, output_shape: [1, 72]}
  - {name: f4, op: fully_connected, out_features: 16, activation: relu}
  - {name: output, op: fully_connected, out_features: 10}
)";

namespace {

constexpr uint64_t kSeed = 1;
constexpr int kCalibrationSamples = 2;
// The cycle model as a Backend with a test's PE array (CycleOptions::make_array, array_name).
class CycleOptionsBackend final : public sim::Backend {
 public:
  explicit CycleOptionsBackend(sim::cycle::CycleOptions base) : base_(std::move(base)) {}
  sim::BackendRun Run(const sim::Job& job, const sim::RunOptions& options) const override {
    return sim::cycle::RunCycleJob(job, options, base_);
  }
  std::string Title(const models::ArchSpec&) const override { return "cycle model"; }

 private:
  sim::cycle::CycleOptions base_;
};

int64_t g_cycle_runs = 0;

const char* const kSmallArchYaml = R"(version: 1
name: cycle-test-small
array: {rows: 4, cols: 4, dataflow: os}
mac:
  weight_bits: 8
  activation_bits: 8
  signed: true
  accumulator: {bits: 32, overflow: wrap}
  precision_scaling: none
  binary_lanes: 0
buffers:
  input: {kib: 1, word_bytes: 4, double_buffered: true}
  weight: {kib: 1, word_bytes: 8, double_buffered: true}
  output: {kib: 1, word_bytes: 16, double_buffered: true}
dram: {bytes_per_cycle: 4, latency_cycles: 10}
clock_mhz: 500
post_processing: {elements_per_cycle: 3}
)";

}  // namespace

models::NetworkSpec LoadTestNetwork(const std::string& yaml_or_zoo, const std::string& bits,
                                    std::optional<int> first_last_bits) {
  models::NetworkSpec net =
      yaml_or_zoo.find('\n') == std::string::npos
          ? models::LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/" +
                                yaml_or_zoo + ".yaml")
          : models::ParseNetwork(yaml_or_zoo, "test-network",  // constants' value files:
                                 std::string(QUASAR_SOURCE_DIR) + "/tests/data/constant");
  models::PrecisionPolicy& p = net.policy;
  if (!bits.empty()) {
    // As cli/net_common.cc LoadNetworkWithOptions applies --bits: code and width only.
    const auto [w, a] = models::ParseBitsShorthand(bits);
    models::OperandPrecision pw = p.weights, pa = p.activations;
    w.ApplyTo(&pw);
    a.ApplyTo(&pa);
    p.weights = pw;
    p.activations = pa;
  }
  if (first_last_bits) {
    p.first_last_bits = *first_last_bits;
  }
  net = models::ResolvePrecision(std::move(net));
  return net;
}

models::ArchSpec SmallArch(int64_t rows, int64_t cols, models::Dataflow dataflow) {
  models::ArchSpec arch = models::ParseArchSpec(kSmallArchYaml, "cycle-test-arch");
  arch.rows = rows;
  arch.cols = cols;
  arch.dataflow = dataflow;
  return arch;
}

std::string Describe(const models::ArchSpec& arch) {
  std::ostringstream s;
  s << arch.rows << "x" << arch.cols << " " << models::DataflowName(arch.dataflow) << " acc"
    << arch.mac.accumulator.bits << " " << models::OverflowModeName(arch.mac.accumulator.overflow)
    << " scaling " << models::PrecisionScalingName(arch.mac.scaling) << " lanes "
    << arch.mac.binary_lanes << " dram " << arch.dram.bytes_per_cycle << " B/cycle + "
    << arch.dram.latency_cycles << " buffers KiB " << arch.input.kib << "/" << arch.weight.kib
    << "/" << arch.output.kib << " db " << arch.input.double_buffered << arch.weight.double_buffered
    << arch.output.double_buffered << " post " << arch.post_elements_per_cycle;
  return s.str();
}

models::QuantizedNetwork QuantizeForTest(const models::NetworkSpec& net) {
  const models::FloatNetParams params = models::MakeFloatParams(net, kSeed);
  std::vector<std::map<std::string, models::FloatTensor>> calibration;
  for (int s = 1; s <= kCalibrationSamples; ++s) {
    calibration.push_back(models::MakeInputs(net, kSeed, s));
  }
  models::QuantizedNetwork q = models::QuantizeNetwork(net, params, calibration);
  q.seed = kSeed;
  return q;
}

compiler::Schedule CompileForTest(const models::NetworkSpec& net, const models::ArchSpec& arch) {
  const models::CostTable table = models::LoadArchCostTable(arch);
  return sim::Compile(net, arch, table, compiler::Objective::kCycles);
}

std::map<std::string, models::IntTensor> QuantizedInputs(const models::QuantizedNetwork& qnet,
                                                         const models::QuantizedRun& golden) {
  std::map<std::string, models::IntTensor> inputs;
  for (const models::NetInput& in : qnet.net.inputs) {
    inputs[in.name] = golden.tensors.at(in.name);
  }
  return inputs;
}

bool RetileSplitK(compiler::LayerSchedule* layer, const models::ArchSpec& arch,
                  compiler::LoopOrder order) {
  if (layer->kind != compiler::LayerKind::kGemm) {
    return false;
  }
  const compiler::GemmShape& g = layer->gemm;
  const int64_t pack = layer->pack;
  compiler::Tiling best;
  int64_t best_volume = 0;
  // Split K into 2..64 tiles, N into 1..16, M into 1, 2, 4, ... (a few thousand candidates).
  for (int64_t tk = 2; tk <= std::min<int64_t>(g.k, 64); ++tk) {
    for (int64_t tn = 1; tn <= std::min<int64_t>(g.n, 16); ++tn) {
      for (int64_t tm = 1; tm <= g.m; tm *= 2) {
        compiler::Tiling t;
        t.m = compiler::CeilDiv(g.m, tm);
        t.k = compiler::CeilDiv(compiler::CeilDiv(g.k, tk), pack) * pack;
        t.n = compiler::CeilDiv(g.n, tn);
        t.order = order;
        const bool split_k = compiler::CeilDiv(g.k, t.k) > 1;
        const bool several_outputs =
            compiler::CeilDiv(g.m, t.m) > 1 || compiler::CeilDiv(g.n, t.n) > 1;
        if (!split_k || !several_outputs || t.m * t.k * t.n <= best_volume ||
            !compiler::TilingFits(*layer, t, arch)) {
          continue;
        }
        best = t;
        best_volume = t.m * t.k * t.n;
      }
    }
  }
  if (best_volume == 0) {
    return false;
  }
  layer->tiling = best;
  return true;
}

SpillCounts CountSpills(const compiler::LayerSchedule& layer) {
  SpillCounts c;
  if (layer.kind == compiler::LayerKind::kGemm) {
    compiler::ForEachTile(layer, [&](const compiler::TileStep& t) {
      c.spills += t.store && !t.final_out ? 1 : 0;
      c.reloads += t.psum_in ? 1 : 0;
    });
  }
  return c;
}

int64_t CycleRunsInProcess() { return g_cycle_runs; }
void CountCycleRun() { ++g_cycle_runs; }

Flow RunFlow(const models::NetworkSpec& net, const models::ArchSpec& arch,
             const FlowOptions& options) {
  Flow f;
  f.qnet = QuantizeForTest(net);
  f.qnet = models::WithAccumulator(std::move(f.qnet), arch.mac.accumulator);
  if (options.edit_network) {
    options.edit_network(&f.qnet);
  }
  const models::CostTable table = models::LoadArchCostTable(arch);
  f.schedule = sim::Compile(f.qnet.net, arch, table, compiler::Objective::kCycles);
  if (options.edit_schedule) {
    options.edit_schedule(&f.schedule);
  }
  const compiler::LayerSchedule* bad = f.schedule.FirstInfeasible();
  INFO("infeasible layer: " << (bad ? bad->name + ": " + bad->status : std::string("none")));
  REQUIRE(bad == nullptr);
  std::map<std::string, models::FloatTensor> inputs = models::MakeInputs(f.qnet.net, kSeed, 0);
  if (options.edit_inputs) {
    options.edit_inputs(&inputs);
  }
  f.analytical = sim::EvaluateSchedule(f.schedule, arch, table);
  CountCycleRun();
  // The library's check (sim::RunChecked) on the cycle model with the options' PE array.
  const CycleOptionsBackend backend(options.cycle);
  sim::RunOptions run;
  run.trace_path = options.cycle.trace_path;
  run.always_check_overflow = options.cycle.always_check_overflow;
  run.on_layer = options.cycle.on_layer;
  run.array_layers = options.cycle.array_layers;
  run.stop_after = options.cycle.stop_after;
  run.record_output_cycles = options.cycle.record_output_cycles;
  sim::CheckJob job{&f.qnet, &inputs, &f.schedule, &arch, &table, &f.analytical};
  sim::CheckedRun checked = sim::RunChecked(backend, job, run);
  f.qnet = std::move(checked.reference);
  f.golden = std::move(checked.golden);
  f.checks = std::move(checked.checks);
  f.cycle.layers = std::move(checked.run.perf.layers);
  f.cycle.overflow_events = std::move(checked.run.overflow_events);
  f.cycle.tensors = std::move(checked.run.tensors);
  f.cycle.output_cycles = std::move(checked.run.output_cycles);
  f.cycle.simulated_cycles = checked.run.perf.cycles;
  f.cycle.wall_seconds = checked.run.wall_seconds;
  return f;
}

int64_t Mismatches(const models::IntTensor& a, const models::IntTensor& b) {
  if (a.shape != b.shape || a.size() != b.size()) {
    return std::max(a.size(), b.size());
  }
  int64_t n = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    n += a[i] != b[i] ? 1 : 0;
  }
  return n;
}

void CheckLayerPerf(const sim::LayerPerf& c, const sim::LayerPerf& a) {
  // Timing equals the analytical model's.
  CHECK(c.name == a.name);
  CHECK(c.kind == a.kind);
  CHECK(c.status == a.status);
  CHECK(c.cycles == a.cycles);
  CHECK(c.compute_cycles == a.compute_cycles);
  CHECK(c.stall_cycles == a.stall_cycles);
  CHECK(c.dram_cycles == a.dram_cycles);
  CHECK(c.post_cycles == a.post_cycles);
  CHECK(c.tiles == a.tiles);
  CHECK(c.folds == a.folds);
  CHECK(c.mapped_pe_folds == a.mapped_pe_folds);
  CHECK(c.pack == a.pack);
  CHECK(c.required_acc_bits == a.required_acc_bits);
  CHECK(c.acc_too_narrow == a.acc_too_narrow);
  // Every event count equals the analytical model's.
  const models::EventCounts& ae = a.events;
  const models::EventCounts& ce = c.events;
  CHECK(ce.macs == ae.macs);
  // The widths the events are priced at (view layers included).
  CHECK(ce.mac_a_bits == ae.mac_a_bits);
  CHECK(ce.mac_w_bits == ae.mac_w_bits);
  CHECK(ce.acc_bits == ae.acc_bits);
  CHECK(ce.binary == ae.binary);
  CHECK(ce.pe_cycles == ae.pe_cycles);
  CHECK(ce.register_bit_writes == ae.register_bit_writes);
  CHECK(ce.input_reads == ae.input_reads);
  CHECK(ce.input_writes == ae.input_writes);
  CHECK(ce.weight_reads == ae.weight_reads);
  CHECK(ce.weight_writes == ae.weight_writes);
  CHECK(ce.output_reads == ae.output_reads);
  CHECK(ce.output_writes == ae.output_writes);
  CHECK(ce.dram_read_bytes == ae.dram_read_bytes);
  CHECK(ce.dram_write_bytes == ae.dram_write_bytes);
  CHECK(ce.post_multiplies == ae.post_multiplies);
  CHECK(ce.post_adds == ae.post_adds);
  CHECK(ce.post_compare_bits == ae.post_compare_bits);
  CHECK(ce.cycles == ae.cycles);
}

void CheckFlow(const Flow& f) {
  const std::vector<models::NetLayer>& layers = f.qnet.net.layers;
  REQUIRE(f.analytical.ok());
  REQUIRE(f.analytical.layers.size() == layers.size());
  REQUIRE(f.cycle.layers.size() == layers.size());
  REQUIRE(f.cycle.overflow_events.size() == layers.size());
  REQUIRE(f.golden.layers.size() == layers.size());
  int64_t total_cycles = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string& name = layers[i].name;
    const sim::LayerPerf& a = f.analytical.layers[i];
    const sim::LayerPerf& c = f.cycle.layers[i];
    INFO("layer " << i << " '" << name << "' (" << models::NetOpName(layers[i].op) << ", " << a.kind
                  << ", pack " << a.pack << ", tiling " << f.schedule.layers[i].tiling.m << "x"
                  << f.schedule.layers[i].tiling.k << "x" << f.schedule.layers[i].tiling.n << " "
                  << compiler::LoopOrderName(f.schedule.layers[i].tiling.order) << ")");
    // Every output element equals the golden reference's.
    const models::IntTensor& g = f.golden.tensors.at(name);
    const auto it = f.cycle.tensors.find(name);
    REQUIRE(it != f.cycle.tensors.end());
    const models::IntTensor& y = it->second;
    CHECK(y.shape == g.shape);
    const int64_t mismatches = Mismatches(g, y);
    if (mismatches > 0 && y.shape == g.shape) {
      for (int64_t j = 0; j < g.size(); ++j) {
        if (g[j] != y[j]) {
          INFO("first mismatch at flat index " << j << ": golden " << g[j] << ", cycle model "
                                               << y[j] << " (" << g.size() << " elements)");
          CHECK(mismatches == 0);
          break;
        }
      }
    } else {
      CHECK(mismatches == 0);
    }
    // Overflow events equal the golden run's.
    CHECK(f.cycle.overflow_events[i] == f.golden.layers[i].stats.overflow_events);
    CheckLayerPerf(c, a);
    // The golden run counted the same MACs the array did (view and post layers: none).
    if (a.kind == "gemm") {
      CHECK(c.events.macs == f.golden.layers[i].stats.macs);
    }
    total_cycles += c.cycles;
  }
  CHECK(f.cycle.simulated_cycles == total_cycles);
  CHECK(f.cycle.simulated_cycles == f.analytical.cycles);
  // The library's check (sim::RunChecked) finds what the assertions above found.
  REQUIRE(f.checks.size() == layers.size());
  for (const sim::LayerCheck& k : f.checks) {
    INFO("layer " << k.name);
    CHECK(k.mismatches == 0);
    CHECK(k.compared == f.golden.tensors.at(k.name).size());
    CHECK(k.overflows == k.golden_overflows);
    CHECK(k.cycles == k.reference_cycles);
  }
}

}  // namespace quasar::test
