// The op registry (models/net/ops.h): one row per NetOp, in place, whose traits agree with each
// other (weights lower to a GEMM, data-only ops do not, every op prices its post-unit work), and
// whose names and keys are what the network format reads.

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar::models;

TEST_CASE("the op registry has one consistent row per op") {
  const std::vector<OpDef>& ops = Ops();
  REQUIRE(ops.size() == 40);
  std::set<std::string> names;
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpDef& d = ops[i];
    INFO(d.name);
    CHECK(static_cast<size_t>(d.op) == i);
    CHECK(&OpOf(d.op) == &d);
    CHECK(NetOpName(d.op) == d.name);
    CHECK(ParseNetOp(d.name) == std::optional<NetOp>(d.op));
    names.insert(d.name);
    CHECK(d.post_events != nullptr);
    CHECK(d.shape != nullptr);
    CHECK(d.run_float != nullptr);
    CHECK(d.int_spec != nullptr);
    LayerSpec spec;
    const NetLayer probe;  // int_spec of ops without weights reads no layer field it lacks
    if (d.runs_dequantized) {
      // Dequantize, the float kernel, quantize: no kernel, no moved integers, on the post unit.
      CHECK_FALSE(d.int_spec(probe, NetworkSpec{}, {}, nullptr, false, &spec));
      CHECK(d.move_ints == nullptr);
      CHECK(d.int_inputs == nullptr);
      CHECK_FALSE(d.has_weights);
      CHECK_FALSE(d.moves_data_only);
      // On the post unit, but a constant: it sits in DRAM, a view of no work (ops/constant.cc).
      CHECK(d.lowering == (d.op == NetOp::kConstant ? OpLowering::kView : OpLowering::kPost));
      CHECK((d.inputs == kNoInputs) == (d.op == NetOp::kConstant));
    } else {
      CHECK(d.int_inputs != nullptr);
      // An op runs a kernel or moves integers: it has a move_ints exactly when its spec says so.
      if (!d.has_weights && d.op != NetOp::kMatMul && d.op != NetOp::kAdd &&
          d.op != NetOp::kGlobalAvgPool) {
        const bool runs = d.int_spec(probe, NetworkSpec{}, {}, nullptr, false, &spec);
        CHECK(runs == (d.move_ints == nullptr));
      }
    }
    CHECK((d.lowering == OpLowering::kGemm) == (d.gemm != nullptr));
    // Only a GEMM op gathers its operands from windows.
    CHECK((d.gemm_input == GemmInput::kDirect || d.lowering == OpLowering::kGemm));
    // A GEMM's B is its weights or its second input, never both, never neither.
    if (d.lowering == OpLowering::kGemm) {
      CHECK(d.has_weights == (d.gemm_b == GemmB::kWeights));
      CHECK((d.gemm_b != GemmB::kSecondInput || d.inputs == 2));
    } else {
      CHECK(d.gemm_b == GemmB::kWeights);
    }
    CHECK(AccumulatesProducts(d.op) == (d.lowering == OpLowering::kGemm));
    CHECK(GemmBIsInput(d.op) == (d.gemm_b == GemmB::kSecondInput));
    if (d.has_weights) {
      CHECK(d.lowering == OpLowering::kGemm);
      CHECK(std::find(d.keys.begin(), d.keys.end(), "bias") != d.keys.end());
    }
    if (d.moves_data_only) {
      CHECK(d.lowering != OpLowering::kGemm);
    }
    CHECK(NetOpHasWeights(d.op) == d.has_weights);
    CHECK(NetOpMovesDataOnly(d.op) == d.moves_data_only);
  }
  CHECK(names.size() == ops.size());
  CHECK(std::string(NetOpChoices()).find("global_avg_pool") != std::string::npos);
}

TEST_CASE("the registry's GEMMs and post-unit work on a small network") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [2, 4, 8, 8]}]
layers:
  - {name: c, op: conv2d, input: x, out_channels: 6, kernel: 3, padding: 1, groups: 2}
  - {name: d, op: depthwise_conv2d, input: c, kernel: 3, padding: 1, multiplier: 2}
  - {name: m, op: max_pool, input: d, kernel: 2, stride: 2}
  - {name: a, op: avg_pool, input: m, kernel: 2, stride: 2}
  - {name: g, op: global_avg_pool, input: a}
  - {name: f, op: flatten, input: g}
  - {name: fc, op: fully_connected, input: f, out_features: 3}
