// The rotary_embedding op (models/src/net/ops/rotary_embedding.cc): its float kernel against the
// rotate-half and rotate-every-two formulas written independently (x·cos + rotate(x)·sin), on
// hand-picked and random values, both layouts and a partial rotary_dim; the properties RoPE
// promises (position 0 is the identity, each pair keeps its norm, a sequence that starts at
// position_offset p is the longer sequence's rows from p on, on every element); its integer
// semantics, dequantize, the op, quantize, on every element; its post-unit work; its keys read
// and written back; and its key and shape errors by name.

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

FloatTensor Random(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  FloatTensor x(shape);
  for (float& v : x.data) {
    v = u(gen);
  }
  return x;
}

// RoPE of one row of D features at position p, as Hugging Face's Llama writes it (rotate_half:
// y = x·cos + [-x2, x1]·sin, the frequencies repeated over both halves) or, interleaved, as
// RoFormer's eq. 34 (y = x·cos + [-x1, x0, -x3, x2, ...]·sin, each frequency on a pair), on the
// first rd features; the rest pass through. In double.
std::vector<double> Rope(const std::vector<double>& x, double p, double base, size_t rd,
                         bool interleaved) {
  std::vector<double> y = x, rotated(rd), angle(rd);
  for (size_t j = 0; j < rd; ++j) {
    const size_t freq = interleaved ? j / 2 : j % (rd / 2);
    angle[j] = p / std::pow(base, 2.0 * static_cast<double>(freq) / static_cast<double>(rd));
    if (interleaved) {
      rotated[j] = j % 2 == 0 ? -x[j + 1] : x[j - 1];
    } else {
      rotated[j] = j < rd / 2 ? -x[j + rd / 2] : x[j - rd / 2];
    }
  }
  for (size_t j = 0; j < rd; ++j) {
    y[j] = x[j] * std::cos(angle[j]) + rotated[j] * std::sin(angle[j]);
  }
  return y;
}

// Every row of [..., S, D] against Rope, row s at position offset + s.
void CheckAgainstFormula(const FloatTensor& x, const FloatTensor& y, int64_t offset, double base,
                         int64_t rd, bool interleaved) {
  const int64_t d = x.shape.back(), s = x.shape[x.shape.size() - 2];
  REQUIRE(y.shape == x.shape);
  for (int64_t r = 0; r < x.size() / d; ++r) {
    const std::vector<double> row(x.data.begin() + r * d, x.data.begin() + (r + 1) * d);
    const std::vector<double> want =
        Rope(row, static_cast<double>(offset + r % s), base, static_cast<size_t>(rd), interleaved);
    for (int64_t j = 0; j < d; ++j) {
      INFO("row " << r << " feature " << j);
      CHECK(y[r * d + j] == Approx(want[static_cast<size_t>(j)]).margin(2e-6).epsilon(2e-6));
    }
  }
}

NetworkSpec Parse(const std::string& layers, const std::string& shape) {
  return ParseNetwork(
      "version: 1\nname: rope\ninputs:\n  - {name: x, shape: " + shape + "}\nlayers:\n" + layers,
      "rope.yaml");
}

}  // namespace

