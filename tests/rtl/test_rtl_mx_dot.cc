// The RTL MX block dot-product unit (rtl/sv/quasar_mx_dot.sv, Verilated without SystemC as
// Vmx_dot_mxint8, Vmx_dot_mxfp8_e4m3 and Vmx_dot_mxfp4_e2m1, 32-element blocks) against the
// golden MX kernel (models/include/quasar/models/ref/mx_gemm.h):
//  - every pair of element codes (NaN codes included), one pair per evaluation in a lane that
//    moves with the pair, the other lanes zero: the exact product in units of 2^(2q)
//    (MxElementUnits), or nothing and the `special` flag for a NaN element;
//  - every pair of E8M0 scales: the exponent X_A + X_B and the NaN flag;
//  - seeded random whole blocks: the exact block sum, and that sum scaled by the golden post-
//    unit rule (MxBlockSumToFloat) equal to MxBlockDot bit for bit.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "Vmx_dot_mxfp4_e2m1.h"
#include "Vmx_dot_mxfp8_e4m3.h"
#include "Vmx_dot_mxint8.h"
#include "quasar/models/int128.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/ref/mx_gemm.h"

namespace quasar::test {
namespace {

using models::MxFormat;
using models::MxMatrix;

constexpr int kLanes = 32;

int64_t SignExtend(uint64_t v, int bits) {
  const int unused = 64 - bits;
  return static_cast<int64_t>(v << unused) >> unused;
}

uint32_t FloatBits(float v) {
  uint32_t u = 0;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

// One Verilated unit: element codes in, block sum and flags out.
template <typename Model>
struct Unit {
  Model m;
  int cw = 0;  // bits per element code
  int sum_w = 0;

  explicit Unit(const MxFormat& f) : cw(models::MxElementBits(f)) {
    m.eval();  // the identification outputs are set by the first evaluation
    sum_w = static_cast<int>(m.p_sum_w);
  }

  // Verilator gives the 32-lane ports as VlWide<W>: W 32-bit words, least significant first.
  template <std::size_t W>
  void SetCodes(VlWide<W>& port, const std::vector<uint32_t>& codes) {
    for (std::size_t i = 0; i < W; ++i) {
      port.at(i) = 0;
    }
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int bit = 0; bit < cw; ++bit) {
        if ((codes[static_cast<size_t>(lane)] >> bit) & 1u) {
          const int at = lane * cw + bit;
          port.at(static_cast<std::size_t>(at / 32)) |= 1u << (at % 32);
        }
      }
    }
  }

