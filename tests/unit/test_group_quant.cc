// Group-quantized integer weights (group_quant.h): every code round-trips in every group size,
// the quantizer matches AWQ's pseudo_quantize_tensor (mit-han-lab/llm-awq,
// awq/quantize/quantizer.py) recomputed here, and bad specs are refused.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/group_quant.h"

using namespace quasar;
using namespace quasar::models;

namespace {

// Round half to even without the library's nearbyint: floor, then settle the tie on parity.
float HalfEven(float x) {
  const float f = std::floor(x);
  const float d = x - f;
  if (d > 0.5f || (d == 0.5f && std::fmod(f, 2.0f) != 0.0f)) {
    return f + 1.0f;
  }
  return f;
}

}  // namespace

TEST_CASE("group quantization: every code round-trips in every group size", "[group]") {
  for (int bits = 2; bits <= 8; ++bits) {
    for (bool symmetric : {false, true}) {
      for (int group : {32, 64, 128}) {
        INFO("bits " << bits << (symmetric ? " symmetric" : " asymmetric") << " group " << group);
        // Codes as the specification of the layout: asymmetric 0..2^b-1, symmetric
        // -2^(b-1)..2^(b-1)-1. The symmetric quantizer's scale is max|w| / (2^(b-1) - 1), so
        // only -(2^(b-1) - 1).. round-trips; -2^(b-1) is checked by dequantizing.
        const int lo = symmetric ? -(1 << (bits - 1)) : 0;
        const int hi = symmetric ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        const int first = symmetric ? lo + 1 : lo;
        const int count = hi - first + 1;
        const int64_t groups = (count + group - 3) / (group - 2);
        const int64_t n = 3;
        GroupQuantWeights w;
        w.spec = {bits, group, symmetric};
        w.k = groups * group;
        w.n = n;
        for (int64_t g = 0; g < groups; ++g) {
          for (int64_t col = 0; col < n; ++col) {
            // Power-of-two scales make (hi - lo_value) * s / max_int exact, so the quantizer
            // recovers s; zero points spread over the range.
            w.scales.push_back(std::ldexp(1.0f, static_cast<int>(col * 4 - 5)));
            w.zero_points.push_back(symmetric ? 0 : static_cast<int32_t>((7 * col + g) % (hi + 1)));
          }
        }
        w.codes.resize(static_cast<size_t>(w.k * n));
        for (int64_t r = 0; r < w.k; ++r) {
          const int64_t g = r / group;
          const int64_t i = r % group;
          for (int64_t col = 0; col < n; ++col) {
            // Slots 0 and 1 of a group hold the extremes (they fix min and max), the rest the
            // codes in turn.
            const int64_t c = i == 0   ? first
                              : i == 1 ? hi
                                       : first + (g * (group - 2) + i - 2) % count;
            w.codes[static_cast<size_t>(r * n + col)] = static_cast<int32_t>(c);
          }
        }
        const std::vector<float> values = DequantizeGroupWeights(w);
        for (int64_t r = 0; r < w.k; ++r) {
          for (int64_t col = 0; col < n; ++col) {
            const int64_t g = r / group;
            const double expected =
                double(w.Code(r, col) - w.ZeroPoint(g, col)) * double{w.Scale(g, col)};
            REQUIRE(double{values[static_cast<size_t>(r * n + col)]} == expected);
          }
        }
        const GroupQuantWeights back = QuantizeGroupWeights(w.spec, values, w.k, n);
        CHECK(back.scales == w.scales);
        CHECK(back.zero_points == w.zero_points);
        CHECK(back.codes == w.codes);
        if (symmetric) {
          GroupQuantWeights one = w;
          one.codes[0] = lo;
          CHECK(double{DequantizeGroupWeights(one)[0]} == static_cast<double>(lo) * w.Scale(0, 0));
        }
      }
    }
  }
}

TEST_CASE("group quantization matches AWQ's formula recomputed per group", "[group]") {
  std::mt19937 rng(20);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  const int64_t k = 200;  // groups of 64 end with a group of 8
  const int64_t n = 5;
  std::vector<float> w(static_cast<size_t>(k * n));
  for (float& v : w) {
    v = dist(rng);
  }
  w[7] = 0.3f;  // an outlier
  for (int bits : {3, 4, 8}) {
    for (bool symmetric : {false, true}) {
      for (int group : {32, 64, 128}) {
        INFO("bits " << bits << " symmetric " << symmetric << " group " << group);
        const GroupQuantWeights q = QuantizeGroupWeights({bits, group, symmetric}, w, k, n);
        for (int64_t col = 0; col < n; ++col) {
          for (int64_t begin = 0; begin < k; begin += group) {
            const int64_t end = std::min<int64_t>(k, begin + group);
            float mn = w[static_cast<size_t>(begin * n + col)];
            float mx = mn;
            for (int64_t r = begin; r < end; ++r) {
              mn = std::min(mn, w[static_cast<size_t>(r * n + col)]);
              mx = std::max(mx, w[static_cast<size_t>(r * n + col)]);
            }
            float max_int = symmetric ? float((1 << (bits - 1)) - 1) : float((1 << bits) - 1);
            float min_int = symmetric ? -float(1 << (bits - 1)) : 0.0f;
            float scale = symmetric ? std::max(std::max(-mn, mx), 1e-5f) / max_int
                                    : std::max(mx - mn, 1e-5f) / max_int;
            float zero =
                symmetric ? 0.0f : std::min(std::max(-HalfEven(mn / scale), 0.0f), max_int);
            const int64_t g = begin / group;
            REQUIRE(q.Scale(g, col) == scale);
            REQUIRE(q.ZeroPoint(g, col) == static_cast<int32_t>(zero));
            for (int64_t r = begin; r < end; ++r) {
              const float v = w[static_cast<size_t>(r * n + col)];
              const float code = std::min(std::max(HalfEven(v / scale) + zero, min_int), max_int);
              REQUIRE(q.Code(r, col) == static_cast<int32_t>(code));
              // Within a step of the weight (half a step where no clamp applied).
              const float back = (code - zero) * scale;
              CHECK(std::fabs(back - v) <= scale * 1.0001f);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("group quantization refuses bad specs and sizes", "[group]") {
  const std::vector<float> w(64, 0.1f);
  CHECK_THROWS_AS(QuantizeGroupWeights({1, 32, false}, w, 64, 1), InputError);
  CHECK_THROWS_AS(QuantizeGroupWeights({9, 32, false}, w, 64, 1), InputError);
  CHECK_THROWS_AS(QuantizeGroupWeights({4, 0, false}, w, 64, 1), InputError);
  CHECK_THROWS_AS(QuantizeGroupWeights({4, 32, false}, w, 63, 1), InputError);
  std::vector<float> bad = w;
  bad[5] = std::nanf("");
  CHECK_THROWS_WITH(QuantizeGroupWeights({4, 32, false}, bad, 64, 1),
                    Catch::Contains("(5, 0)") && Catch::Contains("not finite"));
  GroupQuantWeights q = QuantizeGroupWeights({4, 32, false}, w, 64, 1);
  q.codes[3] = 16;
  CHECK_THROWS_WITH(DequantizeGroupWeights(q), Catch::Contains("16") && Catch::Contains("0..15"));
  q.codes[3] = 0;
  q.scales.pop_back();
  CHECK_THROWS_AS(DequantizeGroupWeights(q), InputError);
}
