#include "quasar/sim/cycle/format_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/int128.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/sim/cycle/array_fit_error.h"
#include "quasar/sim/cycle/tile_runner.h"
#include "quasar/sim/cycle/unit_codes.h"

namespace quasar::sim::cycle {
namespace {

using quasar::InputError;

// The integer GEMM of a format: a (M x K) and b (K x N), row-major, in units of each operand's
// quantum, each operand's largest magnitude, and how the array's signed lanes take them.
struct IntGemm {
  int64_t m = 0, k = 0, n = 0;
  std::vector<int64_t> a, b;
  int64_t max_a = 0, max_b = 0;
  LanePieces lanes;
};

// Checks an array's operand lanes (format_gemm.h, ArrayWidths).
int CheckedLaneBits(int lane_bits) {
  if (lane_bits < 2 || lane_bits > 32) {
    throw InputError("the PE array's signed operand lanes are 2 to 32 bits wide, got " +
                     std::to_string(lane_bits));
  }
  return lane_bits;
}

// The register of one pass over `count` products: the exact sum of the pieces'.
int PassBits(const IntGemm& g, int64_t count) {
  return std::max(ExactSumBits(g.lanes.PieceMax(g.max_a), g.lanes.PieceMax(g.max_b), count),
                  models::kMinAccumulatorBits);
}

PeConfig ArrayConfig(const PeConfig& shape, const models::AccumulatorSpec& acc, bool checked) {
  if (shape.pack != 1 || shape.chunked) {
    throw InputError(
        "a number-format GEMM runs one operand pair per PE per cycle, one addition "
        "each (pack 1, not chunked), got pack " +
        std::to_string(shape.pack) + (shape.chunked ? ", chunked" : ""));
  }
  if (acc.bits > models::kMaxAccumulatorBits) {
    throw ArrayFitError("the PE array's partial sums are 64-bit integers; this GEMM needs a " +
                            std::to_string(acc.bits) + "-bit register",
                        "mac.accumulator");
  }
  PeConfig c = shape;
  c.acc = acc;
  c.checked = checked;
  return c;
}

// Runs K range [k0, k1) of g, A's piece pa and B's piece pb, as one reduction from
// accumulators 0: sums (M x N) and the cycles.
int64_t RunPass(TileRunner& runner, const IntGemm& g, int64_t k0, int64_t k1, int pa, int pb,
                std::vector<int64_t>* sums) {
  const int64_t kb = k1 - k0;
  const int na = g.lanes.Count(g.max_a), nb = g.lanes.Count(g.max_b);
  std::vector<int32_t> a(static_cast<size_t>(g.m * kb)), b(static_cast<size_t>(kb * g.n));
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t k = 0; k < kb; ++k) {
      a[static_cast<size_t>(i * kb + k)] =
          g.lanes.Piece(g.a[static_cast<size_t>(i * g.k + k0 + k)], na, pa);
    }
  }
  for (int64_t k = 0; k < kb; ++k) {
    for (int64_t j = 0; j < g.n; ++j) {
      b[static_cast<size_t>(k * g.n + j)] =
          g.lanes.Piece(g.b[static_cast<size_t>((k0 + k) * g.n + j)], nb, pb);
    }
  }
  sums->assign(static_cast<size_t>(g.m * g.n), 0);
  TileOperands t;
  t.m = g.m;
  t.k = kb;
  t.n = g.n;
  t.a = a.data();
  t.b = b.data();
  t.acc = sums->data();
  return runner.Run(t).cycles;
}

// The sums of K range [k0, k1) (M x N): one pass per pair of pieces, each pass's sums weighted
// by its pieces' 2^Shift(pa, pb) and added in 128 bits (the exact sum, whose
// products are below 2^(2 * kMaxElementBits) = 2^96: room for 2^31 of them). Exact, unless the
// register the array was configured with wraps or saturates (one pass then:
// SmallFloatGemmOnArray).
void ExactSums(TileRunner& runner, const IntGemm& g, int64_t k0, int64_t k1,
               std::vector<models::int128>* sums, FormatGemmResult* r) {
  sums->assign(static_cast<size_t>(g.m * g.n), 0);
  std::vector<int64_t> pass;
  for (int pa = 0; pa < g.lanes.Count(g.max_a); ++pa) {
    for (int pb = 0; pb < g.lanes.Count(g.max_b); ++pb) {
      r->cycles += RunPass(runner, g, k0, k1, pa, pb, &pass);
      ++r->passes;
      for (size_t o = 0; o < pass.size(); ++o) {
        (*sums)[o] += g.lanes.Weighted(pass[o], pa, pb);
      }
    }
  }
}

