// QONNX Trunc, ONNX Runtime's com.microsoft QGemm and QLinearMatMul of two computed tensors:
// the models of workloads/onnx/make_qonnx_trunc_model.py, make_qgemm_model.py and
// make_qlinear_matmul2_model.py run through the importer and the golden integer pipeline give,
// on every element, the integers those scripts compute with numpy from the ops' documented
// formulas.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/onnx/tensor_proto.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using onnx_test::DataPath;

// The golden run of `q` on the float input in <input_npy> gives the integers of <output_npy> in
// `tensor` (default: the network output), every element.
void ExpectOutput(const QuantizedNetwork& q, const std::string& input_npy,
                  const std::string& output_npy, const std::string& tensor = "") {
  const NpyArray x = ReadNpy(DataPath(input_npy));
  const QuantizedRun run =
      RunQuantizedNetwork(q, {{q.net.inputs.at(0).name, FloatTensor(x.shape, x.floats)}});
  const IntTensor& got = run.tensors.at(tensor.empty() ? q.net.output : tensor);
  const NpyArray want = ReadNpy(DataPath(output_npy));
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < got.size(); ++i) {
    INFO(output_npy << " element " << i);
    CHECK(got[i] == want.ints[static_cast<size_t>(i)]);
  }
}

// floor(q / 2^k) and ceil(q / 2^k) by integer arithmetic alone.
int64_t FloorShift(int64_t q, int k) { return q >= 0 ? q >> k : -((-q + (1 << k) - 1) >> k); }
int64_t CeilShift(int64_t q, int k) { return -FloorShift(-q, k); }
// round_half_even(q / 2^k) in integers: floor, plus one above the half or at an odd half.
int64_t RoundShift(int64_t q, int k) {
  if (k == 0) {
    return q;
  }
  const int64_t f = FloorShift(q, k), rest = q - f * (int64_t{1} << k),
                half = int64_t{1} << (k - 1);
  return rest > half || (rest == half && (f & 1) != 0) ? f + 1 : f;
}

}  // namespace

TEST_CASE("QONNX Trunc (version 1) after average pools: FLOOR and CEIL shifts, bit for bit") {
  // Quant int8 -> AveragePool -> Trunc 8 -> 6 FLOOR -> GlobalAveragePool -> Trunc 6 -> 4 CEIL.
  const NetworkSpec net = ImportOnnx(DataPath("qonnx_trunc_v1.onnx"));
  REQUIRE(net.layers.size() == 4);
  CHECK(net.layers[1].op == NetOp::kAffine);
  CHECK(net.layers[3].op == NetOp::kAffine);
  CHECK(net.fixed_params.at(net.layers[1].name).type == IntType::Signed(6));
  CHECK(net.fixed_params.at(net.layers[3].name).type == IntType::Signed(4));
  CHECK(net.fixed_params.at(net.layers[3].name).scales == std::vector<float>{1.0f / 16});
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  ExpectOutput(q, "qonnx_trunc.input.npy", "qonnx_trunc_v1.output_int.npy");
  ExpectOutput(q, "qonnx_trunc.input.npy", "qonnx_trunc_v1.t1_int.npy", "t1");
  // The first Trunc with ROUND (half to even; the scales are powers of two).
  auto m = onnx_io::LoadModel(DataPath("qonnx_trunc_v1.onnx"));
  for (auto& a : *m.mutable_graph()->mutable_node(2)->mutable_attribute()) {
    if (a.name() == "rounding_mode") {
      a.set_s("ROUND");
    }
  }
  const NetworkSpec round = ImportOnnx(onnx_test::WriteTemp("trunc_round_ok.onnx", m));
  const QuantizedNetwork qr = QuantizePostTraining(round, MakeFloatParams(round, 1), 5, 2);
  ExpectOutput(qr, "qonnx_trunc.input.npy", "qonnx_trunc_v1.t1_round_int.npy", "t1");
}

TEST_CASE("QONNX Trunc (version 2) with out_scale, unsigned, CEIL and clamped, bit for bit") {
  // Quant uint8 -> AveragePool -> Trunc to 4 bits with out_scale 8 scale, CEIL.
  const NetworkSpec net = ImportOnnx(DataPath("qonnx_trunc_v2.onnx"));
  REQUIRE(net.layers.size() == 2);
  const QuantParams& p = net.fixed_params.at(net.layers[1].name);
  CHECK(p.type == IntType::Unsigned(4));
  CHECK(p.scales == std::vector<float>{0.25f});
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  ExpectOutput(q, "qonnx_trunc.input.npy", "qonnx_trunc_v2.output_int.npy");
}

