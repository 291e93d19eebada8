// The cycle-level PE array (CppArray) driven by the tile sequencer (TileRunner): a GEMM worked
// by hand in each dataflow, then random tiles (several row and column folds, packed operands,
// narrow wrapping or saturating accumulators) against a naive reference that adds in the golden
// kernels' order, with cycles and SRAM traffic equal to the analytical model's TimeGemm.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/int_math.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/tile_runner.h"
#include "quasar/sim/gemm_timing.h"

using quasar::compiler::GemmShape;
using quasar::models::AccumulateAdd;
using quasar::models::AccumulatorSpec;
using quasar::models::CeilDiv;
using quasar::models::Dataflow;
using quasar::models::OverflowMode;
using quasar::sim::GemmTiming;
using quasar::sim::TimeGemm;
using quasar::sim::cycle::CppArray;
using quasar::sim::cycle::PeConfig;
using quasar::sim::cycle::TileCounts;
using quasar::sim::cycle::TileOperands;
using quasar::sim::cycle::TileRunner;

namespace {

constexpr Dataflow kDataflows[] = {Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                                   Dataflow::kInputStationary};

PeConfig MakeConfig(Dataflow df, int64_t rows, int64_t cols, int pack = 1, bool chunked = false,
                    AccumulatorSpec acc = {}, bool checked = true) {
  PeConfig c;
  c.dataflow = df;
  c.rows = rows;
  c.cols = cols;
  c.pack = pack;
  c.chunked = chunked;
  c.acc = acc;
  c.checked = checked;
  return c;
}

// The golden order: each output starts from its running value, then adds the products in k
// order, one addition per product, or (chunked) one per packed element of `pack` products,
// the last element zero padded. Returns the additions that overflowed.
int64_t Reference(const TileOperands& t, int pack, bool chunked, const AccumulatorSpec& acc) {
  int64_t events = 0;
  for (int64_t i = 0; i < t.m; ++i) {
    for (int64_t j = 0; j < t.n; ++j) {
      int64_t v = t.acc[i * t.n + j];
      for (int64_t k0 = 0; k0 < t.k; k0 += pack) {
        int64_t chunk = 0;
        for (int64_t kk = k0; kk < k0 + pack && kk < t.k; ++kk) {
          const int64_t prod = static_cast<int64_t>(t.a[i * t.k + kk]) * t.b[kk * t.n + j];
          if (chunked) {
            chunk += prod;
          } else {
            v = AccumulateAdd(v, prod, acc, &events);
          }
        }
        if (chunked) {
          v = AccumulateAdd(v, chunk, acc, &events);
        }
      }
      t.acc[i * t.n + j] = v;
    }
  }
  return events;
}

// The GEMM dimension a dataflow streams (T): os K, ws M, is N.
int64_t& StreamLength(Dataflow df, int64_t& m, int64_t& k, int64_t& n) {
  return df == Dataflow::kOutputStationary ? k : df == Dataflow::kWeightStationary ? m : n;
}

// Cycles and SRAM traffic of a tile are TimeGemm's for the GEMM with the reduction packed;
// reading the initial values from the output SRAM adds one read per output.
void CheckCountsMatchTimeGemm(const TileCounts& got, const PeConfig& cfg, int64_t m, int64_t k,
                              int64_t n, bool init_from_sram) {
  const GemmTiming want =
      TimeGemm(GemmShape{1, m, CeilDiv(k, cfg.pack), n}, cfg.rows, cfg.cols, cfg.dataflow);
  CHECK(got.cycles == want.cycles);
  CHECK(got.folds == want.folds);
  CHECK(got.mapped_pe_folds == want.mapped_pe_folds);
  CHECK(got.a_reads == want.a_reads);
  CHECK(got.b_reads == want.b_reads);
  CHECK(got.out_writes == want.out_writes);
  CHECK(got.out_reads == want.out_reads + (init_from_sram ? m * n : 0));
}

}  // namespace

