// The rms_norm op (models/src/net/ops/rms_norm.cc): its float kernel on rows worked by hand, on
// constant rows, over several trailing dimensions and on random rows against the formula in
// double; without a scale equal to a scale of ones on every element; its integer semantics,
// dequantize, the op, quantize, on every element; its post-unit work; its keys read and written
// back; and its shape and key errors by name.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>

#include "quasar/models/fidelity.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

const std::string kDir = std::string(QUASAR_SOURCE_DIR) + "/tests/data/constant";

// y scales by g; z has no scale; w's scale is g mapped to exactly 1.0 (0·g + 1).
const char* const kNet = R"(version: 1
name: rms
inputs:
  - {name: x, shape: [2, 3, 6]}
layers:
  - {name: g, op: constant, value_file: scale_6.npy}
  - {name: y, op: rms_norm, inputs: [x, g], axis: -1, epsilon: 0.001}
  - {name: z, op: rms_norm, input: x, axis: 2, epsilon: 0.001}
  - {name: ones, op: affine, input: g, alpha: 0, beta: 1}
  - {name: w, op: rms_norm, inputs: [x, ones], axis: -1, epsilon: 0.001}
)";

std::map<std::string, FloatTensor> Run(const NetworkSpec& net, const FloatTensor& x) {
  return RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}});
}

// x / sqrt(mean(x^2) + eps) of one row, in double.
std::vector<double> Reference(const std::vector<double>& row, double eps) {
  double sq = 0;
  for (double v : row) {
    sq += v * v;
  }
  const double inv = 1.0 / std::sqrt(sq / static_cast<double>(row.size()) + eps);
  std::vector<double> out;
  for (double v : row) {
    out.push_back(v * inv);
  }
  return out;
}

}  // namespace

TEST_CASE("rms_norm divides each row by its root mean square, then scales it") {
  const NetworkSpec net = ParseNetwork(kNet, "rms.yaml", kDir);
  // Row 0 is 1..6: mean square 91/6. Row 1 is all 3: each output 3 / sqrt(9 + eps). Row 2 is
  // zero: the output is zero. Rows 3..5 are -2, 0.5, 100 (constant rows: ±1 as eps vanishes).
  FloatTensor x({2, 3, 6});
  const float rows[6] = {0, 3, 0, -2, 0.5f, 100};
  for (int64_t i = 0; i < x.size(); ++i) {
    x[i] = i < 6 ? static_cast<float>(i + 1) : rows[i / 6];
  }
  const auto t = Run(net, x);
  const FloatTensor &y = t.at("y"), &z = t.at("z");
  const std::vector<float>& g = net.FindLayer("g")->weights_data->data;
  const double inv = 1.0 / std::sqrt(91.0 / 6.0 + 0.001);
  for (size_t j = 0; j < 6; ++j) {
    INFO("element " << j);
    CHECK(z[static_cast<int64_t>(j)] == Approx((static_cast<double>(j) + 1) * inv).epsilon(1e-6));
    CHECK(y[static_cast<int64_t>(j)] ==
          Approx((static_cast<double>(j) + 1) * inv * g[j]).epsilon(1e-6));
  }
  for (int64_t i = 6; i < y.size(); ++i) {
    INFO("element " << i);
    const double c = rows[i / 6];
    const double want = c / std::sqrt(c * c + 0.001);
    CHECK(z[i] == Approx(want).epsilon(1e-6));
    CHECK(y[i] == Approx(want * g[static_cast<size_t>(i % 6)]).epsilon(1e-6));
    if (c == 0) {
      CHECK(z[i] == 0.0f);
    }
  }
}

TEST_CASE("rms_norm without a scale is rms_norm with a scale of ones, on every element") {
  const NetworkSpec net = ParseNetwork(kNet, "rms.yaml", kDir);
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> u(-8.0f, 8.0f);
  FloatTensor x({2, 3, 6});
  for (float& v : x.data) {
    v = u(gen);
  }
  const auto t = Run(net, x);
  for (float v : t.at("ones").data) {
    REQUIRE(v == 1.0f);
  }
  const FloatTensor &z = t.at("z"), &w = t.at("w");
  for (int64_t i = 0; i < z.size(); ++i) {
    INFO("element " << i);
    CHECK(z[i] == w[i]);
    std::vector<double> row;
    const int64_t start = i / 6 * 6;
    for (int64_t j = start; j < start + 6; ++j) {
      row.push_back(x[j]);
    }
    CHECK(z[i] == Approx(Reference(row, 0.001)[static_cast<size_t>(i - start)]).epsilon(1e-5));
  }
}

