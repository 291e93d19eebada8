// The softmax op's causal mask (models/src/net/ops/softmax.cc): every output against the masked
// softmax written independently (in double), with a position offset and with rows that repeat
// the query tokens (grouped heads folded into the rows); a plain softmax unchanged by the keys'
// absence; the keys written back only when the mask is on; and the key and shape errors by name.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"

using namespace quasar;
using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

NetworkSpec Parse(const std::string& keys, const std::string& shape) {
  return ParseNetwork("version: 1\nname: sm\ninputs:\n  - {name: x, shape: " + shape +
                          "}\nlayers:\n  - {name: y, op: softmax, input: x, axis: -1" + keys +
                          "}\n",
                      "sm.yaml");
}

FloatTensor Random(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-6.0f, 6.0f);
  FloatTensor x(shape);
  for (float& v : x.data) {
    v = u(gen);
  }
  return x;
}

// Row r of the last two axes sees columns 0..offset + r mod period; softmax over those in
// double, 0 elsewhere.
void CheckMasked(const FloatTensor& x, const FloatTensor& y, int64_t offset, int64_t period) {
  const int64_t n = x.shape.back(), rows = x.shape[x.shape.size() - 2];
  REQUIRE(y.shape == x.shape);
  for (int64_t o = 0; o < x.size() / n; ++o) {
    const int64_t seen = std::min(n, offset + (o % rows) % period + 1);
    double sum = 0;
    for (int64_t j = 0; j < seen; ++j) {
      sum += std::exp(static_cast<double>(x[o * n + j]));
    }
    for (int64_t j = 0; j < n; ++j) {
      INFO("row " << o << " column " << j << " sees " << seen);
      if (j < seen) {
        CHECK(y[o * n + j] ==
              Approx(std::exp(static_cast<double>(x[o * n + j])) / sum).epsilon(1e-6).margin(1e-9));
      } else {
        CHECK(y[o * n + j] == 0.0f);
      }
    }
  }
}

}  // namespace

TEST_CASE("softmax's causal mask: each query row sees the positions up to its own", "[softmax]") {
  const Shape shape{2, 6, 5};  // 2 heads, 6 rows, 5 positions
  const FloatTensor x = Random(shape, 7);
  SECTION("prefill: row r is position r") {
    const NetworkSpec net = Parse(", causal: true", "[2, 6, 5]");
    CheckMasked(x, RunFloatNetwork(net, {}, {{"x", x}}).at("y"), 0, 6);
  }
  SECTION("grouped rows: three query tokens repeated twice, from position 2") {
    const NetworkSpec net =
        Parse(", causal: true, position_offset: 2, query_period: 3", "[2, 6, 5]");
    CheckMasked(x, RunFloatNetwork(net, {}, {{"x", x}}).at("y"), 2, 3);
  }
  SECTION("an offset past the columns masks nothing: the plain softmax exactly") {
    const NetworkSpec masked = Parse(", causal: true, position_offset: 4", "[2, 6, 5]");
    const NetworkSpec plain = Parse("", "[2, 6, 5]");
    const FloatTensor a = RunFloatNetwork(masked, {}, {{"x", x}}).at("y");
    const FloatTensor b = RunFloatNetwork(plain, {}, {{"x", x}}).at("y");
    REQUIRE(a.data.size() == b.data.size());
    for (size_t i = 0; i < a.data.size(); ++i) {
      CHECK(a.data[i] == b.data[i]);
    }
    CheckMasked(x, b, 5, 6);  // every column visible
  }
}

TEST_CASE("softmax's causal keys are written back only when the mask is on", "[softmax]") {
  const std::string masked =
      NetworkToYaml(Parse(", causal: true, position_offset: 2, query_period: 3", "[2, 6, 5]"));
  CHECK_THAT(masked, Contains("causal: true") && Contains("position_offset: 2") &&
                         Contains("query_period: 3"));
  const NetworkSpec back = ParseNetwork(masked, "back.yaml");
  CHECK(back.layers[0].causal);
  CHECK(back.layers[0].causal_offset == 2);
  CHECK(back.layers[0].causal_period == 3);
  const std::string plain = NetworkToYaml(Parse("", "[2, 6, 5]"));
  CHECK_THAT(plain, !Contains("causal") && !Contains("position_offset"));
}

TEST_CASE("softmax's causal mask refuses what it cannot place, by key", "[softmax]") {
  CHECK_THROWS_WITH(Parse(", causal: true, query_period: 4", "[2, 6, 5]"),
                    Contains("query_period") && Contains("divide the rows (6), got 4"));
  CHECK_THROWS_WITH(Parse(", causal: true, position_offset: -1", "[2, 6, 5]"),
                    Contains("position_offset") && Contains("got -1"));
  CHECK_THROWS_WITH(Parse(", position_offset: 3", "[2, 6, 5]"),
                    Contains("position_offset") && Contains("causal: true"));
  CHECK_THROWS_WITH(ParseNetwork("version: 1\nname: sm\ninputs:\n  - {name: x, shape: [6, 5]}\n"
                                 "layers:\n  - {name: y, op: softmax, input: x, axis: 0, "
                                 "causal: true}\n",
                                 "sm.yaml"),
                    Contains("causal") && Contains("axis -1"));
  CHECK_THROWS_WITH(Parse(", causal: true", "[5]"), Contains("causal") && Contains("rank >= 2"));
}
