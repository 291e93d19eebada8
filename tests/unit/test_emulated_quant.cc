// The quantization emulated in float32 for the number formats and weight groups
// (models/net/emulated_quant.h): each precision's quantize-dequantize against its encoder, the
// block axes, the calibrated scales, the integer codes against the golden run, orderings the
// formats must show, and the refusals.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>

#include "fp16_test_util.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/error.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/small_float.h"

using namespace quasar;
using namespace quasar::models;

namespace {

OperandPrecision Code(QuantCode code, Granularity g = Granularity::kPerTensor) {
  OperandPrecision p;
  p.code = code;
  p.bits = QuantCodeOf(code).fixed_bits;
  p.granularity = g;
  return p;
}

FloatTensor Ramp(Shape shape, float step) {
  FloatTensor t(std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = step * static_cast<float>((i * 37) % 101 - 50);  // both signs, many magnitudes
  }
  return t;
}

// The zoo network with its policy set by the --bits shorthand.
NetworkSpec WithBits(const std::string& file, const std::string& bits) {
  NetworkSpec n = LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/" + file);
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&n.policy.weights);
  a.ApplyTo(&n.policy.activations);
  return ParseNetwork(NetworkToYaml(n), file);
}

double EmulatedSqnr(const NetworkSpec& net, int sample = 0) {
  const FloatNetParams params = MakeFloatParams(net, 1);
  const EmulatedNetwork e = EmulateQuantization(net, params, PostTrainingCalibration(net, 1, 8));
  const auto inputs = MakeInputs(net, 1, sample);
  return SqnrDb(RunFloatNetwork(net, params, inputs).at(net.output),
                RunEmulatedNetwork(net, e, inputs).at(net.output));
}

// The nearest binary16 value, ties to the even code, past 65504 saturated: a search of every
// finite value as fp16_test_util.h decodes it, not the small-float encoder.
float NearestFp16(float x) {
  static const std::vector<float> values = [] {
    std::vector<float> v;
    for (uint16_t c = 0; c < 0x7C00; ++c) {
      v.push_back(test::Fp16Value(c));
    }
    return v;
  }();
  const double a = std::fabs(static_cast<double>(x));
  const size_t hi = std::min<size_t>(
      static_cast<size_t>(std::lower_bound(values.begin(), values.end(), a) - values.begin()),
      values.size() - 1);
  size_t pick = hi;
  if (hi > 0 && a < values[hi]) {
    const double below = a - values[hi - 1], above = values[hi] - a;
    pick = below < above || (below == above && (hi - 1) % 2 == 0) ? hi - 1 : hi;
  }
  return std::copysign(values[pick], x);
}

// A small Llama-style decode block at `bits` (its KV cache at `kv_bits`; 0: the activations').
NetworkSpec SmallLlamaDecode(const std::string& bits, int kv_bits = 0) {
  DecoderBlockConfig c;
  c.kv_bits = kv_bits;
  c.family = DecoderFamily::kLlama;
  c.phase = DecoderPhase::kDecode;
  c.context = 16;
  c.dims = DefaultDecoderDims(c.family);
  c.dims.hidden = 64, c.dims.heads = 4, c.dims.kv_heads = 2, c.dims.ffn = 128;
  NetworkSpec n = DecoderBlock(c);
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&n.policy.weights);
  a.ApplyTo(&n.policy.activations);
  return ResolvePrecision(std::move(n));
}

}  // namespace

