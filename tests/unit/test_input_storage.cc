// Network inputs stored in a number format (models/net/input_storage.h): the stored values are
// the format's quantize-dequantize (FP8 with the tensor's own per-tensor scale, MX blocks of 32
// along the axis the reading GEMM reduces over), the golden run quantizes those and not the float
// input, and the layers reading a stored input price its bytes in the format while their MACs
// keep its precision.

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/input_storage.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/small_float.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar;
using namespace quasar::models;

namespace {

const char* const kNet = R"(version: 1
name: stored
inputs:
  - {name: q, shape: [2, 4, 64]}
  - {name: cache, shape: [2, 64, 40], storage: STORAGE}
layers:
  - {name: scores, op: matmul, inputs: [q, cache]}
)";

NetworkSpec Net(const std::string& storage) {
  std::string text = kNet;
  text.replace(text.find("STORAGE"), 7, storage);
  return ResolvePrecision(ParseNetwork(text, "stored.yaml"));
}

FloatTensor Ramp(const Shape& shape) {
  FloatTensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = std::sin(0.37f * static_cast<float>(i)) * (1.0f + static_cast<float>(i % 7));
  }
  return t;
}

}  // namespace

TEST_CASE("stored input values are the format's, with the tensor's own FP8 scale",
          "[input_storage]") {
  const FloatTensor x = Ramp({2, 64, 40});
  const NetworkSpec fp8 = Net("fp8_e4m3");
  const FloatTensor y = StoredInputValues(fp8, *fp8.FindInput("cache"), x, RoundingMode::kTflite);
  double amax = 0;
  for (const float v : x.data) amax = std::max(amax, std::fabs(double{v}));
  const SmallFloatFormat& f = FindSmallFloat("fp8_e4m3");
  const float scale = static_cast<float>(amax / f.max_finite);
  int64_t changed = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    CHECK(y[i] == DequantizeSmallFloat(f, QuantizeSmallFloat(f, x[i], scale, true), scale));
    changed += y[i] != x[i] ? 1 : 0;
  }
  CHECK(changed > x.size() / 2);
  // MX: blocks of 32 along the matmul's K, the cache's axis 1 of 64: for each batch and column,
  // 64 values in two blocks.
  const NetworkSpec mx = Net("mxfp4_e2m1");
  const NetInput& cache = *mx.FindInput("cache");
  CHECK(StorageBlockAxis(mx, cache) == 1);
  const FloatTensor m = StoredInputValues(mx, cache, x, RoundingMode::kTflite);
  std::vector<float> columns;  // [2, 40, 64]
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t n = 0; n < 40; ++n) {
      for (int64_t k = 0; k < 64; ++k) columns.push_back(x[(b * 64 + k) * 40 + n]);
    }
  }
  const std::vector<float> want =
      DequantizeMx(QuantizeMx(FindMxFormat("mxfp4_e2m1"), columns, 2 * 40, 64));
  int64_t differ = 0;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t n = 0; n < 40; ++n) {
      for (int64_t k = 0; k < 64; ++k) {
        CHECK(m[(b * 64 + k) * 40 + n] == want[static_cast<size_t>((b * 40 + n) * 64 + k)]);
      }
    }
  }
  // Blocks along the last axis would have given other values.
  const std::vector<float> rows =
      DequantizeMx(QuantizeMx(FindMxFormat("mxfp4_e2m1"), x.data, 2 * 64, 40));
  for (int64_t i = 0; i < x.size(); ++i) differ += m[i] != rows[static_cast<size_t>(i)] ? 1 : 0;
  CHECK(differ > 0);
  // An input without storage is read as given.
  CHECK(StoredInputValues(fp8, *fp8.FindInput("q"), x, RoundingMode::kTflite).data == x.data);
}