TEST_CASE("rotary_embedding rotates pairs of features by position times frequency") {
  // x = [1, 0, 0, 0] at every position: the pair (0, 2) (rotate-half) turns by p radians
  // (theta_0 = 1), the pair (1, 3) holds zeros.
  const NetworkSpec net = Parse("  - {name: y, op: rotary_embedding, input: x}\n", "[1, 4, 4]");
  FloatTensor x({1, 4, 4});
  for (int64_t s = 0; s < 4; ++s) {
    x[s * 4] = 1;
  }
  const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at("y");
  for (int64_t p = 0; p < 4; ++p) {
    INFO("position " << p);
    CHECK(y[p * 4 + 0] == static_cast<float>(std::cos(static_cast<double>(p))));
    CHECK(y[p * 4 + 2] == static_cast<float>(std::sin(static_cast<double>(p))));
    CHECK(y[p * 4 + 1] == 0.0f);
    CHECK(y[p * 4 + 3] == 0.0f);
  }
  // Interleaved, the first pair is (0, 1): x = [0, 1, 0, 0] at position 2 gives
  // (-sin 2, cos 2) there.
  const NetworkSpec inter =
      Parse("  - {name: y, op: rotary_embedding, input: x, interleaved: true}\n", "[1, 4, 4]");
  FloatTensor x2({1, 4, 4});
  x2[2 * 4 + 1] = 1;
  const FloatTensor y2 = RunFloatNetwork(inter, {}, {{"x", x2}}).at("y");
  CHECK(y2[2 * 4 + 0] == static_cast<float>(-std::sin(2.0)));
  CHECK(y2[2 * 4 + 1] == static_cast<float>(std::cos(2.0)));
  CHECK(y2[2 * 4 + 2] == 0.0f);
  CHECK(y2[2 * 4 + 3] == 0.0f);
}

TEST_CASE("rotary_embedding equals the rotate-half and rotate-every-two formulas on random rows") {
  const FloatTensor x = Random({2, 3, 5, 8}, 17);
  for (const bool interleaved : {false, true}) {
    for (const int64_t rd : {0, 4, 8}) {
      INFO("interleaved " << interleaved << " rotary_dim " << rd);
      const NetworkSpec net = Parse(
          "  - {name: y, op: rotary_embedding, input: x, base: 500, position_offset: 3, "
          "rotary_dim: " +
              std::to_string(rd) + ", interleaved: " + (interleaved ? "true" : "false") + "}\n",
          "[2, 3, 5, 8]");
      const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at("y");
      CheckAgainstFormula(x, y, 3, 500, rd == 0 ? 8 : rd, interleaved);
      for (int64_t i = 0; i < y.size(); ++i) {
        if (rd != 0 && i % 8 >= rd) {
          INFO("element " << i << " passes through");
          CHECK(y[i] == x[i]);
        }
      }
    }
  }
}

TEST_CASE("rotary_embedding keeps each pair's norm and is the identity at position 0") {
  const FloatTensor x = Random({3, 6, 10}, 23);
  for (const bool interleaved : {false, true}) {
    INFO("interleaved " << interleaved);
    const NetworkSpec net = Parse(std::string("  - {name: y, op: rotary_embedding, input: x, "
                                              "interleaved: ") +
                                      (interleaved ? "true" : "false") + "}\n",
                                  "[3, 6, 10]");
    const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at("y");
    for (int64_t r = 0; r < 18; ++r) {
      for (int64_t i = 0; i < 5; ++i) {
        const int64_t a = r * 10 + (interleaved ? 2 * i : i);
        const int64_t b = r * 10 + (interleaved ? 2 * i + 1 : i + 5);
        INFO("row " << r << " pair " << i);
        CHECK(std::hypot(y[a], y[b]) == Approx(std::hypot(x[a], x[b])).epsilon(1e-6));
        if (r % 6 == 0) {  // position 0: cos 0 = 1, sin 0 = 0
          CHECK(y[a] == x[a]);
          CHECK(y[b] == x[b]);
        }
      }
    }
  }
}

TEST_CASE("a sequence starting at position_offset p is the longer sequence's rows from p on") {
  // A decode step after p cached tokens sees the positions the whole sequence would give them.
  const NetworkSpec net = Parse(R"(  - {name: long, op: rotary_embedding, input: x, rotary_dim: 6}
  - {name: tail, op: slice, input: x, axis: 1, start: 5, end: 9}
  - {name: short, op: rotary_embedding, input: tail, position_offset: 5, rotary_dim: 6}
)",
                                "[2, 9, 8]");
  const FloatTensor x = Random({2, 9, 8}, 31);
  const auto t = RunFloatNetwork(net, {}, {{"x", x}});
  const FloatTensor &lg = t.at("long"), &sh = t.at("short");
  REQUIRE(sh.shape == Shape{2, 4, 8});
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t s = 0; s < 4; ++s) {
      for (int64_t j = 0; j < 8; ++j) {
        INFO("batch " << b << " row " << s << " feature " << j);
        CHECK(sh[(b * 4 + s) * 8 + j] == lg[(b * 9 + s + 5) * 8 + j]);
      }
    }
  }
}