TEST_CASE("W4A16: the 16-bit activations beside group weights are fp16, with no grid") {
  const NetworkSpec net = SmallLlamaDecode("w4a16g128");
  const FloatNetParams params = MakeFloatParams(net, 1);
  const EmulatedNetwork e = EmulateQuantization(net, params, PostTrainingCalibration(net, 1, 4));
  REQUIRE(!e.tensors.empty());
  for (const auto& [name, t] : e.tensors) {
    INFO(name);
    CHECK(t.fp16);
  }
  // The emulated run is the float pass on the group-quantized weights with every such tensor
  // (the inputs too) rounded to the nearest fp16 value, bit for bit on every output element.
  for (const int sample : {0, 5, 9}) {
    std::map<std::string, FloatTensor> inputs = MakeInputs(net, 1, sample);
    const FloatTensor got = RunEmulatedNetwork(net, e, inputs).at(net.output);
    auto round_all = [](FloatTensor* x) {
      for (float& v : x->data) {
        v = NearestFp16(v);
      }
    };
    for (auto& [name, x] : inputs) {
      if (e.tensors.count(name) != 0) {
        round_all(&x);
      }
    }
    FloatRunHooks hooks;
    hooks.rewrite = [&](const NetLayer& l, FloatTensor* y) {
      if (e.tensors.count(l.name) != 0) {
        round_all(y);
      }
    };
    const FloatTensor want = RunFloatNetwork(net, e.params, inputs, hooks).at(net.output);
    REQUIRE(got.size() == want.size());
    int64_t differing = 0;
    for (int64_t i = 0; i < got.size(); ++i) {
      differing += got[i] == want[i] ? 0 : 1;
    }
    CHECK(differing == 0);
  }
  // No calibrated grid clips them: with inputs 16 times the calibration set's, on float
  // weights, the activations' rounding alone keeps the output above 55 dB (59.2 measured; a
  // calibrated int16 grid clips it to 0.4 dB).
  EmulatedNetwork float_weights = e;
  float_weights.params = params;
  std::map<std::string, FloatTensor> loud = MakeInputs(net, 1, 7);
  for (auto& [name, x] : loud) {
    for (float& v : x.data) {
      v *= 16;
    }
  }
  CHECK(SqnrDb(RunFloatNetwork(net, params, loud).at(net.output),
               RunEmulatedNetwork(net, float_weights, loud).at(net.output)) > 55);
  // W4A8 keeps its calibrated int8 grid, even for a 16-bit KV cache beside it (--kv-bits 16:
  // the policy's activations are 8-bit); 16-bit activations without group weights are
  // integers (the golden path runs them).
  const NetworkSpec w4a8 = SmallLlamaDecode("w4a8g128", 16);
  int64_t cache16 = 0;
  for (const auto& [name, t] :
       EmulateQuantization(w4a8, MakeFloatParams(w4a8, 1), PostTrainingCalibration(w4a8, 1, 2))
           .tensors) {
    INFO(name);
    CHECK_FALSE(t.fp16);
    cache16 += t.precision.bits == 16 ? 1 : 0;
  }
  CHECK(cache16 == 2);  // past_key, past_value
  const NetworkSpec w16a16 = SmallLlamaDecode("w16a16");
  CHECK_FALSE(IsFp16Activation(w16a16, w16a16.policy.activations));
  CHECK(IsFp16Activation(net, net.policy.activations));
}

TEST_CASE("FP8 weights: per channel, the channel's max |w| maps onto the largest finite value") {
  const FloatTensor w = Ramp({3, 2, 3, 3}, 0.01f);
  const FloatTensor y =
      QuantizeDequantizeWeights(w, Code(QuantCode::kFp8E4m3, Granularity::kPerChannel), 99.99);
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  for (int64_t o = 0; o < 3; ++o) {
    double amax = 0;
    for (int64_t i = 0; i < 18; ++i) {
      amax = std::max(amax, std::fabs(double{w[o * 18 + i]}));
    }
    const float scale = static_cast<float>(amax / f.max_finite);
    for (int64_t i = 0; i < 18; ++i) {
      INFO(o << " " << i);
      const float v = w[o * 18 + i];
      CHECK(y[o * 18 + i] == DequantizeSmallFloat(f, QuantizeSmallFloat(f, v, scale, true), scale));
    }
  }
  // Per tensor: one scale for all.
  const FloatTensor t = QuantizeDequantizeWeights(w, Code(QuantCode::kFp8E5m2), 99.99);
  const SmallFloatFormat& g = FindSmallFloat("fp8_e5m2");
  const float scale = static_cast<float>(0.5 / g.max_finite);  // max |w| = 50 * 0.01
  for (int64_t i = 0; i < w.size(); ++i) {
    CHECK(t[i] == DequantizeSmallFloat(g, QuantizeSmallFloat(g, w[i], scale, true), scale));
  }
}

TEST_CASE("MX weights: blocks of 32 along each output channel's input taps") {
  const FloatTensor w = Ramp({4, 70}, 0.03f);  // K = 70: blocks of 32, 32 and 6
  const FloatTensor y = QuantizeDequantizeWeights(w, Code(QuantCode::kMxfp4E2m1), 99.99);
  const std::vector<float> want =
      DequantizeMx(QuantizeMx(FindMxFormat("mxfp4_e2m1"), w.data, 4, 70));
  REQUIRE(y.size() == static_cast<int64_t>(want.size()));
  for (int64_t i = 0; i < y.size(); ++i) {
    CHECK(y[i] == want[static_cast<size_t>(i)]);
  }
}

