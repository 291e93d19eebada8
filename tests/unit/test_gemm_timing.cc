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
    CHECK(t.cycles == 48);
    // PEs used per fold (fc outer): 4, 4, 2, 2, 2, 1 = 15 of 6 * 4.
    CHECK(t.mapped_pe_folds == 15);
    CHECK(t.MappingEfficiency(2, 2) == Approx(15.0 / 24));
    CHECK(t.Utilization(2, 2) == Approx(60.0 / (48 * 4)));
    CHECK(t.a_reads == 2 * 20);  // A (5x4) once per column fold
    CHECK(t.b_reads == 3 * 12);  // B (4x3) once per row fold
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
  CHECK(t.cycles == 2 * 128 + 128 + 64 - 2);
  // Utilization = K / (2R + C + K - 2): the fill and drain are what a short stream cannot hide.
  CHECK(t.Utilization(128, 128) == Approx(64.0 / (2 * 128 + 128 + 64 - 2)));
}

TEST_CASE("groups run one after another; depthwise maps poorly, as on real arrays") {
  // A 3x3 depthwise layer with 32 channels on 56x56: 32 GEMMs of M = 3136, K = 9, N = 1.
  const GemmTiming dw = TimeGemm(GemmShape{32, 3136, 9, 1}, 32, 32, Dataflow::kWeightStationary);
  CHECK(dw.folds == 32);  // per group: ceil(9 / 32) x ceil(1 / 32)
  CHECK(dw.MappingEfficiency(32, 32) == Approx(9.0 / 1024));
  CHECK(dw.macs == 32 * 3136 * 9);
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
