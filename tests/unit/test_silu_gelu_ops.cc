// The silu and gelu ops (models/src/net/ops/elementwise.cc): their float kernels against the
// formulas in double and against tabulated values, on hand-picked and random inputs; silu's
// identity silu(x) - silu(-x) = x; gelu's two forms close but not equal; their integer
// semantics, dequantize, the op, quantize, on every element; their post-unit work; gelu's
// `approximate` read and written back; and bad keys refused by name.

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

const char* const kNet = R"(version: 1
name: act
inputs:
  - {name: x, shape: [2, 3, 8]}
layers:
  - {name: s, op: silu, input: x}
  - {name: g, op: gelu, input: x}
  - {name: t, op: gelu, input: x, approximate: tanh}
  - {name: n, op: gelu, input: x, approximate: none}
)";

double SiluRef(double x) { return x / (1 + std::exp(-x)); }
double GeluRef(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double GeluTanhRef(double x) {
  const double pi = std::acos(-1.0);
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715 * x * x * x)));
}

FloatTensor Inputs(unsigned seed) {
  // Hand-picked values first, then random ones in [-6, 6].
  const float picked[] = {-20, -6, -3, -1, -0.5f, -0.125f, 0, 0.125f, 0.5f, 1, 2, 3, 6, 20};
  FloatTensor x({2, 3, 8});
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-6.0f, 6.0f);
  for (int64_t i = 0; i < x.size(); ++i) {
    x[i] = i < 14 ? picked[i] : u(gen);
  }
  return x;
}

}  // namespace

TEST_CASE("silu and gelu compute their formulas, on hand-picked and random values") {
  const NetworkSpec net = ParseNetwork(kNet, "act.yaml");
  const FloatTensor x = Inputs(3);
  const auto t = RunFloatNetwork(net, {}, {{"x", x}});
  const FloatTensor &s = t.at("s"), &g = t.at("g"), &gt = t.at("t"), &n = t.at("n");
  for (int64_t i = 0; i < x.size(); ++i) {
    INFO("x = " << x[i]);
    CHECK(s[i] == Approx(SiluRef(x[i])).epsilon(1e-6).margin(1e-7));
    CHECK(g[i] == Approx(GeluRef(x[i])).epsilon(1e-6).margin(1e-7));
    CHECK(gt[i] == Approx(GeluTanhRef(x[i])).epsilon(1e-6).margin(1e-7));
    CHECK(n[i] == g[i]);  // none is the default
  }
  // Tabulated: Phi(1) = 0.8413447461 (the standard normal distribution function), so
  // gelu(1) = Phi(1) and gelu(-1) = -(1 - Phi(1)); silu(1) = 1 / (1 + 1/e) = 0.7310585786.
  const auto at = [&](const FloatTensor& y, float v) {
    for (int64_t i = 0; i < x.size(); ++i) {
      if (x[i] == v) {
        return y[i];
      }
    }
    FAIL("no input " << v);
    return 0.0f;
  };
  CHECK(at(g, 1) == Approx(0.8413447461).epsilon(1e-7));
  CHECK(at(g, -1) == Approx(-0.1586552539).epsilon(1e-6));
  CHECK(at(s, 1) == Approx(0.7310585786).epsilon(1e-7));
  CHECK(at(g, 0) == 0.0f);
  CHECK(at(s, 0) == 0.0f);
  CHECK(at(gt, 0) == 0.0f);
  CHECK(at(s, 20) == Approx(20).epsilon(1e-7));  // sigmoid(20) = 1 - 2e-9
  CHECK(std::abs(at(s, -20)) < 1e-7f);
  CHECK(at(g, 20) == 20.0f);  // Phi(20) rounds to 1 in float32
  CHECK(at(gt, 20) == 20.0f);
  CHECK(at(g, -20) == 0.0f);
  // The tanh form approximates the erf form to within 5e-4 on these values, but is another
  // function: at x = 1 they differ by 1.5e-4.
  for (int64_t i = 0; i < x.size(); ++i) {
    CHECK(std::abs(gt[i] - g[i]) < 5e-4f);
  }
  CHECK(std::abs(at(gt, 1) - at(g, 1)) > 1e-4f);
}

TEST_CASE("silu(x) - silu(-x) = x") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: odd
inputs:
  - {name: x, shape: [64]}
layers:
  - {name: neg, op: affine, input: x, alpha: -1, beta: 0}
  - {name: a, op: silu, input: x}
  - {name: b, op: silu, input: neg}
)",
                                       "odd.yaml");
  std::mt19937 gen(9);
  std::uniform_real_distribution<float> u(-10.0f, 10.0f);
  FloatTensor x({64});
  for (float& v : x.data) {
    v = u(gen);
  }
  const auto t = RunFloatNetwork(net, {}, {{"x", x}});
  for (int64_t i = 0; i < 64; ++i) {
    INFO("x = " << x[i]);
    CHECK(t.at("a")[i] - t.at("b")[i] == Approx(x[i]).epsilon(1e-6).margin(1e-6));
  }
}

TEST_CASE("silu's and gelu's integers are dequantize, the op, quantize, on every element") {
  const NetworkSpec net = ParseNetwork(kNet, "act.yaml");
  const QuantizedNetwork q = QuantizePostTraining(net, {}, 5, 4);
  const QuantizedRun run = RunQuantizedNetwork(q, MakeInputs(net, 5, 0));
  const FloatTensor deq = DequantizeTensor(run.tensors.at("x"), q.tensors.at("x"), 1);
  for (const NetLayer& l : q.net.layers) {
    INFO(l.name);
    const FloatTensor f = OpOf(l.op).run_float(l, {&deq}, nullptr);
    const IntTensor want = QuantizeInput(f, q.tensors.at(l.name), l.precision.rounding);
    const IntTensor& got = run.tensors.at(l.name);
    REQUIRE(got.shape == want.shape);
    for (int64_t i = 0; i < want.size(); ++i) {
      CHECK(got[i] == want[i]);
    }
    // A table of the input codes, then the requantization.
    const PostEvents e = OpOf(l.op).post_events(l, q.net);
    CHECK((e.multiplies == 1 && e.adds == 2 && e.compares == 2));
  }
}

TEST_CASE("gelu's approximate is written back, and bad keys are refused by name") {
  const NetworkSpec net = ParseNetwork(kNet, "act.yaml");
  const std::string yaml = NetworkToYaml(net);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  CHECK(again.FindLayer("g")->gelu_approximate == GeluApproximation::kNone);
  CHECK(again.FindLayer("t")->gelu_approximate == GeluApproximation::kTanh);
  CHECK(GeluApproximationChoices() == "none, tanh");
  auto fails = [](const std::string& layer, const std::string& text) {
    INFO(layer);
    CHECK_THROWS_WITH(ParseNetwork("version: 1\nname: e\ninputs:\n  - {name: x, shape: [4]}\n"
                                   "layers:\n" +
                                       layer,
                                   "e.yaml"),
                      Contains(text));
  };
  fails("  - {name: g, op: gelu, approximate: exact}\n",
        "layers[0:g].approximate: must be one of none, tanh, got 'exact'");
  fails("  - {name: g, op: gelu, approximate: 1}\n", "layers[0:g].approximate");
  fails("  - {name: s, op: silu, approximate: tanh}\n", "layers[0:s]");
  fails("  - {name: s, op: silu, alpha: 1}\n", "alpha");
}