// The register of passes over `count` products (ArrayWidths::register_bits): the narrowest that
// holds their sums, or the array's built-in width, refused when narrower.
int PassRegister(const IntGemm& g, int64_t count, int register_bits) {
  const int least = PassBits(g, count);
  if (register_bits == 0) {
    return least;
  }
  if (register_bits < least) {
    throw ArrayFitError("a pass sum of this GEMM needs a " + std::to_string(least) +
                            "-bit register; the array's has " + std::to_string(register_bits) +
                            " bits",
                        "mac.accumulator");
  }
  return register_bits;
}

// The block GEMM of format_gemm.h: each block of `block` along K its exact sums, then
// y = step(m, n, block index, exact sum, y) in K order, y from +0.
template <typename Step>
FormatGemmResult RunBlocks(ArrayIf& array, const PeConfig& shape, const IntGemm& g, int64_t block,
                           int register_bits, Step step) {
  FormatGemmResult r;
  r.accumulator_bits = PassRegister(g, block, register_bits);
  // The register holds every pass's sum, so the array may add unchecked.
  const PeConfig cfg =
      ArrayConfig(shape, {r.accumulator_bits, models::OverflowMode::kWrap}, false);
  array.Configure(cfg);
  TileRunner runner(array, cfg);
  r.y.assign(static_cast<size_t>(g.m * g.n), 0.0f);
  std::vector<models::int128> sums;
  for (int64_t k0 = 0, b = 0; k0 < g.k; k0 += block, ++b) {
    ExactSums(runner, g, k0, std::min(g.k, k0 + block), &sums, &r);
    for (int64_t i = 0; i < g.m; ++i) {
      for (int64_t j = 0; j < g.n; ++j) {
        const size_t o = static_cast<size_t>(i * g.n + j);
        r.y[o] = step(i, j, b, sums[o], r.y[o]);
      }
    }
  }
  r.overflow_events = array.overflow_events();
  return r;
}

// A group GEMM's B operand, q - zero (K x N), its bound, and M; A is the caller's.
IntGemm GroupWeightGemm(const models::GroupQuantWeights& w, int64_t m) {
  IntGemm g;
  g.m = m;
  g.k = w.k;
  g.n = w.n;
  g.b = models::GroupWeightOffsets(w);
  g.max_b = models::GroupWeightOffsetMax(w.spec);
  return g;
}

}  // namespace

int ExactSumBits(int64_t max_a, int64_t max_b, int64_t count) {
  models::uint128 bound = static_cast<models::uint128>(std::llabs(max_a)) *
                          static_cast<models::uint128>(std::llabs(max_b)) *
                          static_cast<models::uint128>(std::max<int64_t>(count, 0));
  int bits = 1;  // the sign
  for (; bound != 0; bound >>= 1) {
    ++bits;
  }
  return bits;
}

bool SmallFloatRunsExact(const LanePieces& lanes, int64_t max_abs,
                         const models::AccumulatorSpec& acc) {
  return lanes.Count(max_abs) > 1 || acc.bits > models::kMaxAccumulatorBits;
}

void CheckFp8RegisterForPieces(const std::string& format, const LanePieces& lanes, int64_t max_abs,
                               int64_t k, const models::AccumulatorSpec& acc) {
  const int needed = ExactSumBits(max_abs, max_abs, k);
  if (needed > acc.bits) {
    const std::string how =
        lanes.Count(max_abs) > 1
            ? "run on the array in pieces of " + std::to_string(lanes.PieceBits()) + " bits"
            : "run as exact sums (the register is wider than the array's 64-bit partial sums)";
    throw ArrayFitError(format + " elements " + how +
                            ", whose exact sums the post unit adds, so the FP8 register must hold "
                            "any sum of the K = " +
                            std::to_string(k) + " products: " + std::to_string(needed) +
                            " bits, the register has " + std::to_string(acc.bits),
                        "mac.accumulator");
  }
}