TEST_CASE("group-quantized weights: groups along K of each output channel") {
  const FloatTensor w = Ramp({3, 8}, 0.02f);  // [out 3, in 8], groups of 4
  OperandPrecision p;
  p.bits = 4, p.symmetric = false, p.granularity = Granularity::kPerGroup, p.group_size = 4;
  const FloatTensor y = QuantizeDequantizeWeights(w, p, 99.99);
  std::vector<float> wt(24);  // W[K][N]
  for (int o = 0; o < 3; ++o) {
    for (int i = 0; i < 8; ++i) {
      wt[static_cast<size_t>(i * 3 + o)] = w[o * 8 + i];
    }
  }
  const std::vector<float> back =
      DequantizeGroupWeights(QuantizeGroupWeights({4, 4, false}, wt, 8, 3));
  for (int o = 0; o < 3; ++o) {
    for (int i = 0; i < 8; ++i) {
      CHECK(y[o * 8 + i] == back[static_cast<size_t>(i * 3 + o)]);
    }
  }
  // Each group of 4 holds at most 16 levels; a channel's two groups have their own grids.
  std::set<float> g0(y.data.begin(), y.data.begin() + 4);
  CHECK(g0.size() <= 4);
}

TEST_CASE("MX activations no GEMM reads: NCHW blocked along channels, others along the last axis") {
  EmulatedTensor t;
  t.precision = Code(QuantCode::kMxint8);
  // [1, 2, 1, 2]: channel 0 holds 1.0 and 64.0 at two pixels, channel 1 holds 0.0078125 (2^-7).
  // Blocked along C, pixel 0's block is {1, 2^-7} (scale 2^-6: 2^-7 is half a step, rounds to an
  // even 0), pixel 1's {64, 2^-7} (scale 1: 2^-7 -> 0). Blocked along W, {1, 64} and
  // {2^-7, 2^-7} would keep 2^-7.
  FloatTensor x({1, 2, 1, 2}, std::vector<float>{1.0f, 64.0f, 0.0078125f, 0.0078125f});
  const FloatTensor y = QuantizeDequantize(t, x, RoundingMode::kTflite);
  CHECK(y[0] == 1.0f);
  CHECK(y[1] == 64.0f);
  CHECK(y[2] == 0.0f);
  CHECK(y[3] == 0.0f);
  FloatTensor r({2, 2}, std::vector<float>{1.0f, 64.0f, 0.0078125f, 0.0078125f});
  const FloatTensor z = QuantizeDequantize(t, r, RoundingMode::kTflite);
  CHECK(z[2] == 0.0078125f);
  CHECK(z[3] == 0.0078125f);
}

