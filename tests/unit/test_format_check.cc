// `quasar verify` on networks in a number format (sim/cycle/format_check.h): each layer's GEMMs,
// encoded from an emulated run, through the golden kernels and the C++ array. The operands must
// be the emulated run's values (real layer data, checked against the stored tensors and the
// layer's float output), every element must agree, and a fault in the array must be found and
// located.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "quasar/models/fidelity.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/models/small_float.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/format_check.h"
#include "quasar/sim/cycle/format_network.h"

namespace quasar::test {
namespace {

using models::FloatTensor;
using models::NetworkSpec;
using sim::cycle::FormatCheckJob;
using sim::cycle::FormatCheckResult;

NetworkSpec WithBits(NetworkSpec n, const std::string& bits) {
  const auto [w, a] = models::ParseBitsShorthand(bits);
  w.ApplyTo(&n.policy.weights);
  a.ApplyTo(&n.policy.activations);
  return models::ResolvePrecision(std::move(n));
}

NetworkSpec Lenet(const std::string& bits) {
  return WithBits(
      models::LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/lenet5.yaml"),
      bits);
}

// tests/data/formats/<file>: grouped, depthwise and strided convolutions with padding and average
// pools; batched matmuls with a broadcast B and transpose_b.
NetworkSpec TestNet(const std::string& file, const std::string& bits) {
  return WithBits(
      models::LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/tests/data/formats/" + file), bits);
}

bool SameBits(const FloatTensor& a, const FloatTensor& b) {
  return a.shape == b.shape &&
         std::memcmp(a.data.data(), b.data.data(), sizeof(float) * a.data.size()) == 0;
}

NetworkSpec SmallLlamaDecode(const std::string& bits) {
  models::DecoderBlockConfig c;
  c.family = models::DecoderFamily::kLlama;
  c.phase = models::DecoderPhase::kDecode;
  c.context = 16;
  c.dims = models::DefaultDecoderDims(c.family);
  c.dims.hidden = 64, c.dims.heads = 4, c.dims.kv_heads = 2, c.dims.ffn = 128;
  return WithBits(models::DecoderBlock(c), bits);
}

// An emulated run of `net` and what the check needs of it.
struct Emulated {
  NetworkSpec net;
  models::FloatNetParams params;
  models::EmulatedNetwork e;
  std::map<std::string, FloatTensor> inputs, tensors;
  explicit Emulated(NetworkSpec n)
      : net(std::move(n)),
        params(models::MakeFloatParams(net, 1)),
        e(models::EmulateQuantization(net, params, models::PostTrainingCalibration(net, 1, 4))),
        inputs(models::MakeInputs(net, 1, 0)),
        tensors(models::RunEmulatedNetwork(net, e, inputs)) {}
  FormatCheckJob Job() const {
    FormatCheckJob j;
    j.net = &net;
    j.params = &params;
    j.emulated = &e;
    j.inputs = &inputs;
    j.fp8_acc = {64, models::OverflowMode::kWrap};
    return j;
  }
};

sim::cycle::PeConfig Ws4x4() {
  sim::cycle::PeConfig c;
  c.dataflow = models::Dataflow::kWeightStationary;
  c.rows = c.cols = 4;
  return c;
}

// The check of `run` on a 4 x 4 weight-stationary C++ array.
FormatCheckResult OnCppArray(const Emulated& run) {
  sim::cycle::CppArray array;
  return CheckFormatNetwork(array, Ws4x4(), {}, run.Job());
}

// The C++ array with one fault: the `at`-th positive partial sum leaving the south edge has bit
// `bit` (above its magnitude) set, so the error survives the ReLUs after it.
class FaultyArray : public sim::cycle::ArrayIf {
 public:
  FaultyArray(int64_t at, int bit) : at_(at), bit_(bit) {}
  void Configure(const sim::cycle::PeConfig& c) override {
    cols_ = c.cols;
    array_.Configure(c);
  }
  void Cycle(const sim::cycle::EdgeIn& in, int64_t* south) override {
    array_.Cycle(in, south);
    for (int64_t c = 0; c < cols_ && !done_; ++c) {
      if (south[c] > 0 && seen_++ == at_) {
        south[c] ^= int64_t{1} << bit_;
        done_ = true;
      }
    }
  }
  int64_t overflow_events() const override { return array_.overflow_events(); }
  int64_t Psum(int64_t r, int64_t c) const override { return array_.Psum(r, c); }
  std::string Name() const override { return "faulty"; }

 private:
  sim::cycle::CppArray array_;
  int64_t at_ = 0, seen_ = 0, cols_ = 0;
  int bit_ = 0;
  bool done_ = false;
};

}  // namespace

TEST_CASE("Format check: LeNet-5 in every kernel is bit-exact on the C++ array, every element",
          "[format_check]") {
  for (const char* bits : {"mxfp4", "mxint8", "mxfp6", "fp8", "w4a8g32", "w4a16g128"}) {
    INFO(bits);
    const Emulated run(Lenet(bits));
    const FormatCheckResult r = OnCppArray(run);
    CHECK(r.Failure().empty());
    CHECK(r.skipped.empty());
    CHECK(r.other_layers == 3);  // the pools and the flatten
    REQUIRE(r.layers.size() == 5);
    for (const auto& l : r.layers) {
      CHECK(l.mismatches == 0);
      CHECK(l.elements == l.gemms * l.m * l.n);
      CHECK(l.cycles > 0);
      CHECK(l.overflow_events == 0);  // a 64-bit FP8 register; exact block and group sums
    }
    // Every output of every GEMM layer: the elements are the layers' output sizes.
    int64_t outputs = 0;
    for (const auto& l : r.layers) {
      int64_t size = 1;
      for (const int64_t d : run.net.ShapeOf(l.layer)) {
        size *= d;
      }
      outputs += size;
    }
    CHECK(r.Elements() == outputs);
    CHECK(r.output == "output");
    CHECK(r.output_elements == 10);
    CHECK(r.output_mismatches == 0);
  }
}

TEST_CASE("Format check: without MX the golden run is the emulation but for float32's sums",
          "[format_check]") {
  // Each tensor is put on its grid where it is produced, in both runs, so their difference is
  // that of exact against float32 sums, seen only where it moves a value across a rounding
  // boundary of the grid. A wrong gather, scatter, bias or scale in the golden run's operands
  // would not be: it moves whole values, in every layer after it.
  struct Case {
    NetworkSpec net;
    const char* what;
  };
  std::vector<Case> cases;
  for (const char* bits : {"fp8", "w4a8g32"}) {
    cases.push_back({Lenet(bits), bits});
    cases.push_back({TestNet("grouped_convs.yaml", bits), bits});
  }
  cases.push_back({TestNet("matmuls.yaml", "fp8"), "fp8"});
  for (const Case& c : cases) {
    INFO(c.net.name << " " << c.what);
    const Emulated run(c.net);
    const auto golden =
        sim::cycle::RunGoldenFormatNetwork(run.net, run.params, run.e, run.inputs, {64});
    for (const models::NetLayer& l : run.net.layers) {
      INFO(l.name);
      CHECK(SameBits(golden.at(l.name), run.tensors.at(l.name)));
    }
    // And the array: bit-exact, every GEMM layer checked (the matmuls of two activations too).
    const FormatCheckResult r = OnCppArray(run);
    CHECK(r.Failure().empty());
    CHECK(r.skipped.empty());
    CHECK(r.output_mismatches == 0);
  }
  // W4A16's fp16 grid is fine enough that float32 sums cross its boundaries: a few elements
  // differ, the output keeps 60 dB.
  const Emulated w4a16(Lenet("w4a16g128"));
  const auto golden =
      sim::cycle::RunGoldenFormatNetwork(w4a16.net, w4a16.params, w4a16.e, w4a16.inputs, {64});
  CHECK(models::SqnrDb(w4a16.tensors.at("output"), golden.at("output")) > 60);
}

TEST_CASE("Format check: with MX the golden run blocks a convolution's input along its im2col K",
          "[format_check]") {
  // The emulation blocks it along the channels at each pixel, so LeNet-5 differs by tens of dB,
  // not by float32's sums; a matmul's operands are blocked alike in both, and differ by the sums
  // only.
  const Emulated lenet(Lenet("mxint8"));
  const auto golden =
      sim::cycle::RunGoldenFormatNetwork(lenet.net, lenet.params, lenet.e, lenet.inputs, {64});
  const double db = models::SqnrDb(lenet.tensors.at("output"), golden.at("output"));
  CHECK(db > 25);
  CHECK(db < 60);
  const Emulated mm(TestNet("matmuls.yaml", "mxint8"));
  const auto mm_golden =
      sim::cycle::RunGoldenFormatNetwork(mm.net, mm.params, mm.e, mm.inputs, {64});
  CHECK(models::SqnrDb(mm.tensors.at("out"), mm_golden.at("out")) > 100);
  // Deterministic: a second run gives the same bits.
  CHECK(SameBits(golden.at("output"), sim::cycle::RunGoldenFormatNetwork(
                                          lenet.net, lenet.params, lenet.e, lenet.inputs, {64})
                                          .at("output")));
}

TEST_CASE("Format check: the operands are the emulated run's values", "[format_check]") {
  SECTION("FP8: A's codes times the tensor's scale are the stored input, every element") {
    const Emulated run(Lenet("fp8"));
    const models::NetLayer& f6 = *run.net.FindLayer("f6");
    const auto made = sim::cycle::MakeFormatLayer(run.net, f6, run.params, run.e, run.tensors);
    REQUIRE(made.layer);
    REQUIRE(made.layer->kernel == sim::cycle::FormatKernel::kSmallFloat);
    const auto& g = made.layer->gemms.at(0);
    const FloatTensor& x = run.tensors.at(f6.inputs[0]);
    std::string owner = f6.inputs[0];  // through the flatten, to the tensor with the scale
    while (run.e.tensors.count(owner) == 0) {
      owner = run.net.FindLayer(owner)->inputs.at(0);
    }
    const float scale = run.e.tensors.at(owner).scale;
    REQUIRE(static_cast<int64_t>(g.a_codes.size()) == x.size());
    for (int64_t i = 0; i < x.size(); ++i) {
      REQUIRE(models::DequantizeSmallFloat(*made.layer->small_float,
                                           g.a_codes[static_cast<size_t>(i)], scale) == x[i]);
    }
  }
  SECTION("W4A8: A's codes on the calibrated grid are the stored input") {
    const Emulated run(Lenet("w4a8g32"));
    const models::NetLayer& f6 = *run.net.FindLayer("f6");
    const auto made = sim::cycle::MakeFormatLayer(run.net, f6, run.params, run.e, run.tensors);
    REQUIRE(made.layer);
    const auto& g = made.layer->gemms.at(0);
    const FloatTensor& x = run.tensors.at(f6.inputs[0]);
    for (int64_t i = 0; i < x.size(); ++i) {
      const float v = static_cast<float>(g.a_int8[static_cast<size_t>(i)] - g.a_zero) * g.a_scale;
      REQUIRE(std::fabs(v - x[i]) <= 1e-6f * std::max(1.0f, std::fabs(x[i])));
    }
  }
  SECTION(
      "W4A8, a convolution: the golden kernel's output plus the bias, through the ReLU, "
      "is the emulated output within half a step of its grid (and float32 sums)") {
    // A wrong im2col gather (a tap, a row, a column) would miss by whole values. c1 reads the
    // network input directly.
    const Emulated run(Lenet("w4a8g32"));
    const models::NetLayer& c1 = *run.net.FindLayer("c1");
    const auto made = sim::cycle::MakeFormatLayer(run.net, c1, run.params, run.e, run.tensors);
    REQUIRE(made.layer);
    REQUIRE(made.layer->kernel == sim::cycle::FormatKernel::kGroupInt8);
    const auto& g = made.layer->gemms.at(0);
    int64_t events = 0;
    const std::vector<float> y = GoldenFormatGemm(*made.layer, g, {64}, &events);
    const models::QuantParams& out = run.e.tensors.at("c1").params;
    const bool is_unsigned = out.type.kind == models::IntKind::kUnsigned;
    const float step = out.scale(0);
    const float lo = static_cast<float>((is_unsigned ? 0 : -128) - out.zero_point(0)) * step;
    const float hi = static_cast<float>((is_unsigned ? 255 : 127) - out.zero_point(0)) * step;
    const FloatTensor& want = run.tensors.at("c1");  // [1, 6, 28, 28]; y is [784, 6]
    const std::vector<float>& bias = run.params.at("c1").bias;
    for (int64_t m = 0; m < g.m; ++m) {
      for (int64_t n = 0; n < g.n; ++n) {
        const float got = std::clamp(
            std::max(0.0f, y[static_cast<size_t>(m * g.n + n)] + bias[static_cast<size_t>(n)]), lo,
            hi);
        REQUIRE(std::fabs(got - want[n * g.m + m]) <=
                0.55f * step);  // half a step, and float32 sums
      }
    }
  }
  SECTION(
      "MX and W4A16: the golden kernel's output plus the bias, through the ReLU, is the "
      "emulated layer's output within float32 summation error") {
    for (const char* bits : {"mxfp6", "w4a16g128"}) {
      INFO(bits);
      const Emulated run(Lenet(bits));
      const models::NetLayer& f6 = *run.net.FindLayer("f6");
      const auto made = sim::cycle::MakeFormatLayer(run.net, f6, run.params, run.e, run.tensors);
      REQUIRE(made.layer);
      int64_t events = 0;
      const std::vector<float> y =
          GoldenFormatGemm(*made.layer, made.layer->gemms.at(0), {64}, &events);
      // f6's output is stored as computed in MX (blocked where read) and rounded to fp16 in
      // W4A16.
      const FloatTensor& want = run.tensors.at("f6");
      const std::vector<float>& bias = run.params.at("f6").bias;
      REQUIRE(static_cast<int64_t>(y.size()) == want.size());
      float peak = 0;
      for (int64_t i = 0; i < want.size(); ++i) {
        peak = std::max(peak, std::fabs(want[i]));
      }
      REQUIRE(peak > 0);
      for (int64_t i = 0; i < want.size(); ++i) {
        const float got = std::max(0.0f, y[static_cast<size_t>(i)] + bias[static_cast<size_t>(i)]);
        REQUIRE(std::fabs(got - want[i]) <= 2e-3f * peak);
      }
    }
  }
}

TEST_CASE(
    "Format check: a Llama decode block's projections and attention in MX, FP8, W4A8 and W4A16; "
    "a 16-bit integer KV cache beside W4A8 names the matmuls of two activations",
    "[format_check]") {
  // W4A8's matmuls of two int8 activations run as the W4A8 kernel with the second as one group,
  // W4A16's of two fp16 ones as the small-float kernel on binary16 with exact sums.
  for (const char* bits : {"mxfp4", "fp8", "w4a8g128", "w4a16g128"}) {
    INFO(bits);
    const Emulated run(SmallLlamaDecode(bits));
    const FormatCheckResult r = OnCppArray(run);
    CHECK(r.Failure().empty());
    CHECK(r.skipped.empty());
    CHECK(r.layers.size() == 11);  // 7 projections, 4 attention matmuls (cache and new token)
    CHECK(r.Mismatches() == 0);
  }
  // A 16-bit integer cache (an override of the policy's int8 activations) meets int8 queries.
  models::DecoderBlockConfig c;
  c.family = models::DecoderFamily::kLlama;
  c.phase = models::DecoderPhase::kDecode;
  c.context = 16;
  c.kv_bits = 16;
  c.dims = models::DefaultDecoderDims(c.family);
  c.dims.hidden = 64, c.dims.heads = 4, c.dims.kv_heads = 2, c.dims.ffn = 128;
  const Emulated kv16(WithBits(models::DecoderBlock(c), "w4a8g128"));
  const FormatCheckResult r = OnCppArray(kv16);
  CHECK(r.Failure().empty());
  CHECK(r.layers.size() == 9);
  REQUIRE(r.skipped.size() == 2);  // the two matmuls that read the cache
  CHECK(r.skipped[0].layer == "self_attn.scores_past");
  CHECK(r.skipped[1].layer == "self_attn.context_past");
  for (const auto& s : r.skipped) {
    CHECK(s.reason.find("two activations (int8 asym minmax x int16 asym minmax) that are neither "
                        "both int8 nor both fp16") != std::string::npos);
  }
}

TEST_CASE(
    "Format check: W4A8's matmuls of two activations: the golden kernel's output is the "
    "emulated matmul's within half a step of its grid",
    "[format_check]") {
  // The second activation enters as one group of 8-bit codes shifted to 0..255 (uint8 codes as
  // they are, int8 ones plus 128): a wrong shift, zero point, scale or gather would miss by whole
  // steps. Unsigned and signed activation grids both.
  for (const bool is_signed : {false, true}) {
    INFO("signed activations: " << is_signed);
    NetworkSpec net = SmallLlamaDecode("w4a8g128");
    net.policy.activations.is_signed = is_signed;
    net.policy.activations.symmetric = false;
    const Emulated run(models::ResolvePrecision(std::move(net)));
    int matmuls = 0;
    for (const models::NetLayer& l : run.net.layers) {
      if (l.op != models::NetOp::kMatMul) {
        continue;
      }
      INFO(l.name);
      const models::QuantParams& second =
          run.e.tensors.at(run.net.QuantParamsOwner(l.inputs.at(1))).params;
      CHECK((second.type.kind == models::IntKind::kUnsigned) == !is_signed);
      const auto made = sim::cycle::MakeFormatLayer(run.net, l, run.params, run.e, run.tensors);
      REQUIRE(made.layer);
      REQUIRE(made.layer->kernel == sim::cycle::FormatKernel::kGroupInt8);
      std::vector<std::vector<float>> ys;
      for (const sim::cycle::FormatGemm& g : made.layer->gemms) {
        CHECK(g.w.Groups() == 1);
        int64_t events = 0;
        ys.push_back(GoldenFormatGemm(*made.layer, g, {64}, &events));
      }
      const FloatTensor got = sim::cycle::FormatLayerOutput(*made.layer, ys);
      const FloatTensor& want = run.tensors.at(l.name);
      REQUIRE(got.shape == want.shape);
      const models::QuantParams& out = run.e.tensors.at(run.net.QuantParamsOwner(l.name)).params;
      const bool is_unsigned = out.type.kind == models::IntKind::kUnsigned;
      const float step = out.scale(0);
      const float lo = static_cast<float>((is_unsigned ? 0 : -128) - out.zero_point(0)) * step;
      const float hi = static_cast<float>((is_unsigned ? 255 : 127) - out.zero_point(0)) * step;
      for (int64_t i = 0; i < want.size(); ++i) {
        REQUIRE(std::fabs(std::clamp(got[i], lo, hi) - want[i]) <= 0.55f * step);
      }
      ++matmuls;
    }
    CHECK(matmuls == 4);
  }
}

TEST_CASE(
    "Format check: W4A16's matmuls of two fp16 activations: the golden kernel's output is the "
    "emulated matmul's within an fp16 step",
    "[format_check]") {
  // The emulation stores each output rounded to fp16, after float32 sums; the kernel rounds the
  // exact sum once. A wrong code, gather or register would miss by far more than a step.
  const Emulated run(SmallLlamaDecode("w4a16g128"));
  int matmuls = 0;
  for (const models::NetLayer& l : run.net.layers) {
    if (l.op != models::NetOp::kMatMul) {
      continue;
    }
    INFO(l.name);
    const auto made = sim::cycle::MakeFormatLayer(run.net, l, run.params, run.e, run.tensors);
    REQUIRE(made.layer);
    REQUIRE(made.layer->kernel == sim::cycle::FormatKernel::kSmallFloat);
    REQUIRE(made.layer->small_float == &models::Fp16Format());
    std::vector<std::vector<float>> ys;
    int64_t events = 0;
    for (const sim::cycle::FormatGemm& g : made.layer->gemms) {
      // A narrow FP8 register is not used: the sums are exact.
      ys.push_back(GoldenFormatGemm(*made.layer, g, {16, models::OverflowMode::kWrap}, &events));
    }
    CHECK(events == 0);
    const FloatTensor got = sim::cycle::FormatLayerOutput(*made.layer, ys);
    const FloatTensor& want = run.tensors.at(l.name);
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      REQUIRE(std::fabs(got[i] - want[i]) <= std::ldexp(std::fabs(want[i]), -9) + 0x1p-24f);
    }
    ++matmuls;
  }
  CHECK(matmuls == 4);
}

TEST_CASE("Format check: a flipped partial-sum bit is found and located", "[format_check]") {
  const Emulated run(Lenet("mxint8"));
  FaultyArray array(100, 19);  // inside the 21-bit register of an MXINT8 block sum
  FormatCheckJob job = run.Job();
  job.layers = {"c3", "f6"};  // --layers: only these
  const FormatCheckResult r = CheckFormatNetwork(array, Ws4x4(), {}, job);
  REQUIRE(r.layers.size() == 2);
  REQUIRE(r.first_mismatch);
  CHECK(r.first_mismatch->layer == "c3");
  CHECK(r.layers[0].mismatches >= 1);
  CHECK(r.layers[1].mismatches == 0);  // the fault fired once, in c3
  uint32_t golden = 0, got = 0;
  std::memcpy(&golden, &r.first_mismatch->golden, sizeof golden);
  std::memcpy(&got, &r.first_mismatch->array, sizeof got);
  CHECK(golden != got);
  CHECK(r.output_mismatches > 0);  // the flipped bit reaches the network output
  CHECK(r.Failure().find("layer c3, GEMM 0, row " + std::to_string(r.first_mismatch->row)) !=
        std::string::npos);
}

}  // namespace quasar::test