FormatGemmResult MxGemmOnArray(ArrayIf& array, const PeConfig& shape, const models::MxMatrix& a,
                               const models::MxMatrix& wt, const ArrayWidths& widths) {
  models::CheckMxGemmOperands(a, wt);
  auto table = [](const models::MxFormat& f) {
    return MakeUnitTable(f.name, models::MxElementCodeCount(f), [&](uint32_t c, bool& finite) {
      return models::MxElementUnits(f, c, finite);
    });
  };
  const UnitTable ta = table(*a.format), tw = table(*wt.format);
  IntGemm g;
  g.m = a.rows;
  g.k = a.cols;
  g.n = wt.rows;
  g.max_a = ta.max_abs;
  g.max_b = tw.max_abs;
  g.a.resize(static_cast<size_t>(g.m * g.k));
  g.b.resize(static_cast<size_t>(g.k * g.n));
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t k = 0; k < g.k; ++k) {
      g.a[static_cast<size_t>(i * g.k + k)] = Units(ta, a.Code(i, k), "A", i, k);
    }
  }
  for (int64_t j = 0; j < g.n; ++j) {
    for (int64_t k = 0; k < g.k; ++k) {
      g.b[static_cast<size_t>(k * g.n + j)] = Units(tw, wt.Code(j, k), "W", j, k);
    }
  }
  const int64_t block = a.format->block_size;
  g.lanes.lane_bits = CheckedLaneBits(widths.lane_bits);
  return RunBlocks(array, shape, g, block, widths.register_bits,
                   [&](int64_t i, int64_t j, int64_t b, models::int128 sum, float acc) {
                     return acc + models::MxBlockSumToFloat(sum, *a.format, a.Scale(i, b),
                                                            *wt.format, wt.Scale(j, b));
                   });
}

FormatGemmResult GroupGemmInt8OnArray(ArrayIf& array, const PeConfig& shape,
                                      const std::vector<int32_t>& a, int64_t m, float a_scale,
                                      int32_t a_zero, const models::GroupQuantWeights& w,
                                      const ArrayWidths& widths) {
  models::CheckGroupGemmInt8Operands(a, m, a_zero, w);
  IntGemm g = GroupWeightGemm(w, m);
  g.a.assign(a.begin(), a.end());
  g.max_a = models::kInt8CodeMax;
  g.lanes.lane_bits = CheckedLaneBits(widths.lane_bits);
  // The PEs multiply the raw int8 codes, so the activation lanes carry 8-bit codes whatever the
  // zero point (offsets a - a_zero would need 9 bits);
  // the post unit subtracts a_zero times the group's weight sum, a constant of the weights:
  // sum (a - a_zero)(q - z) = sum a (q - z) - a_zero sum (q - z), exact in integers.
  std::vector<int64_t> weight_sums;
  for (int64_t b = 0; b < w.Groups(); ++b) {
    for (int64_t j = 0; j < g.n; ++j) {
      weight_sums.push_back(models::GroupWeightSum(w, b, j));
    }
  }
  FormatGemmResult r =
      RunBlocks(array, shape, g, w.spec.group_size, widths.register_bits,
                [&](int64_t, int64_t j, int64_t b, models::int128 sum, float acc) {
                  // A group of int8 x int8 products is far inside int64 (PassBits <= 64), and so is
                  // the correction (|a_zero| <= 128 times a group's sum of 8-bit offsets).
                  const int64_t s = static_cast<int64_t>(sum) -
                                    int64_t{a_zero} * weight_sums[static_cast<size_t>(b * g.n + j)];
                  return models::GroupAccumulate(acc, s, w.Scale(b, j));
                });
  for (float& y : r.y) {
    y = models::GroupOutput(y, a_scale);
  }
  return r;
}