TEST_CASE("M=3, K=2, N=2 on a 2x2 array, worked by hand in each dataflow") {
  // A = [1 2]   B = [1 -1]   A x B = [ 1+4  -1+6 ]   [ 5  5]
  //     [3 4]       [2  3]           [ 3+8  -3+12] = [11  9]
  //     [5 6]                        [ 5+12 -5+18]   [17 13]
  // onto the biases [10, 20] per row: [15 25; 21 29; 27 33].
  const std::vector<int32_t> a = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> b = {1, -1, 2, 3};
  const std::vector<int64_t> want = {15, 25, 21, 29, 27, 33};
  std::vector<int64_t> acc = {10, 20, 10, 20, 10, 20};
  TileOperands t;
  t.m = 3, t.k = 2, t.n = 2;
  t.a = a.data(), t.b = b.data(), t.acc = acc.data();

  SECTION("weight stationary: Sr = K = 2, Sc = N = 2, T = M = 3, one fold") {
    const PeConfig cfg = MakeConfig(Dataflow::kWeightStationary, 2, 2);
    CppArray array;
    array.Configure(cfg);
    const TileCounts c = TileRunner(array, cfg).Run(t);
    CHECK(acc == want);
    CHECK(c.cycles == 7);  // 2R + C + T - 2 = 4 + 2 + 3 - 2
    CHECK(c.folds == 1);
    CHECK(c.mapped_pe_folds == 4);
    CHECK(c.a_reads == 6);     // A once (one column fold)
    CHECK(c.b_reads == 4);     // each weight loaded once
    CHECK(c.out_writes == 6);  // each output once (one row fold)
    CHECK(c.out_reads == 0);   // biases, not SRAM partial sums
    CHECK(array.overflow_events() == 0);
  }
  SECTION("output stationary: Sr = M = 3, Sc = N = 2, T = K = 2, two row folds") {
    const PeConfig cfg = MakeConfig(Dataflow::kOutputStationary, 2, 2);
    CppArray array;
    array.Configure(cfg);
    t.init_from_sram = true;
    const TileCounts c = TileRunner(array, cfg).Run(t);
    CHECK(acc == want);
    CHECK(c.cycles == 14);  // 2 folds x (2R + C + T - 2 = 4 + 2 + 2 - 2) + R drain = 12 + 2
    CHECK(c.folds == 2);
    CHECK(c.mapped_pe_folds == 6);  // 2x2 + 1x2
    CHECK(c.a_reads == 6);          // A once (one column fold)
    CHECK(c.b_reads == 8);          // B once per row fold
    CHECK(c.out_writes == 6);       // each output leaves the array once
    CHECK(c.out_reads == 6);        // each initial value read from the output SRAM once
  }
  SECTION("input stationary: Sr = K = 2, Sc = M = 3, T = N = 2, two column folds") {
    const PeConfig cfg = MakeConfig(Dataflow::kInputStationary, 2, 2);
    CppArray array;
    array.Configure(cfg);
    const TileCounts c = TileRunner(array, cfg).Run(t);
    CHECK(acc == want);
    CHECK(c.cycles == 12);  // 2 folds x (2R + C + T - 2 = 4 + 2 + 2 - 2)
    CHECK(c.folds == 2);
    CHECK(c.mapped_pe_folds == 6);  // 2x2 + 2x1
    CHECK(c.a_reads == 6);          // A loaded once
    CHECK(c.b_reads == 8);          // B once per column fold
    CHECK(c.out_writes == 6);
    CHECK(c.out_reads == 0);
  }
}