TEST_CASE("MX activations are blocked along each reading GEMM's K; data movement passes them") {
  // y = a · b over K = 64 for 2 heads: a [1, 2, 3, 64] along its last axis (not its axis 1, as a
  // 4-D tensor stored by itself would be), b [1, 2, 64, 5] along axis 2; then bt, b given as
  // [1, 2, 5, 64] and transposed, read by the same GEMM along the same K. The output, read by
  // no layer, is blocked along its axis 1 (4-D).
  const std::string net_text = R"(version: 1
name: mxk
inputs:
  - {name: a, shape: [1, 2, 3, 64]}
  - {name: B, shape: [1, 2, BSHAPE]}
precision:
  activations: {code: mxfp4_e2m1}
layers:
LAYERS)";
  const MxFormat& f = FindMxFormat("mxfp4_e2m1");
  const FloatTensor a = Ramp({1, 2, 3, 64}, 0.013f);
  // a's 6 rows of 64 along K, and b's 10 columns of 64, each gathered into a row and blocked.
  const FloatTensor qa(a.shape, DequantizeMx(QuantizeMx(f, a.data, 6, 64)));
  const FloatTensor b = Ramp({1, 2, 64, 5}, 0.021f);
  std::vector<float> cols(640);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t j = 0; j < 5; ++j) {
      for (int64_t k = 0; k < 64; ++k) {
        cols[static_cast<size_t>((h * 5 + j) * 64 + k)] = b[(h * 64 + k) * 5 + j];
      }
    }
  }
  const std::vector<float> back = DequantizeMx(QuantizeMx(f, cols, 10, 64));
  FloatTensor qb(b.shape), bt({1, 2, 5, 64}, cols);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t j = 0; j < 5; ++j) {
      for (int64_t k = 0; k < 64; ++k) {
        qb[(h * 64 + k) * 5 + j] = back[static_cast<size_t>((h * 5 + j) * 64 + k)];
      }
    }
  }
  auto make = [&](const std::string& b_shape, const std::string& layers) {
    std::string t = net_text;
    t.replace(t.find("BSHAPE"), 6, b_shape);
    t.replace(t.find("LAYERS"), 6, layers);
    return ResolvePrecision(ParseNetwork(t, "mxk.yaml"));
  };
  const NetworkSpec direct = make("64, 5", "  - {name: y, op: matmul, inputs: [a, B]}\n");
  const NetworkSpec moved = make("5, 64",
                                 "  - {name: bt, op: transpose, input: B, perm: [0, 1, 3, 2]}\n"
                                 "  - {name: y, op: matmul, inputs: [a, bt]}\n");
  // The float GEMM on the blocked operands, its output blocked along axis 1: the same kernel, so
  // bit for bit.
  const FloatTensor want =
      MxQuantizeDequantizeAlong(f, RunFloatNetwork(direct, {}, {{"a", qa}, {"B", qb}}).at("y"), 1);
  for (const auto& [net, b_in] :
       {std::pair<const NetworkSpec&, const FloatTensor&>{direct, b}, {moved, bt}}) {
    const std::map<std::string, FloatTensor> in = {{"a", a}, {"B", b_in}};
    const EmulatedNetwork e = EmulateQuantization(net, {}, {in});
    const FloatTensor got = RunEmulatedNetwork(net, e, in).at("y");
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      INFO(net.layers.size() << " layers, element " << i);
      CHECK(got[i] == want[i]);
    }
  }
  // Blocking the operands as stored tensors instead (a along its axis 1, b along its last axis)
  // gives other values, so the checks above tell the two apart.
  const FloatTensor stored = MxQuantizeDequantizeAlong(
      f,
      RunFloatNetwork(
          direct, {},
          {{"a", MxQuantizeDequantizeAlong(f, a, 1)}, {"B", MxQuantizeDequantizeAlong(f, b, 3)}})
          .at("y"),
      1);
  int differ = 0;
  for (int64_t i = 0; i < want.size(); ++i) differ += stored[i] != want[i];
  CHECK(differ > want.size() / 2);
}

TEST_CASE("emulated integer codes agree with the golden run") {
  // The emulation quantizes integer layers as the golden path does; only its sums are float.
  for (const char* bits : {"w8a8", "w4a4"}) {
    INFO(bits);
    const NetworkSpec net = WithBits("lenet5.yaml", bits);
    const FloatNetParams params = MakeFloatParams(net, 1);
    const QuantizedNetwork q = QuantizePostTraining(net, params, 1, 8);
    const auto inputs = MakeInputs(net, 1, 0);
    const auto ref = RunFloatNetwork(net, params, inputs);
    const QuantizedRun run = RunQuantizedNetwork(q, inputs);
    const double golden = SqnrDb(ref.at(net.output), DequantizeTensor(run.tensors.at(net.output),
                                                                      q.tensors.at(net.output), 0));
    const double emulated = EmulatedSqnr(net);
    CHECK(std::fabs(emulated - golden) < 1.5);
  }
}

TEST_CASE("emulated formats: more bits, finer blocks and groups measure better") {
  const double mxint8 = EmulatedSqnr(WithBits("lenet5.yaml", "mxint8"));
  const double mxfp6 = EmulatedSqnr(WithBits("lenet5.yaml", "mxfp6"));
  const double mxfp4 = EmulatedSqnr(WithBits("lenet5.yaml", "mxfp4"));
  const double g32 = EmulatedSqnr(WithBits("lenet5.yaml", "w4a8g32"));
  const double g128 = EmulatedSqnr(WithBits("lenet5.yaml", "w4a8g128"));
  const double fp8 = EmulatedSqnr(WithBits("lenet5.yaml", "fp8"));
  CHECK(mxint8 > mxfp6 + 6);
  CHECK(mxfp6 > mxfp4 + 6);
  CHECK(g32 > g128);
  CHECK(fp8 > mxfp4);
  CHECK(std::isfinite(mxfp4));
  // Deterministic for a seed.
  CHECK(EmulatedSqnr(WithBits("lenet5.yaml", "mxfp4")) == mxfp4);
  CHECK(NeedsEmulation(WithBits("lenet5.yaml", "w4a8g32")));
  CHECK(NeedsEmulation(WithBits("lenet5.yaml", "fp8")));
  CHECK_FALSE(NeedsEmulation(WithBits("lenet5.yaml", "w4a4")));
}

