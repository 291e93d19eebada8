#pragma once
// What the format GEMMs' array tests share, on the C++ array (tests/unit) and on the Verilated
// arrays (tests/rtl): an array's shape, the bit-for-bit comparison of every output element, and
// the cycles the tile sequencer takes for a block GEMM's passes.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quasar/models/dataflow.h"
#include "quasar/sim/cycle/array_if.h"
#include "quasar/sim/gemm_timing.h"

namespace quasar::test {

inline constexpr models::Dataflow kDataflows[] = {models::Dataflow::kOutputStationary,
                                                  models::Dataflow::kWeightStationary,
                                                  models::Dataflow::kInputStationary};

// A rows x cols array in dataflow `df`, unpacked.
inline sim::cycle::PeConfig ArrayShape(models::Dataflow df, int64_t rows, int64_t cols) {
  sim::cycle::PeConfig c;
  c.dataflow = df;
  c.rows = rows;
  c.cols = cols;
  return c;
}

// Every element bit for bit (any NaN equals any NaN: the golden kernels' NaN is a quiet NaN
// whose payload is not part of the format). `who` names the run in the first difference.
inline void RequireSameBits(const std::vector<float>& got, const std::vector<float>& want,
                            const char* who = "array") {
  REQUIRE(got.size() == want.size());
  int64_t differing = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t g = 0, w = 0;
    std::memcpy(&g, &got[i], sizeof g);
    std::memcpy(&w, &want[i], sizeof w);
    const bool same = (std::isnan(got[i]) && std::isnan(want[i])) || g == w;
    if (!same && differing++ == 0) {
      FAIL_CHECK("element " << i << ": " << who << " " << got[i] << ", golden " << want[i]);
    }
  }
  REQUIRE(differing == 0);
}

// The tile sequencer's cycles for the passes of a block GEMM: TimeGemm of each block.
inline int64_t BlockCycles(const sim::cycle::PeConfig& s, int64_t m, int64_t k, int64_t n,
                           int64_t block) {
  int64_t cycles = 0;
  for (int64_t k0 = 0; k0 < k; k0 += block) {
    cycles += sim::TimeGemm(compiler::GemmShape{1, m, std::min(block, k - k0), n}, s.rows, s.cols,
                            s.dataflow)
                  .cycles;
  }
  return cycles;
}

}  // namespace quasar::test