TEST_CASE("ws partial sums leave the bottom of each column R-1 cycles after entering") {
  // 2x2 ws, A = [1 2; 3 4; 5 6], B = [1 -1; 2 3], zero biases: output (t, c) enters the top of
  // column c at compute cycle t + c and leaves the bottom at the end of cycle t + c + R - 1.
  const std::vector<int32_t> a = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> b = {1, -1, 2, 3};
  std::vector<int64_t> acc(6, 0);
  TileOperands t;
  t.m = 3, t.k = 2, t.n = 2;
  t.a = a.data(), t.b = b.data(), t.acc = acc.data();
  const PeConfig cfg = MakeConfig(Dataflow::kWeightStationary, 2, 2);
  CppArray array;
  array.Configure(cfg);
  std::vector<std::vector<int64_t>> south;
  TileRunner(array, cfg).Run(t, [&](const quasar::sim::cycle::EdgeIn&, const int64_t* s) {
    south.push_back({s[0], s[1]});
  });
  REQUIRE(south.size() == 7);
  // Cycles 0, 1 shift; compute cycle j is south[2 + j]. Column 0 carries 5, 11, 17 at compute
  // cycles 1, 2, 3; column 1 carries 5, 9, 13 at compute cycles 2, 3, 4.
  CHECK(south[3][0] == 5);
  CHECK(south[4][0] == 11);
  CHECK(south[5][0] == 17);
  CHECK(south[4][1] == 5);
  CHECK(south[5][1] == 9);
  CHECK(south[6][1] == 13);
}

TEST_CASE("random tiles equal the naive reference and TimeGemm's counts in every dataflow") {
  std::mt19937 rng(20240611);
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int64_t cases = 0, overflowing_cases = 0, multi_fold_cases = 0;
  // Each case: a k-split into two tiles run back to back on one runner (the second reading its
  // initial values from the output SRAM), as the layer executor runs the reduction tiles.
  auto run_case = [&](Dataflow df, int64_t R, int64_t C, int pack, bool chunked,
                      AccumulatorSpec acc_spec, int64_t m, int64_t k, int64_t n, int32_t lo,
                      int32_t hi, bool init_from_sram) {
    const bool binary = lo == -1 && hi == 1;
    std::vector<int32_t> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
    for (auto& v : a) v = static_cast<int32_t>(binary ? (uni(0, 1) ? 1 : -1) : uni(lo, hi));
    for (auto& v : b) v = static_cast<int32_t>(binary ? (uni(0, 1) ? 1 : -1) : uni(lo, hi));
    std::vector<int64_t> init(static_cast<size_t>(m * n));
    for (auto& v : init) v = uni(acc_spec.min(), acc_spec.max());
    std::vector<int64_t> got = init, want = init;

    const PeConfig cfg = MakeConfig(df, R, C, pack, chunked, acc_spec);
    CppArray array;
    array.Configure(cfg);
    TileRunner runner(array, cfg);
    // Split k at a random point (0: one tile); the tiles are column blocks of A and row blocks
    // of B, copied out as a compiler's tiler would.
    const int64_t split = uni(0, k - 1);
    int64_t want_events = 0;
    for (int part = 0; part < (split > 0 ? 2 : 1); ++part) {
      const int64_t k0 = part == 0 ? 0 : split, k1 = (part == 0 && split > 0) ? split : k;
      const int64_t kt = k1 - k0;
      std::vector<int32_t> at(static_cast<size_t>(m * kt)), bt(static_cast<size_t>(kt * n));
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t kk = 0; kk < kt; ++kk) at[i * kt + kk] = a[i * k + k0 + kk];
      }
      for (int64_t kk = 0; kk < kt; ++kk) {
        for (int64_t j = 0; j < n; ++j) bt[kk * n + j] = b[(k0 + kk) * n + j];
      }
      TileOperands t;
      t.m = m, t.k = kt, t.n = n;
      t.a = at.data(), t.b = bt.data();
      t.init_from_sram = part > 0 || init_from_sram;
      t.acc = want.data();
      want_events += Reference(t, pack, chunked, acc_spec);
      t.acc = got.data();
      const TileCounts counts = runner.Run(t);
      INFO("df " << static_cast<int>(df) << " R " << R << " C " << C << " pack " << pack
                 << " chunked " << chunked << " bits " << acc_spec.bits << " sat "
                 << (acc_spec.overflow == OverflowMode::kSaturate) << " m " << m << " k " << kt
                 << " n " << n << " part " << part);
      CheckCountsMatchTimeGemm(counts, cfg, m, kt, n, t.init_from_sram);
      multi_fold_cases += counts.folds > 1 ? 1 : 0;
    }
    INFO("df " << static_cast<int>(df) << " R " << R << " C " << C << " pack " << pack
               << " chunked " << chunked << " bits " << acc_spec.bits << " m " << m << " k " << k
               << " n " << n << " split " << split);
    REQUIRE(got == want);  // every element
    REQUIRE(array.overflow_events() == want_events);
    ++cases;
    overflowing_cases += want_events > 0 ? 1 : 0;
  };

  for (int i = 0; i < 1500; ++i) {
    const Dataflow df = kDataflows[i % 3];
    AccumulatorSpec acc;
    acc.bits = static_cast<int>(uni(8, 12));
    acc.overflow = uni(0, 1) ? OverflowMode::kSaturate : OverflowMode::kWrap;
    const int pack = static_cast<int>(uni(1, 4));
    const int32_t mag = uni(0, 1) ? 8 : 128;
    // Mostly small arrays with many folds; every tenth case a larger array, and every tenth
    // a long stream (T = m, k or n of a few hundred).
    const bool large = i % 10 == 9, long_stream = i % 10 == 4;
    const int64_t R = large ? uni(6, 16) : uni(1, 5), C = large ? uni(6, 16) : uni(1, 5);
    int64_t m = uni(1, large ? 40 : 13), k = uni(1, large ? 60 : 20);
    int64_t n = uni(1, large ? 40 : 13);
    if (long_stream) {
      StreamLength(df, m, k, n) = uni(100, 400);
    }
    run_case(df, R, C, pack, uni(0, 1) == 1, acc, m, k, n, -mag, mag - 1, uni(0, 1) == 1);
  }
  // XNOR-popcount lanes: +-1 operands, one addition per 16- or 64-operand element.
  for (const Dataflow df : kDataflows) {
    for (const int pack : {16, 64}) {
      for (const OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
        AccumulatorSpec acc;
        acc.bits = 8;
        acc.overflow = mode;
        run_case(df, 3, 2, pack, true, acc, 7, 5 * pack + 3, 5, -1, 1, mode == OverflowMode::kWrap);
      }
    }
  }
  // The reference and the checks must have had something to catch.
  CHECK(cases == 1512);
  CHECK(overflowing_cases > cases / 4);
  CHECK(multi_fold_cases > cases / 2);
}