  void Eval(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t scale_a,
            uint32_t scale_b) {
    SetCodes(m.a, a);
    SetCodes(m.b, b);
    m.scale_a = static_cast<uint8_t>(scale_a);
    m.scale_b = static_cast<uint8_t>(scale_b);
    m.eval();
  }
  int64_t Sum() const { return SignExtend(static_cast<uint64_t>(m.sum), sum_w); }
  int ScaleExp() const { return static_cast<int>(SignExtend(m.scale_exp, 10)); }
};

// The block sum's width: the product's bits (MXINT8 16; a float 2 (M + 1) + 2 (EMAX - 1) + 1,
// E4M3 37, E2M1 9) and log2 of the 32 lanes.
int SumBits(const std::string& format) {
  return format == "mxint8" ? 21 : format == "mxfp8_e4m3" ? 42 : format == "mxfp4_e2m1" ? 14 : 0;
}

template <typename Model>
void CheckEveryElementPair(const MxFormat& f) {
  Unit<Model> u(f);
  CHECK(static_cast<int32_t>(u.m.p_quantum_exp) == 2 * models::MxElementQuantumExp(f));
  CHECK(u.sum_w == SumBits(f.name));
  const uint32_t count = models::MxElementCodeCount(f);
  int64_t compared = 0, mismatches = 0, specials = 0;
  std::string first;
  std::vector<uint32_t> a(kLanes, 0), b(kLanes, 0);
  for (uint32_t x = 0; x < count; ++x) {
    for (uint32_t y = 0; y < count; ++y) {
      const int lane = static_cast<int>((x * count + y) % kLanes);
      a.assign(kLanes, 0);
      b.assign(kLanes, 0);
      a[static_cast<size_t>(lane)] = x;
      b[static_cast<size_t>(lane)] = y;
      u.Eval(a, b, 127, 127);
      bool fx = true, fy = true;
      const int64_t ux = models::MxElementUnits(f, x, fx);
      const int64_t uy = models::MxElementUnits(f, y, fy);
      const bool special = !(fx && fy);
      const int64_t want = special ? 0 : ux * uy;
      specials += special;
      ++compared;
      if (u.Sum() != want || (u.m.special != 0) != special || u.m.nan != 0) {
        if (mismatches++ == 0) {
          first = "codes " + std::to_string(x) + " x " + std::to_string(y) + " in lane " +
                  std::to_string(lane) + ": RTL " + std::to_string(u.Sum()) + " special " +
                  std::to_string(u.m.special) + ", golden " + std::to_string(want) +
                  " special " + std::to_string(special);
        }
      }
    }
  }
  INFO(f.name << ": " << first);
  CHECK(compared == int64_t{count} * count);
  CHECK(mismatches == 0);
  // E4M3 has a NaN code per sign, so 2 * 2 * count - 4 pairs hold one; the others have none.
  CHECK(specials == (std::string(f.name) == "mxfp8_e4m3" ? 4 * int64_t{count} - 4 : 0));
}

template <typename Model>
void CheckRandomBlocks(const MxFormat& f, uint32_t seed) {
  Unit<Model> u(f);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> code(0, models::MxElementCodeCount(f) - 1);
  // Scales around 2^0 and at the ends, NaN included.
  std::uniform_int_distribution<uint32_t> scale(0, 255);
  int64_t blocks = 0, finite_blocks = 0, mismatches = 0;
  std::string first;
  for (int t = 0; t < 3000; ++t) {
    std::vector<uint32_t> a(kLanes), b(kLanes);
    for (int i = 0; i < kLanes; ++i) {
      a[static_cast<size_t>(i)] = code(rng);
      b[static_cast<size_t>(i)] = code(rng);
    }
    const uint32_t sa = t % 7 == 0 ? scale(rng) : 120 + scale(rng) % 16;
    const uint32_t sb = t % 5 == 0 ? scale(rng) : 120 + scale(rng) % 16;
    u.Eval(a, b, sa, sb);
    models::int128 want = 0;
    bool special = false;
    for (int i = 0; i < kLanes; ++i) {
      bool fx = true, fy = true;
      const int64_t ux = models::MxElementUnits(f, a[static_cast<size_t>(i)], fx);
      const int64_t uy = models::MxElementUnits(f, b[static_cast<size_t>(i)], fy);
      if (fx && fy) {
        want += static_cast<models::int128>(ux) * uy;
      } else {
        special = true;
      }
    }
    bool same = u.Sum() == want && (u.m.special != 0) == special &&
                (u.m.nan != 0) == (sa == models::kE8m0Nan || sb == models::kE8m0Nan) &&
                u.ScaleExp() == static_cast<int>(sa) + static_cast<int>(sb) - 254;
    if (!special) {
      // The post unit's rule on the RTL's sum, against the golden block dot product.
      const MxMatrix ma{&f, 1, kLanes, a, {sa}}, mb{&f, 1, kLanes, b, {sb}};
      const float golden = models::MxBlockDot(ma, 0, mb, 0, 0);
      const float rtl = models::MxBlockSumToFloat(u.Sum(), f, sa, f, sb);
      same = same && ((std::isnan(golden) && std::isnan(rtl)) || FloatBits(golden) == FloatBits(rtl));
      finite_blocks += 1;
    }
    ++blocks;
    if (!same && mismatches++ == 0) {
      first = "block " + std::to_string(t) + ": RTL sum " + std::to_string(u.Sum());
    }
  }
  INFO(f.name << ": " << first);
  CHECK(mismatches == 0);
  CHECK(blocks == 3000);
  CHECK(finite_blocks > 0);
}

}  // namespace

TEST_CASE("RTL MX dot: every pair of element codes gives the exact product", "[rtl_mx]") {
  CheckEveryElementPair<Vmx_dot_mxint8>(models::FindMxFormat("mxint8"));
  CheckEveryElementPair<Vmx_dot_mxfp8_e4m3>(models::FindMxFormat("mxfp8_e4m3"));
  CheckEveryElementPair<Vmx_dot_mxfp4_e2m1>(models::FindMxFormat("mxfp4_e2m1"));
}

TEST_CASE("RTL MX dot: every pair of E8M0 scales gives X_A + X_B and the NaN flag",
          "[rtl_mx]") {
  const MxFormat& f = models::FindMxFormat("mxint8");
  Unit<Vmx_dot_mxint8> u(f);
  const std::vector<uint32_t> ones(kLanes, 64);  // 1.0 in every lane: the sum is 32 * 2^12
  int64_t mismatches = 0;
  for (uint32_t sa = 0; sa < 256; ++sa) {
    for (uint32_t sb = 0; sb < 256; ++sb) {
      u.Eval(ones, ones, sa, sb);
      const bool nan = sa == 0xFF || sb == 0xFF;
      mismatches += u.ScaleExp() != static_cast<int>(sa + sb) - 254 || (u.m.nan != 0) != nan ||
                    u.Sum() != kLanes * 64 * 64;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("RTL MX dot: random blocks equal the golden block dot product", "[rtl_mx]") {
  CheckRandomBlocks<Vmx_dot_mxint8>(models::FindMxFormat("mxint8"), 1);
  CheckRandomBlocks<Vmx_dot_mxfp8_e4m3>(models::FindMxFormat("mxfp8_e4m3"), 2);
  CheckRandomBlocks<Vmx_dot_mxfp4_e2m1>(models::FindMxFormat("mxfp4_e2m1"), 3);
}

}  // namespace quasar::test