TEST_CASE("the emulation refuses a network that fixes its own quantization") {
  NetworkSpec net = WithBits("lenet5.yaml", "fp8");
  net.fixed_params["c1"] = QuantParams{};
  CHECK_THROWS_WITH(
      EmulateQuantization(net, MakeFloatParams(net, 1), PostTrainingCalibration(net, 1, 1)),
      Catch::Contains("fixes its own quantization"));
  const NetworkSpec ok = WithBits("lenet5.yaml", "fp8");
  CHECK_THROWS_WITH(EmulateQuantization(ok, MakeFloatParams(ok, 1), {}),
                    Catch::Contains("at least one calibration sample"));
}

TEST_CASE("emulated accuracy on the digits CNN: integer codes as the golden run, formats ordered") {
  const Dataset data = LoadDataset("digits", 128);
  auto digits = [](const std::string& bits) {
    NetworkSpec net =
        LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/tests/data/digits/digits_cnn.yaml");
    const auto [w, a] = ParseBitsShorthand(bits);
    w.ApplyTo(&net.policy.weights);
    a.ApplyTo(&net.policy.activations);
    return ResolvePrecision(std::move(net));
  };
  auto emulated = [&](const NetworkSpec& net, int threads) {
    const FloatNetParams params = MakeFloatParams(net, 1);
    const EmulatedNetwork e = EmulateQuantization(net, params, CalibrationInputs(net, data));
    AccuracyOptions o;
    o.threads = threads;
    return EvaluateEmulatedAccuracy(net, e, params, data, o);
  };
  // w8a8: the emulation's predictions are the golden run's on nearly every image.
  const NetworkSpec w8 = digits("w8a8");
  const FloatNetParams params = MakeFloatParams(w8, 1);
  const AccuracyReport golden =
      EvaluateAccuracy(QuantizeNetwork(w8, params, CalibrationInputs(w8, data)), params, data);
  const AccuracyReport emu = emulated(w8, 2);
  REQUIRE(emu.images == golden.images);
  int64_t same = 0;
  for (size_t i = 0; i < emu.int_pred.size(); ++i) {
    same += emu.int_pred[i] == golden.int_pred[i];
  }
  CHECK(same >= golden.images - 3);
  CHECK(emu.float_pred == golden.float_pred);
  CHECK(emu.layers.empty());  // no accumulators in float
  CHECK(emu.overflow_events == 0);
  // The same for any thread count.
  const AccuracyReport mx4 = emulated(digits("mxfp4"), 1);
  const AccuracyReport mx4b = emulated(digits("mxfp4"), 3);
  CHECK(mx4.int_pred == mx4b.int_pred);
  CHECK(mx4.sqnr_db == mx4b.sqnr_db);
  // Fewer bits lose more.
  const AccuracyReport mxi8 = emulated(digits("mxint8"), 2);
  CHECK(mxi8.sqnr_mean_db() > mx4.sqnr_mean_db() + 6);
  CHECK(mxi8.agree_top1 >= mx4.agree_top1);
}

TEST_CASE("An average pool's output is on its input's grid, as the golden pool rounds it") {
  for (const char* bits : {"fp8", "w4a8g32", "w4a16g128"}) {
    INFO(bits);
    const NetworkSpec net = WithBits("lenet5.yaml", bits);
    const FloatNetParams params = MakeFloatParams(net, 1);
    const EmulatedNetwork e = EmulateQuantization(net, params, PostTrainingCalibration(net, 1, 4));
    const auto t = RunEmulatedNetwork(net, e, MakeInputs(net, 1, 0));
    for (const char* pool : {"s2", "s4"}) {  // avg_pool layers, keeping c1's and c3's grids
      INFO(pool);
      const EmulatedTensor& grid = e.tensors.at(net.QuantParamsOwner(pool));
      CHECK(net.QuantParamsOwner(pool) == net.FindLayer(pool)->inputs[0]);
      const FloatTensor& y = t.at(pool);
      const FloatTensor again = QuantizeDequantize(grid, y, e.rounding);
      REQUIRE(again.size() == y.size());
      int64_t off_grid = 0;
      for (int64_t i = 0; i < y.size(); ++i) {
        off_grid += again[i] == y[i] ? 0 : 1;
      }
      CHECK(off_grid == 0);
    }
  }
}