TEST_CASE("checked = false adds like checked = true when no addition can overflow") {
  std::mt19937 rng(7);
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 180; ++i) {
    const Dataflow df = kDataflows[(i / 3) % 3];
    const int64_t R = uni(1, 6), C = uni(1, 6);
    int64_t m = uni(1, 15), k = uni(1, 25), n = uni(1, 15);
    if (i % 4 == 0) {  // a long stream
      StreamLength(df, m, k, n) = uni(100, 300);
    }
    const int pack = static_cast<int>(uni(1, 4));
    const bool chunked = uni(0, 1) == 1;
    std::vector<int32_t> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
    for (auto& v : a) v = static_cast<int32_t>(uni(-128, 127));
    for (auto& v : b) v = static_cast<int32_t>(uni(-128, 127));
    AccumulatorSpec acc;
    acc.bits = i % 3 == 0 ? 32 : i % 3 == 1 ? 48 : 64;
    // Initial values in +-2^(bits - 2), so that the sums use the accumulator's width: a sum
    // adds at most 300 * 128 * 128 < 2^23 to them, which never overflows.
    const int64_t quarter = int64_t{1} << (acc.bits - 2);
    std::vector<int64_t> init(static_cast<size_t>(m * n));
    for (auto& v : init) v = uni(-quarter, quarter);
    std::vector<int64_t> results[2];
    TileCounts counts[2];
    for (const bool checked : {true, false}) {
      const PeConfig cfg = MakeConfig(df, R, C, pack, chunked, acc, checked);
      CppArray array;
      array.Configure(cfg);
      std::vector<int64_t> out = init;
      TileOperands t;
      t.m = m, t.k = k, t.n = n;
      t.a = a.data(), t.b = b.data(), t.acc = out.data();
      counts[checked] = TileRunner(array, cfg).Run(t);
      CHECK(array.overflow_events() == 0);
      results[checked] = out;
    }
    INFO("df " << static_cast<int>(df) << " R " << R << " C " << C << " pack " << pack << " m " << m
               << " k " << k << " n " << n);
    REQUIRE(results[0] == results[1]);
    CHECK(counts[0].cycles == counts[1].cycles);
    // And both equal the reference.
    std::vector<int64_t> want = init;
    TileOperands t;
    t.m = m, t.k = k, t.n = n;
    t.a = a.data(), t.b = b.data(), t.acc = want.data();
    CHECK(Reference(t, pack, chunked, acc) == 0);
    REQUIRE(results[0] == want);
  }
}