TEST_CASE("rms_norm from an earlier axis takes the root mean square of the trailing dimensions") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: rms2
inputs:
  - {name: x, shape: [3, 2, 5]}
layers:
  - {name: y, op: rms_norm, input: x, axis: -2, epsilon: 0.5}
)",
                                       "rms2.yaml");
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  FloatTensor x({3, 2, 5});
  for (float& v : x.data) {
    v = u(gen);
  }
  const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at("y");
  for (int64_t o = 0; o < 3; ++o) {
    std::vector<double> row(x.data.begin() + o * 10, x.data.begin() + o * 10 + 10);
    const std::vector<double> want = Reference(row, 0.5);
    for (int64_t j = 0; j < 10; ++j) {
      INFO("row " << o << " element " << j);
      CHECK(y[o * 10 + j] == Approx(want[static_cast<size_t>(j)]).epsilon(1e-5));
    }
  }
}

TEST_CASE("rms_norm's integers are dequantize, the op, quantize, on every element") {
  const NetworkSpec net = ParseNetwork(kNet, "rms.yaml", kDir);
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 4), 4, 3);
  const QuantizedRun run = RunQuantizedNetwork(q, MakeInputs(net, 4, 0));
  for (const char* name : {"y", "z", "w"}) {
    INFO(name);
    const NetLayer& l = *q.net.FindLayer(name);
    std::vector<FloatTensor> deq;
    for (const std::string& t : l.inputs) {
      deq.push_back(DequantizeTensor(run.tensors.at(t), q.tensors.at(t), 1));
    }
    std::vector<const FloatTensor*> in;
    for (const FloatTensor& d : deq) {
      in.push_back(&d);
    }
    const FloatTensor f = OpOf(l.op).run_float(l, in, nullptr);
    const IntTensor want = QuantizeInput(f, q.tensors.at(name), l.precision.rounding);
    const IntTensor& got = run.tensors.at(name);
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      CHECK(got[i] == want[i]);
    }
  }
}

TEST_CASE("rms_norm's post-unit work counts the scale's multiply only when there is a scale") {
  const NetworkSpec net = ParseNetwork(kNet, "rms.yaml", kDir);
  auto post = [&](const char* name) {
    const NetLayer& l = *net.FindLayer(name);
    return OpOf(l.op).post_events(l, net);
  };
  // A square, an add into the sum, the normalizing multiply, [the scale,] the requantization.
  CHECK(post("y").multiplies == 4);
  CHECK(post("y").adds == 3);
  CHECK(post("y").compares == 2);
  CHECK(post("z").multiplies == 3);
  CHECK(post("z").adds == 3);
  CHECK(post("z").compares == 2);
}

TEST_CASE("rms_norm's keys are written back, and bad ones refused by name") {
  const NetworkSpec net = ParseNetwork(kNet, "rms.yaml", kDir);
  const std::string yaml = NetworkToYaml(net);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  CHECK(again.FindLayer("y")->epsilon == 0.001);
  CHECK(again.FindLayer("y")->axis == -1);
  CHECK(again.FindLayer("z")->axis == 2);
  CHECK(again.FindLayer("z")->inputs == std::vector<std::string>{"x"});
  auto fails = [](const std::string& layer, const std::string& text) {
    const std::string doc =
        "version: 1\nname: e\ninputs:\n  - {name: x, shape: [2, 6]}\n"
        "layers:\n  - {name: g, op: constant, value_file: scale_6.npy}\n" +
        layer;
    INFO(layer);
    CHECK_THROWS_WITH(ParseNetwork(doc, "e.yaml", kDir), Contains(text));
  };
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: -1}\n", "layers[1:y].epsilon");
  fails("  - {name: y, op: rms_norm, input: x, epsilon: 0.1}\n", "layers[1:y].axis");
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: -1, epsilon: 0}\n",
        "layers[1:y].epsilon: must be > 0, got 0");
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: -1, epsilon: -1}\n",
        "epsilon: must be > 0");
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: 0, epsilon: 0.1}\n",
        "layers[1:y].inputs: the scale [6] must have the normalized shape [2, 6]");
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: 2, epsilon: 0.1}\n",
        "layers[1:y].axis: must be in -2..1");
  fails("  - {name: y, op: rms_norm, inputs: [x, g, g], axis: -1, epsilon: 0.1}\n",
        "layers[1:y].inputs: rms_norm reads x and an optional scale (1 or 2 tensors), got 3");
  fails("  - {name: y, op: rms_norm, inputs: [x, g], axis: -1, epsilon: 0.1, alpha: 1}\n", "alpha");
}