TEST_CASE("a stored input's MX blocks follow its readers' reduction axis", "[input_storage]") {
  // Read as K^T by a matmul with transpose_b: its last axis; by a convolution: its channels.
  const NetworkSpec t = ResolvePrecision(ParseNetwork(R"(version: 1
name: t
inputs:
  - {name: q, shape: [2, 4, 40]}
  - {name: cache, shape: [2, 64, 40], storage: mxfp4}
layers:
  - {name: scores, op: matmul, inputs: [q, cache], transpose_b: true}
)",
                                                      "t.yaml"));
  CHECK(t.FindInput("cache")->storage == QuantCode::kMxfp4E2m1);  // the short name
  CHECK(StorageBlockAxis(t, *t.FindInput("cache")) == 2);
  const NetworkSpec conv = ResolvePrecision(ParseNetwork(R"(version: 1
name: c
inputs:
  - {name: x, shape: [1, 64, 5, 5], storage: mxint8}
layers:
  - {name: c1, op: conv2d, input: x, out_channels: 4, kernel: 3}
)",
                                                         "c.yaml"));
  CHECK(StorageBlockAxis(conv, conv.inputs[0]) == 1);
  // Two readers reducing it along different axes are refused, naming both.
  const NetworkSpec both = ResolvePrecision(ParseNetwork(R"(version: 1
name: b
inputs:
  - {name: q, shape: [2, 4, 64]}
  - {name: p, shape: [2, 4, 40]}
  - {name: cache, shape: [2, 64, 40], storage: mxfp4}
layers:
  - {name: s1, op: matmul, inputs: [q, cache]}
  - {name: s2, op: matmul, inputs: [p, cache], transpose_b: true}
)",
                                                         "b.yaml"));
  CHECK_THROWS_WITH(StorageBlockAxis(both, both.inputs[2]), Catch::Contains("input cache") &&
                                                                Catch::Contains("layer s1") &&
                                                                Catch::Contains("layer s2"));
}

TEST_CASE("the golden run quantizes the stored values of a stored input", "[input_storage]") {
  const NetworkSpec net = Net("mxfp4_e2m1");
  const FloatNetParams params = MakeFloatParams(net, 5);
  const QuantizedNetwork qnet = QuantizePostTraining(net, params, 5, 2);
  const std::map<std::string, FloatTensor> in = {{"q", Ramp({2, 4, 64})},
                                                 {"cache", Ramp({2, 64, 40})}};
  const QuantizedRun run = RunQuantizedNetwork(qnet, in);
  const QuantParams& p = qnet.tensors.at("cache");
  const IntTensor stored = QuantizeInput(
      StoredInputValues(net, *net.FindInput("cache"), in.at("cache"), net.policy.rounding), p,
      net.policy.rounding);
  const IntTensor raw = QuantizeInput(in.at("cache"), p, net.policy.rounding);
  CHECK(run.tensors.at("cache").data == stored.data);
  CHECK(run.tensors.at("cache").data != raw.data);
  CHECK(run.tensors.at("q").data == QuantizeInput(in.at("q"), qnet.tensors.at("q"),
                                                  net.policy.rounding).data);
}

TEST_CASE("a layer reading a stored input prices the format's bytes at its own MAC widths",
          "[input_storage]") {
  const ArchSpec arch = ParseArchSpec(
      "version: 1\nname: t\narray: {rows: 4, cols: 4, dataflow: ws}\nmac: {}\n", "t.yaml");
  std::string plain_text = kNet;
  plain_text.replace(plain_text.find(", storage: STORAGE"), 18, "");
  const NetworkSpec plain = ResolvePrecision(ParseNetwork(plain_text, "p.yaml"));
  const compiler::LayerSchedule a = compiler::PrepareLayer(plain.layers[0], plain, arch);
  const NetworkSpec mx = Net("mxfp4_e2m1");
  const compiler::LayerSchedule b = compiler::PrepareLayer(mx.layers[0], mx, arch);
  CHECK(a.bits.w_bits == 8);
  CHECK(a.bits.w_scale.block == 0);
  CHECK(b.bits.w_bits == 4);
  CHECK(b.bits.w_scale.block == 32);
  CHECK(b.bits.w_scale.bits == 8);
  // The MAC still multiplies the input's precision, 8-bit integers, so the layer runs.
  CHECK(b.bits.mac_w_bits == a.bits.mac_w_bits);
  CHECK(b.ok());
  CHECK(b.pack == a.pack);
  // A's bytes are q's, not stored.
  CHECK(b.bits.a_bits == a.bits.a_bits);
  // FP8 storage: 8 bits, no block scale, the same bytes as int8.
  const NetworkSpec f8 = Net("fp8_e4m3");
  const compiler::LayerSchedule c = compiler::PrepareLayer(f8.layers[0], f8, arch);
  CHECK(c.bits.w_bits == 8);
  CHECK(c.bits.w_scale.block == 0);
}