TEST_CASE("a shift phase clears the moving operands") {
  // One PE, ws: load weight 3, stream 5 (P = 15); shift the same weight back in, and a compute
  // cycle with nothing entering at the west edge must add nothing to the initial value 7.
  // os: A = 5 and B = 3 (P = 15); after a shift (which brings in 7) a compute cycle with no
  // operands at the edges leaves 7.
  for (const Dataflow df : {Dataflow::kWeightStationary, Dataflow::kOutputStationary}) {
    for (const int64_t cols : {1, 3}) {
      const PeConfig cfg = MakeConfig(df, 2, cols);
      CppArray array;
      array.Configure(cfg);
      const std::vector<int32_t> three(static_cast<size_t>(cols), 3), five(2, 5);
      const std::vector<int64_t> seven(static_cast<size_t>(cols), 7), zero(3, 0);
      std::vector<int64_t> south(static_cast<size_t>(cols));
      using quasar::sim::cycle::EdgeIn;
      using quasar::sim::cycle::Phase;
      const bool ws = df == Dataflow::kWeightStationary;
      if (ws) {
        array.Cycle(EdgeIn{Phase::kShift, nullptr, three.data(), nullptr}, south.data());
      }
      array.Cycle(EdgeIn{Phase::kCompute, five.data(), three.data(), zero.data()}, south.data());
      CHECK(array.Psum(0, 0) == 15);
      array.Cycle(EdgeIn{Phase::kShift, nullptr, three.data(), seven.data()}, south.data());
      array.Cycle(EdgeIn{Phase::kCompute, nullptr, nullptr, seven.data()}, south.data());
      CHECK(array.Psum(0, 0) == 7);
      if (cols > 1) {
        CHECK(array.Psum(0, 1) == 7);  // the 5 that was in column 0 entered column 1 as 0
      }
      // ws: row 0's partial sum 15 flowed down; os: the shift moved the 15 down.
      CHECK(array.Psum(1, 0) == 15);
    }
  }
}

TEST_CASE("CppArray::Configure rejects an empty array or pack") {
  CppArray array;
  CHECK_THROWS_AS(array.Configure(MakeConfig(Dataflow::kWeightStationary, 0, 4)),
                  std::invalid_argument);
  CHECK_THROWS_AS(array.Configure(MakeConfig(Dataflow::kOutputStationary, 4, 0)),
                  std::invalid_argument);
  CHECK_THROWS_AS(array.Configure(MakeConfig(Dataflow::kInputStationary, 4, 4, 0)),
                  std::invalid_argument);
  CHECK_THROWS_AS(array.Configure(MakeConfig(Dataflow::kWeightStationary, -1, -1, -1)),
                  std::invalid_argument);
  CHECK_NOTHROW(array.Configure(MakeConfig(Dataflow::kWeightStationary, 1, 1, 1)));
}
