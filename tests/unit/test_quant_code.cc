// The weight code table (quant_code.h): one row per code, names that round-trip, and traits
// that agree with what the quantizers and the precision policy do.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/quant_code.h"

using namespace quasar::models;
using Catch::Matchers::Contains;

namespace {

// Every QuantCode value, written out here rather than read from the table.
const std::vector<QuantCode> kAllCodes = {
    QuantCode::kLinear,    QuantCode::kPow2,      QuantCode::kBinary,    QuantCode::kTernary,
    QuantCode::kFp8E4m3,   QuantCode::kFp8E5m2,   QuantCode::kMxfp8E4m3, QuantCode::kMxfp8E5m2,
    QuantCode::kMxfp6E2m3, QuantCode::kMxfp6E3m2, QuantCode::kMxfp4E2m1, QuantCode::kMxint8};

// Uniform values in [-1, 1), seeded, with an exact 0 first (sign(0) and the zero code).
FloatTensor RandomValues(Shape shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  FloatTensor t(std::move(shape));
  for (float& x : t.data) {
    x = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1p-52 - 1.0);
  }
  t.data[0] = 0.0f;
  return t;
}

// The bit counts a row accepts.
std::vector<int> BitsOf(const QuantCodeDef& d) {
  if (d.fixed_bits != 0) {
    return {d.fixed_bits};
  }
  std::vector<int> bits;
  for (int b = d.min_bits; b <= d.max_bits; ++b) {
    bits.push_back(b);
  }
  return bits;
}

std::vector<std::string> Problems(const OperandPrecision& p, bool is_weights) {
  quasar::ErrorList errors("t");
  ValidateOperand(p, is_weights, "w", &errors);
  return errors.messages();
}

}  // namespace

TEST_CASE("weight code table: every code has exactly one row, in enum order") {
  const std::vector<QuantCodeDef>& defs = QuantCodeDefs();
  REQUIRE(defs.size() == kAllCodes.size());
  for (size_t i = 0; i < kAllCodes.size(); ++i) {
    CHECK(defs[i].code == kAllCodes[i]);
    CHECK(&QuantCodeOf(kAllCodes[i]) == &defs[i]);
  }
  CHECK_THROWS_AS(QuantCodeOf(static_cast<QuantCode>(99)), std::invalid_argument);
}

TEST_CASE("weight code table: names are distinct and round-trip") {
  std::set<std::string> names;
  std::string choices;
  for (QuantCode c : kAllCodes) {
    const std::string name = QuantCodeName(c);
    CHECK(names.insert(name).second);
    CHECK(ParseQuantCode(name) == c);
    choices += (choices.empty() ? "" : ", ") + name;
  }
  CHECK(std::string(QuantCodeChoices()) == choices);
  CHECK_FALSE(ParseQuantCode("log").has_value());
  CHECK_FALSE(ParseQuantCode("").has_value());
  CHECK_FALSE(ParseQuantCode("Linear").has_value());
}