precision: {weights: {bits: 8}, activations: {bits: 8}}
)",
                                       "t.yaml");
  auto gemm = [&](const char* name) {
    const NetLayer& l = *net.FindLayer(name);
    return OpOf(l.op).gemm(l, net);
  };
  auto post = [&](const char* name) {
    const NetLayer& l = *net.FindLayer(name);
    return OpOf(l.op).post_events(l, net);
  };
  // conv: 2 groups of M = 2 * 8 * 8 pixels, K = 4 / 2 * 3 * 3 taps, N = 6 / 2 channels.
  const GemmDims c = gemm("c");
  CHECK((c.count == 2 && c.m == 128 && c.k == 18 && c.n == 3));
  // depthwise, multiplier 2: one group per input channel (6), K = 9, N = 2.
  const GemmDims d = gemm("d");
  CHECK((d.count == 6 && d.m == 128 && d.k == 9 && d.n == 2));
  const GemmDims fc = gemm("fc");
  CHECK((fc.count == 1 && fc.m == 2 && fc.k == 12 && fc.n == 3));
  CHECK(post("c").multiplies == 1);
  CHECK(post("c").adds == 2);
  CHECK(post("m").compares == 3);           // 2 x 2 window: 3 compares
  CHECK(post("a").adds == 4);               // 2 x 2 window summed
  CHECK(post("g").adds == 4);  // the 2 x 2 plane the pools leave
  CHECK(post("f").adds + post("f").multiplies + post("f").compares == 0);
}

TEST_CASE("a GEMM's B precision is its weights' or its second input's") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [4, 6]}, {name: y, shape: [6, 5]}]
layers:
  - {name: fc, op: fully_connected, input: x, out_features: 3,
     precision: {weights: {bits: 4}}}
  - {name: q, op: relu, input: y, precision: {activations: {bits: 6}}}
  - {name: mm, op: matmul, inputs: [x, q]}
  - {name: r, op: relu, input: mm}
precision: {weights: {bits: 8}, activations: {bits: 8}}
)",
                                       "t.yaml");
  const NetLayer& fc = *net.FindLayer("fc");
  const NetLayer& mm = *net.FindLayer("mm");
  CHECK(GemmBPrecision(fc, net).bits == 4);  // the layer's weight override
  CHECK(GemmBPrecision(mm, net).bits == 6);  // q's activations, not the policy's weights
  CHECK(&GemmBPrecision(mm, net) == &net.tensor_precision.at("q"));
  CHECK(AccumulatesProducts(NetOp::kMatMul));
  CHECK_FALSE(AccumulatesProducts(NetOp::kRelu));
  CHECK_FALSE(GemmBIsInput(NetOp::kFullyConnected));
}

TEST_CASE("matmul's transpose_b reads B [..., N, K] as a transpose followed by matmul does") {
  const char* text = R"(version: 1
name: t
inputs: [{name: x, shape: [2, 3, 8]}, {name: y, shape: [2, 5, 8]}]
layers:
  - {name: q, op: relu, input: x}
  - {name: k, op: relu, input: y}
  - {name: kt, op: transpose, input: k, perm: [0, 2, 1]}
  - {name: s, op: matmul, inputs: [q, kt]}
  - {name: s_nt, op: matmul, inputs: [q, k], transpose_b: true}
)";
  const NetworkSpec net = ParseNetwork(text, "t.yaml");
  const NetLayer& s = *net.FindLayer("s");
  const NetLayer& nt = *net.FindLayer("s_nt");
  CHECK(nt.transpose_b);
  CHECK_FALSE(s.transpose_b);
  CHECK(net.ShapeOf("s_nt") == Shape{2, 3, 5});
  CHECK(nt.macs == s.macs);
  CHECK(nt.macs == 2 * 3 * 5 * 8);
  // Written only when set, and read back.
  const std::string yaml = NetworkToYaml(net);
  CHECK(yaml.find("transpose_b: true") != std::string::npos);
  CHECK(yaml.find("transpose_b: false") == std::string::npos);
  CHECK(ParseNetwork(yaml, "back.yaml").FindLayer("s_nt")->transpose_b);
  // B's last axis must then be A's K.
  std::string bad = text;
  bad.replace(bad.find("shape: [2, 5, 8]"), 16, "shape: [2, 8, 5]");
  CHECK_THROWS_WITH(ParseNetwork(bad, "bad.yaml"), Catch::Contains("layers[4:s_nt].inputs") &&
                                                       Catch::Contains("inner dimensions differ"));

  // The float reference and the golden run give both layers the same values.
  const FloatNetParams params = MakeFloatParams(net, 3);
  const auto inputs = MakeInputs(net, 3, 0);
  const auto f = RunFloatNetwork(net, params, inputs);
  CHECK(f.at("s_nt").data == f.at("s").data);
  const QuantizedNetwork qnet = QuantizePostTraining(net, params, 3, 2);
  const QuantizedRun run = RunQuantizedNetwork(qnet, inputs);
  CHECK(run.tensors.at("s_nt").data == run.tensors.at("s").data);
  int64_t nonzero = 0;
  for (const int32_t v : run.tensors.at("s_nt").data) {
    nonzero += v != 0 ? 1 : 0;
  }
  CHECK(nonzero > 10);
}