FormatGemmResult GroupGemmFp16OnArray(ArrayIf& array, const PeConfig& shape,
                                      const std::vector<float>& a, int64_t m,
                                      const models::GroupQuantWeights& w,
                                      const ArrayWidths& widths) {
  // Checked before GroupWeightGemm reads the weights.
  std::vector<int64_t> units = models::GroupGemmFp16Units(a, m, w);
  IntGemm g = GroupWeightGemm(w, m);
  g.a = std::move(units);
  // The format's largest value in 2^-24 units: 40 bits, three pieces on 32-bit lanes (so three
  // passes per group, whatever the data).
  g.max_a = models::kFp16MaxUnits;
  g.lanes.lane_bits = CheckedLaneBits(widths.lane_bits);
  return RunBlocks(array, shape, g, w.spec.group_size, widths.register_bits,
                   [&](int64_t, int64_t j, int64_t b, models::int128 sum, float acc) {
                     return models::GroupAccumulateFp16(acc, sum, w.Scale(b, j));
                   });
}

FormatGemmResult SmallFloatGemmOnArray(ArrayIf& array, const PeConfig& shape,
                                       const models::SmallFloatFormat& format,
                                       const std::vector<uint32_t>& a,
                                       const std::vector<uint32_t>& b, int64_t m, int64_t k,
                                       int64_t n, const models::AccumulatorSpec& acc,
                                       const ArrayWidths& widths) {
  if (m < 0 || k < 0 || n < 0 || static_cast<int64_t>(a.size()) != m * k ||
      static_cast<int64_t>(b.size()) != k * n) {
    throw InputError(std::string(format.name) + " GEMM: " + std::to_string(a.size()) + " and " +
                     std::to_string(b.size()) + " codes for M = " + std::to_string(m) +
                     ", K = " + std::to_string(k) + ", N = " + std::to_string(n));
  }
  models::CheckFp8Accumulator(acc);
  const UnitTable t =
      MakeUnitTable(format.name, format.code_count(), [&](uint32_t c, bool& finite) {
        return models::SmallFloatUnits(format, c, finite);
      });
  auto units = [&](uint32_t code, const char* operand, int64_t row, int64_t col) {
    if (code >= format.code_count()) {
      throw InputError(std::string(format.name) + " GEMM: " + operand + " code " +
                       std::to_string(code) + " at (" + std::to_string(row) + ", " +
                       std::to_string(col) + ") has more than " + std::to_string(format.bits()) +
                       " bits");
    }
    return Units(t, code, operand, row, col);
  };
  IntGemm g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.max_a = g.max_b = t.max_abs;
  g.lanes.lane_bits = CheckedLaneBits(widths.lane_bits);
  g.a.resize(a.size());
  g.b.resize(b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    g.a[i] = units(a[i], "A", static_cast<int64_t>(i) / k, static_cast<int64_t>(i) % k);
  }
  for (size_t i = 0; i < b.size(); ++i) {
    g.b[i] = units(b[i], "B", static_cast<int64_t>(i) / n, static_cast<int64_t>(i) % n);
  }
  FormatGemmResult r;
  std::vector<models::int128> sums(static_cast<size_t>(m * n), 0);
  if (!SmallFloatRunsExact(g.lanes, t.max_abs, acc)) {
    // The array's register is the FP8 MAC's: it wraps or saturates per product, as the MAC does.
    r.accumulator_bits = acc.bits;
    const PeConfig cfg = ArrayConfig(shape, acc, true);
    array.Configure(cfg);
    TileRunner runner(array, cfg);
    if (k > 0) {
      ExactSums(runner, g, 0, k, &sums, &r);
    }
  } else {
    CheckFp8RegisterForPieces(format.name, g.lanes, t.max_abs, k, acc);
    r.accumulator_bits = PassRegister(g, k, widths.register_bits);
    const PeConfig cfg =
        ArrayConfig(shape, {r.accumulator_bits, models::OverflowMode::kWrap}, false);
    array.Configure(cfg);
    TileRunner runner(array, cfg);
    if (k > 0) {
      ExactSums(runner, g, 0, k, &sums, &r);
    }
  }
  r.y.resize(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    r.y[i] = models::Fp8AccumulatorToFloat(format, models::Fp8MacState{sums[i], false});
  }
  r.overflow_events = array.overflow_events();
  return r;
}

}  // namespace quasar::sim::cycle