TEST_CASE("weight code table: each quantizer returns its row's storage type") {
  const FloatTensor w = RandomValues({3, 2, 3, 3}, 7);
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    if (d.format != nullptr) {
      // The number formats have no golden quantizer yet: refused by name, not run.
      CHECK(d.quantize_weights == nullptr);
      CHECK(d.activation_params == nullptr);
      CHECK_THROWS_WITH(
          QuantizeWeights(w, d.code, d.storage(d.fixed_bits, true), d.fixed_bits, true, true,
                          CalibOptions{}),
          Catch::Contains(std::string("weights are ") + d.name) && Catch::Contains("golden path"));
      continue;
    }
    for (int bits : BitsOf(d)) {
      for (bool is_signed : {true, false}) {
        for (bool symmetric : {true, false}) {
          if (d.affine && bits == 1 && is_signed && symmetric) {
            continue;  // no narrow signed 1-bit grid (ValidateOperand rejects it)
          }
          INFO(d.name << " bits " << bits << " signed " << is_signed << " symmetric " << symmetric);
          OperandPrecision p;
          p.code = d.code, p.bits = bits, p.is_signed = is_signed, p.symmetric = symmetric;
          CHECK(Problems(p, true).empty());
          const IntType type = d.storage(bits, is_signed);
          CHECK(p.StorageType() == type);
          const QuantizedWeights qw =
              QuantizeWeights(w, d.code, type, bits, symmetric, true, CalibOptions{});
          CHECK(qw.params.type == type);
          REQUIRE(qw.params.scales.size() == 3);
          int64_t outside = 0;
          for (int32_t v : qw.values.data) {
            outside += type.Contains(v) ? 0 : 1;
          }
          CHECK(outside == 0);
          if (!d.affine || symmetric) {  // zero point 0 (an unsigned symmetric grid starts at 0)
            for (int32_t z : qw.params.zero_points) {
              CHECK(z == 0);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("weight code table: pow2's storage holds +-2^E, E = 2^(bits-1) - 2") {
  // Miyashita et al., arXiv:1603.01025: b-1 bits name 0 or 2^0..2^E.
  for (int bits = 2; bits <= 5; ++bits) {
    const IntType t = QuantCodeOf(QuantCode::kPow2).storage(bits, true);
    const int64_t top = int64_t{1} << ((1 << (bits - 1)) - 2);
    CHECK(t.Contains(top));
    CHECK(t.Contains(-top));
    CHECK_FALSE(t.Contains(2 * top));  // the smallest signed type: one bit fewer cannot hold it
    CHECK(t == IntType::Signed(static_cast<int>(std::log2(static_cast<double>(top))) + 2));
  }
}

TEST_CASE("weight code table: activation parameters are held in the row's storage type") {
  Observer obs(false, 1);
  const FloatTensor x = RandomValues({2, 3, 4, 4}, 11);
  obs.Observe(x);
  double sum_abs = 0, max_abs = 0;
  for (float v : x.data) {
    sum_abs += std::fabs(double{v});
    max_abs = std::max(max_abs, std::fabs(double{v}));
  }
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    if (d.weights_only || d.format != nullptr) {
      continue;  // the number formats have no activation quantizer yet (checked above)
    }
    for (int bits : BitsOf(d)) {
      if (d.affine && bits == 1) {
        continue;
      }
      INFO(d.name << " bits " << bits);
      const IntType type = d.storage(bits, true);
      const QuantParams q = d.activation_params(obs, type, true, CalibOptions{});
      CHECK(q.type == type);
      REQUIRE(q.scales.size() == 1);
      CHECK(q.zero_points == std::vector<int32_t>{0});
    }
  }
  // XNOR-Net Sec. 3.2: beta = mean |x|; ternary: the int2 narrow grid {-s, 0, s}, s = max |x|.
  const QuantParams b =
      QuantCodeOf(QuantCode::kBinary).activation_params(obs, IntType::Binary(), true, {});
  CHECK(b.scales[0] == Approx(sum_abs / static_cast<double>(x.size())).epsilon(1e-6));
  const QuantParams t =
      QuantCodeOf(QuantCode::kTernary).activation_params(obs, IntType::Ternary(), true, {});
  CHECK(t.scales[0] == Approx(max_abs).epsilon(1e-6));
}

TEST_CASE("weight code table: the precision policy reads each row's bits and operands") {
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    INFO(d.name);
    OperandPrecision p;  // 8 bits
    OperandOverride o;
    o.code = d.code;
    o.ApplyTo(&p);
    if (d.fixed_bits != 0) {
      CHECK(p.bits == d.fixed_bits);
      p.bits = d.fixed_bits + 1;
      const auto problems = Problems(p, true);
      REQUIRE(problems.size() == 1);
      CHECK_THAT(problems[0], Contains(std::string(d.name) + " takes"));
      CHECK(p.Describe() == d.name);
    } else {
      CHECK(p.bits == 8);
      p.is_signed = false;  // unsigned, so 1 linear bit is a grid too
      for (int bits : {d.min_bits - 1, d.max_bits + 1}) {
        p.bits = bits;
        const auto problems = Problems(p, true);
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Contains("must be in " + std::to_string(d.min_bits) + ".." +
                                         std::to_string(d.max_bits)));
      }
      p.bits = d.min_bits;
      CHECK(Problems(p, true).empty());
    }
    p.bits = d.fixed_bits != 0 ? d.fixed_bits : d.max_bits;
    const auto as_activations = Problems(p, false);
    CHECK(as_activations.size() == (d.weights_only ? 1u : 0u));
  }
  OperandPrecision linear;
  linear.bits = 4, linear.symmetric = false, linear.granularity = Granularity::kPerChannel;
  CHECK(linear.Describe() == "int4 asym per-channel minmax");
  OperandPrecision pow2;
  pow2.code = QuantCode::kPow2, pow2.bits = 4;
  CHECK(pow2.Describe() == "pow2-4");
}
