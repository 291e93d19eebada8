// Compute-only GEMM timing on a systolic array: hand-computed fold counts, cycles, mapping
// efficiency and SRAM traffic for all three dataflows, including partial folds.

#include <catch2/catch.hpp>

#include "quasar/sim/gemm_timing.h"

using quasar::compiler::GemmShape;
using quasar::models::Dataflow;
using quasar::sim::GemmTiming;
using quasar::sim::TimeGemm;

TEST_CASE("M=5, K=4, N=3 on a 2x2 array, worked by hand in each dataflow") {
  const GemmShape g{1, 5, 4, 3};
  SECTION("output stationary: Sr = M = 5, Sc = N = 3, T = K = 4") {
    const GemmTiming t = TimeGemm(g, 2, 2, Dataflow::kOutputStationary);
    CHECK(t.row_folds == 3);        // ceil(5 / 2)
    CHECK(t.col_folds == 2);        // ceil(3 / 2)
    CHECK(t.cycles_per_fold == 8);  // 2R + C + T - 2 = 4 + 2 + 4 - 2
    CHECK(t.drain_cycles == 2);     // R: the last fold's results leave the array
    CHECK(t.cycles == 50);          // 6 folds x (2R + C + T - 2) + R drain = 6 x 8 + 2
    // PEs used per fold (fc outer): 4, 4, 2, 2, 2, 1 = 15 of 6 * 4.
    CHECK(t.mapped_pe_folds == 15);
    CHECK(t.MappingEfficiency(2, 2) == Approx(15.0 / 24));
    CHECK(t.Utilization(2, 2) == Approx(60.0 / (50 * 4)));  // 60 MACs / (50 cycles x 4 PEs)
    CHECK(t.a_reads == 2 * 20);                             // A (5x4) once per column fold
    CHECK(t.b_reads == 3 * 12);                             // B (4x3) once per row fold
    CHECK(t.out_writes == 15);
    CHECK(t.out_reads == 0);
  }
  SECTION("weight stationary: Sr = K = 4, Sc = N = 3, T = M = 5") {
    const GemmTiming t = TimeGemm(g, 2, 2, Dataflow::kWeightStationary);
    CHECK(t.folds == 4);            // 2 x 2
    CHECK(t.cycles_per_fold == 9);  // R preload + R + C + T - 2 = 2 + 2 + 2 + 5 - 2
    CHECK(t.cycles == 36);
    CHECK(t.MappingEfficiency(2, 2) == Approx(12.0 / 16));  // 4, 4, 2, 2
    CHECK(t.a_reads == 2 * 20);
    CHECK(t.b_reads == 12);         // each weight loaded once
    CHECK(t.out_writes == 2 * 15);  // partial sums once per row fold
    CHECK(t.out_reads == 15);       // the second row fold reads the first one's sums back
  }
  SECTION("input stationary: Sr = K = 4, Sc = M = 5, T = N = 3") {
    const GemmTiming t = TimeGemm(g, 2, 2, Dataflow::kInputStationary);
    CHECK(t.folds == 6);            // 2 x 3
    CHECK(t.cycles_per_fold == 7);  // 2 + 2 + 2 + 3 - 2
    CHECK(t.cycles == 42);
    CHECK(t.MappingEfficiency(2, 2) == Approx(20.0 / 24));  // 4, 4, 4, 4, 2, 2
    CHECK(t.a_reads == 20);
    CHECK(t.b_reads == 3 * 12);
    CHECK(t.out_writes == 30);
    CHECK(t.out_reads == 15);
  }
}

TEST_CASE("a GEMM that fits the array exactly runs one fold at full mapping efficiency") {
  const GemmTiming t = TimeGemm(GemmShape{1, 128, 64, 128}, 128, 128, Dataflow::kOutputStationary);
  CHECK(t.folds == 1);
  CHECK(t.MappingEfficiency(128, 128) == 1.0);
  // 1 fold x (2R + C + T - 2) + R drain = (256 + 128 + 64 - 2) + 128 = 446 + 128 = 574.
  CHECK(t.cycles == 574);
  // Utilization = K / (2R + C + K - 2 + R) = 64 / 574: the shift, fill and drain are what a short
  // stream cannot hide.
  CHECK(t.Utilization(128, 128) == Approx(64.0 / 574));
}