TEST_CASE("Trunc's affine layer is the integer shift with FLOOR, CEIL or ROUND for every int16") {
  // The importer's affine (alpha = s_out / (s_in 2^k), beta = -/+ (1/2 - 2^-(k+1)) s_out) run
  // as dequantize, op, quantize half to even, against floor, ceil or round half to even of
  // q / 2^k in integers, for
  // every int16 q, every shift 0..15, and scales that are not powers of two. ROUND (beta = 0,
  // ties to even) is taken with power-of-two scales only (0.0625 and 4 here).
  for (const float s_in : {0.0625f, 0.1f, 0.0137f, 3.7f, 4.0f}) {
    for (int k = 0; k <= 15; ++k) {
      for (const int mode : {0, 1, 2}) {  // FLOOR, CEIL, ROUND
        const bool po2 = s_in == 0.0625f || s_in == 4.0f;
        if (mode == 2 && !po2) {
          continue;
        }
        const bool floor = mode == 0;
        for (const bool v2 : {false, true}) {  // output scale s_in (v1) or s_in 2^k (v2)
          const double shift = static_cast<double>(int64_t{1} << k);
          const double s_out = v2 ? static_cast<double>(s_in) * shift : s_in;
          NetLayer l;
          l.name = "trunc";
          l.op = NetOp::kAffine;
          l.inputs = {"x"};
          l.alpha = s_out / (static_cast<double>(s_in) * shift);
          l.beta = mode == 2 ? 0.0 : (floor ? -1.0 : 1.0) * (0.5 - 0.5 / shift) * s_out;
          std::map<std::string, QuantParams> params;
          params["x"] = QuantParams{IntType::Signed(16), {s_in}, {0}};
          params["trunc"] = QuantParams{IntType::Signed(17), {static_cast<float>(s_out)}, {0}};
          IntTensor x({1, 65536});
          for (int64_t i = 0; i < x.size(); ++i) {
            x[i] = static_cast<int32_t>(i - 32768);
          }
          const IntTensor y = RunDequantized(l, params, {{"x", x}}, RoundingMode::kOnnx);
          int wrong = 0;
          for (int64_t i = 0; i < x.size(); ++i) {
            const int64_t want = mode == 0   ? FloorShift(x[i], k)
                                 : mode == 1 ? CeilShift(x[i], k)
                                             : RoundShift(x[i], k);
            wrong += y[i] != want;
          }
          INFO("s_in " << s_in << ", k " << k << ", mode " << mode << (v2 ? ", v2" : ", v1"));
          CHECK(wrong == 0);
        }
      }
    }
  }
}

TEST_CASE("com.microsoft QGemm (transB, per-column scales, int32 C, alpha) runs bit for bit") {
  // make_qgemm_model.py: QuantizeLinear, QGemm (transB = 1, b_scale per column, C, alpha 0.5),
  // QGemm (transB = 0, one b_scale, no C), DequantizeLinear.
  const NetworkSpec net = ImportOnnx(DataPath("qgemm.onnx"));
  REQUIRE(net.layers.size() == 2);
  CHECK(net.layers[0].op == NetOp::kFullyConnected);
  CHECK(net.layers[0].bias);
  CHECK_FALSE(net.layers[1].bias);
  CHECK(net.fixed_params.at("fc1").type == IntType::Unsigned(8));
  CHECK(net.fixed_params.at("fc2").zero_points == std::vector<int32_t>{-3});
  CHECK(net.fixed_weight_params.at("fc1").scales.size() == 8);
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  // The weights are the file's integers, [out, in] (B itself for transB = 1), every element.
  const IntTensor& w1 = q.layers.at(0).weights;
  const auto m = onnx_io::LoadModel(DataPath("qgemm.onnx"));
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == "b1") {
      REQUIRE(w1.size() == 128);
      for (int64_t i = 0; i < 128; ++i) {
        INFO("fc1 weight " << i);
        CHECK(w1[i] == static_cast<int8_t>(t.raw_data()[static_cast<size_t>(i)]));
      }
    }
  }
  const NpyArray x = ReadNpy(DataPath("qgemm.input.npy"));
  const QuantizedRun run = RunQuantizedNetwork(q, {{"input", FloatTensor(x.shape, x.floats)}});
  for (const auto& [tensor, npy] : {std::pair<std::string, std::string>{"fc1", "qgemm.fc1_int.npy"},
                                    {"fc2", "qgemm.output_int.npy"}}) {
    const IntTensor& got = run.tensors.at(tensor);
    const NpyArray want = ReadNpy(DataPath(npy));
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < got.size(); ++i) {
      INFO(npy << " element " << i);
      CHECK(got[i] == want.ints[static_cast<size_t>(i)]);
    }
  }
}

TEST_CASE("QLinearMatMul of two computed tensors is a matmul with the file's parameters") {
  // make_qlinear_matmul2_model.py: a and b from QLinearMatMul by constants (uint8 and int8 with
  // a zero point of -5), then QLinearMatMul(a, b).
  const NetworkSpec net = ImportOnnx(DataPath("qlinear_matmul2.onnx"));
  const NetLayer* ab = net.FindLayer("ab");
  REQUIRE(ab != nullptr);
  CHECK(ab->op == NetOp::kMatMul);
  CHECK(net.fixed_params.at("ab").zero_points == std::vector<int32_t>{3});
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 5, 2);
  ExpectOutput(q, "qlinear_matmul2.input.npy", "qlinear_matmul2.output_int.npy", "ab");
}

}  // namespace quasar::models