TEST_CASE("rotary_embedding's integers are dequantize, the op, quantize, on every element") {
  const NetworkSpec net = Parse(
      "  - {name: y, op: rotary_embedding, input: x, position_offset: 7, interleaved: true}\n",
      "[1, 2, 6, 8]");
  const QuantizedNetwork q = QuantizePostTraining(net, {}, 4, 3);
  const QuantizedRun run = RunQuantizedNetwork(q, MakeInputs(net, 4, 0));
  const NetLayer& l = *q.net.FindLayer("y");
  const FloatTensor deq = DequantizeTensor(run.tensors.at("x"), q.tensors.at("x"), 1);
  const FloatTensor f = OpOf(l.op).run_float(l, {&deq}, nullptr);
  const IntTensor want = QuantizeInput(f, q.tensors.at("y"), l.precision.rounding);
  const IntTensor& got = run.tensors.at("y");
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < want.size(); ++i) {
    CHECK(got[i] == want[i]);
  }
  // Two multiplies and an add per output, then the requantization.
  const PostEvents e = OpOf(l.op).post_events(l, q.net);
  CHECK(e.multiplies == 3);
  CHECK(e.adds == 3);
  CHECK(e.compares == 2);
}

TEST_CASE("rotary_embedding's keys are written back, and bad ones refused by name") {
  const NetworkSpec net = Parse(R"(  - {name: d, op: rotary_embedding, input: x}
  - {name: y, op: rotary_embedding, input: x, base: 500000, position_offset: 12, rotary_dim: 4,
     interleaved: true}
)",
                                "[1, 3, 6]");
  const std::string yaml = NetworkToYaml(net);
  const NetworkSpec again = ParseNetwork(yaml, "again.yaml");
  CHECK(NetworkToYaml(again) == yaml);
  const NetLayer &d = *again.FindLayer("d"), &y = *again.FindLayer("y");
  CHECK(d.rope_base == 10000);  // the defaults
  CHECK(d.rope_offset == 0);
  CHECK(d.rope_dim == 0);
  CHECK_FALSE(d.rope_interleaved);
  CHECK(y.rope_base == 500000);
  CHECK(y.rope_offset == 12);
  CHECK(y.rope_dim == 4);
  CHECK(y.rope_interleaved);
  auto fails = [](const std::string& keys, const std::string& shape, const std::string& text) {
    INFO(keys);
    CHECK_THROWS_WITH(Parse("  - {name: y, op: rotary_embedding, input: x" + keys + "}\n", shape),
                      Contains(text));
  };
  fails(", rotary_dim: 3", "[1, 3, 6]", "layers[0:y].rotary_dim: must be even and in 0..6");
  fails(", rotary_dim: 8", "[1, 3, 6]",
        "rotary_dim: must be even and in 0..6 (the input [1, 3, 6]");
  fails(", rotary_dim: -2", "[1, 3, 6]", "got -2");
  fails("", "[1, 3, 5]", "layers[0:y].rotary_dim: 0 rotates the whole last dimension");
  fails(", base: 0", "[1, 3, 6]", "layers[0:y].base: must be a finite number > 0");
  fails(", base: -10", "[1, 3, 6]", "base: must be a finite number > 0");
  fails(", position_offset: -1", "[1, 3, 6]", "layers[0:y].position_offset: must be in 0..");
  fails("", "[6]", "layers[0:y].input: must be [..., S, D]");
  fails(", interleaved: 2", "[1, 3, 6]", "layers[0:y].interleaved");
  fails(", rotary_dim: 2.5", "[1, 3, 6]", "layers[0:y].rotary_dim");
  fails(", axis: 1", "[1, 3, 6]", "axis");
}