TEST_CASE("os pays the final drain of R once per call, ws and is have none") {
  // A 3 x 2 array (R = 3, C = 2), so that a drain of R and one of C would differ.
  SECTION("os, two row folds: M = 6, K = 3, N = 2") {
    const GemmTiming t = TimeGemm(GemmShape{1, 6, 3, 2}, 3, 2, Dataflow::kOutputStationary);
    CHECK(t.folds == 2);            // ceil(6 / 3) x ceil(2 / 2)
    CHECK(t.cycles_per_fold == 9);  // 2R + C + T - 2 = 6 + 2 + 3 - 2
    CHECK(t.drain_cycles == 3);     // R
    CHECK(t.cycles == 21);          // 2 folds x 9 + R drain = 18 + 3, not 2 x (9 + 3)
  }
  SECTION("os, two GEMMs of one fold each (count = 2): M = 3, K = 3, N = 2") {
    const GemmTiming t = TimeGemm(GemmShape{2, 3, 3, 2}, 3, 2, Dataflow::kOutputStationary);
    CHECK(t.folds == 2);            // 2 x ceil(3 / 3) x ceil(2 / 2)
    CHECK(t.cycles_per_fold == 9);  // 6 + 2 + 3 - 2
    CHECK(t.drain_cycles == 3);
    CHECK(t.cycles == 21);  // 2 x 9 + 3: the second GEMM's shift-in hides the first one's drain
  }
  SECTION("ws: Sr = K = 3, Sc = N = 2, T = M = 6") {
    const GemmTiming t = TimeGemm(GemmShape{1, 6, 3, 2}, 3, 2, Dataflow::kWeightStationary);
    CHECK(t.folds == 1);
    CHECK(t.cycles_per_fold == 12);  // 6 + 2 + 6 - 2
    CHECK(t.drain_cycles == 0);
    CHECK(t.cycles == 12);  // 1 fold x 12, no drain
  }
  SECTION("is: Sr = K = 3, Sc = M = 6, T = N = 2") {
    const GemmTiming t = TimeGemm(GemmShape{1, 6, 3, 2}, 3, 2, Dataflow::kInputStationary);
    CHECK(t.folds == 3);            // ceil(3 / 3) x ceil(6 / 2)
    CHECK(t.cycles_per_fold == 8);  // 6 + 2 + 2 - 2
    CHECK(t.drain_cycles == 0);
    CHECK(t.cycles == 24);  // 3 folds x 8, no drain
  }
}

TEST_CASE("groups run one after another, depthwise maps poorly, as on real arrays") {
  // A 3x3 depthwise layer with 32 channels on 56x56: 32 GEMMs of M = 3136, K = 9, N = 1.
  const GemmTiming dw = TimeGemm(GemmShape{32, 3136, 9, 1}, 32, 32, Dataflow::kWeightStationary);
  CHECK(dw.folds == 32);  // per group: ceil(9 / 32) x ceil(1 / 32)
  CHECK(dw.MappingEfficiency(32, 32) == Approx(9.0 / 1024));
  CHECK(dw.macs == 32 * 3136 * 9);
  CHECK(dw.drain_cycles == 0);  // ws: no final drain
  CHECK(dw.cycles == 32 * (2 * 32 + 32 + 3136 - 2));
}

TEST_CASE("properties hold over many shapes") {
  for (int64_t m : {1, 7, 64, 300}) {
    for (int64_t k : {1, 9, 100}) {
      for (int64_t n : {1, 16, 129}) {
        for (Dataflow d : {Dataflow::kOutputStationary, Dataflow::kWeightStationary,
                           Dataflow::kInputStationary}) {
          const GemmTiming t = TimeGemm(GemmShape{2, m, k, n}, 16, 8, d);
          INFO(m << "x" << k << "x" << n << " " << quasar::models::DataflowName(d));
          CHECK(t.macs == 2 * m * k * n);
          CHECK(t.drain_cycles == (d == Dataflow::kOutputStationary ? 16 : 0));  // R = 16 for os
          CHECK(t.Utilization(16, 8) <= t.MappingEfficiency(16, 8));
          CHECK(t.MappingEfficiency(16, 8) <= 1.0);
          CHECK(t.a_reads >= 2 * m * k);  // every operand is read at least once
          CHECK(t.b_reads >= 2 * k * n);
          CHECK(t.out_writes >= 2 * m * n);
        }
      }
    }
  }
  CHECK_THROWS_AS(TimeGemm(GemmShape{1, 0, 1, 1}, 2, 2, Dataflow::kOutputStationary),
                  std::invalid_argument);
}
