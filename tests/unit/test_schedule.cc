// The compiler's tiles and mapper: the tile sequence of every loop order (which operand tiles are
// reloaded, where partial sums spill), input footprints of convolution tiles, layer preparation
// (kinds, widths, packing, accumulator width), and the mapper's search.

#include <array>
#include <catch2/catch.hpp>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/dataflow.h"
#include "quasar/models/error.h"
#include "quasar/models/net/network.h"
#include "quasar/sim/analytical.h"

using namespace quasar::compiler;
using quasar::models::ArchSpec;
using quasar::models::LoadCostTable;
namespace sim = quasar::sim;
using quasar::models::NetworkSpec;
using quasar::models::ParseArchSpec;
using quasar::models::ParseNetwork;

namespace {

LayerSchedule Gemm(int64_t m, int64_t k, int64_t n, Tiling t) {
  LayerSchedule l;
  l.gemm = GemmShape{1, m, k, n};
  l.tiling = t;
  return l;
}

std::vector<TileStep> Steps(const LayerSchedule& l) {
  std::vector<TileStep> out;
  ForEachTile(l, [&](const TileStep& s) { out.push_back(s); });
  return out;
}

// "m0 k0 n0 flags" with flags a (load A), b (load B), p (psum in), s (spill), f (final store).
std::string Describe(const TileStep& s) {
  std::string f;
  if (s.load_a) f += 'a';
  if (s.load_b) f += 'b';
  if (s.psum_in) f += 'p';
  if (s.store) f += s.final_out ? 'f' : 's';
  return std::to_string(s.m0) + " " + std::to_string(s.k0) + " " + std::to_string(s.n0) + " " + f;
}

const char* kArch = R"(version: 1
name: tiny
array: {rows: 2, cols: 2, dataflow: ws}
)";

}  // namespace

TEST_CASE("tile sequence of a 5x4x3 GEMM in 2x2x3 tiles, k innermost and outermost") {
  SECTION("mnk: an output tile stays on chip across its reduction") {
    const auto steps = Steps(Gemm(5, 4, 3, Tiling{2, 2, 3, LoopOrder::kMNK}));
    std::vector<std::string> got;
    for (const auto& s : steps) got.push_back(Describe(s));
    // Tiles m x k x n = 3 x 2 x 1; B (k, n) changes with k, so it reloads at every step.
    CHECK(got == std::vector<std::string>{"0 0 0 ab", "0 2 0 abf", "2 0 0 ab", "2 2 0 abf",
                                          "4 0 0 ab", "4 2 0 abf"});
    CHECK(steps[4].mt == 1);  // the partial last M tile
  }
  SECTION("kmn: every output tile spills after k = 0 and is read back at k = 2") {
    const auto steps = Steps(Gemm(5, 4, 3, Tiling{2, 2, 3, LoopOrder::kKMN}));
    std::vector<std::string> got;
    for (const auto& s : steps) got.push_back(Describe(s));
    // B (k, n) is reused while m moves under it.
    CHECK(got == std::vector<std::string>{"0 0 0 abs", "2 0 0 as", "4 0 0 as", "0 2 0 abpf",
                                          "2 2 0 apf", "4 2 0 apf"});
  }
  SECTION("nmk with one N tile visits the same tiles as mnk") {
    const auto a = Steps(Gemm(5, 4, 3, Tiling{2, 2, 3, LoopOrder::kMNK}));
    const auto b = Steps(Gemm(5, 4, 3, Tiling{2, 2, 3, LoopOrder::kNMK}));
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(Describe(a[i]) == Describe(b[i]));
  }
  SECTION("nmk with one M and one K tile reuses A across n") {
    const auto steps = Steps(Gemm(4, 4, 4, Tiling{4, 4, 2, LoopOrder::kNMK}));
    std::vector<std::string> got;
    for (const auto& s : steps) got.push_back(Describe(s));
    CHECK(got == std::vector<std::string>{"0 0 0 abf", "0 0 2 bf"});
  }
  SECTION("groups run one after another, each from a fresh load") {
    LayerSchedule l = Gemm(2, 2, 2, Tiling{2, 2, 2, LoopOrder::kMNK});
    l.gemm.count = 3;
    const auto steps = Steps(l);
    REQUIRE(steps.size() == 3);
    for (int g = 0; g < 3; ++g) {
      CHECK(steps[static_cast<size_t>(g)].group == g);
      CHECK(Describe(steps[static_cast<size_t>(g)]) == "0 0 0 abf");
    }
  }
}

TEST_CASE("every loop order visits each (m, k, n) tile once and stores each output once, final") {
  for (LoopOrder o : kAllLoopOrders) {
    INFO(LoopOrderName(o));
    const LayerSchedule l = Gemm(7, 9, 5, Tiling{3, 4, 2, o});
    std::vector<int> seen(3 * 3 * 3, 0), finals(3 * 3, 0);
    for (const TileStep& s : Steps(l)) {
      ++seen[static_cast<size_t>((s.m0 / 3) * 9 + (s.k0 / 4) * 3 + s.n0 / 2)];
      if (s.final_out) ++finals[static_cast<size_t>((s.m0 / 3) * 3 + s.n0 / 2)];
      CHECK((s.psum_in ? s.k0 > 0 : true));
    }
    for (int v : seen) CHECK(v == 1);
    for (int v : finals) CHECK(v == 1);
    CHECK(ParseLoopOrder(LoopOrderName(o)) == o);
  }
}

TEST_CASE("input footprint of convolution tiles, worked by hand") {
  // 2 images of 2 x 6 x 6, a 3 x 3 window, stride 1, padding 1: 6 x 6 outputs, K = 2 * 9.
  LayerSchedule l;
  l.gemm = GemmShape{1, 2 * 36, 18, 4};
  l.in_h = l.in_w = l.out_h = l.out_w = 6;
  l.kernel_h = l.kernel_w = 3;
  // Output rows 0-1 touch input rows -1..2, counted as 4 (padding is not subtracted); channel 0.
  CHECK(InputFootprint(l, 0, 12, 0, 9) == 1 * 4 * 6);
  // Output row 1, both channels: rows 0..2.
  CHECK(InputFootprint(l, 6, 6, 0, 18) == 2 * 3 * 6);
  // k from 5 to 12 spans channels 0 and 1.
  CHECK(InputFootprint(l, 6, 6, 5, 8) == 2 * 3 * 6);
  // The last row of image 0 and the first of image 1: 3 rows in each image.
  CHECK(InputFootprint(l, 30, 12, 0, 18) == 2 * (3 + 3) * 6);
  // Never more than the im2col tile itself.
  CHECK(InputFootprint(l, 0, 1, 0, 2) == 2);
  // The bound covers every placement of the tile.
  for (int64_t mt : {1, 5, 6, 7, 12, 36, 40, 72}) {
    for (int64_t kt : {1, 4, 9, 10, 18}) {
      for (int64_t m0 = 0; m0 + mt <= 72; m0 += 1) {
        for (int64_t k0 = 0; k0 + kt <= 18; k0 += 1) {
          INFO(mt << " " << kt << " " << m0 << " " << k0);
          REQUIRE(InputFootprint(l, m0, mt, k0, kt) <= InputFootprintBound(l, mt, kt));
        }
      }
    }
  }
  // Fully connected: the tile is the input.
  LayerSchedule fc;
  fc.gemm = GemmShape{1, 4, 100, 10};
  CHECK(InputFootprint(fc, 0, 4, 0, 64) == 256);
}

TEST_CASE("PrepareLayer: kinds, widths, packing and the accumulator warning") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [1, 4, 8, 8]}]
precision:
  weights: {bits: 4}
  activations: {bits: 4, signed: false}
layers:
  - {name: c1, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: p, op: max_pool, kernel: 2, stride: 2}
  - {name: f, op: flatten}
  - {name: fc, op: fully_connected, out_features: 10}
)",
                                       "t.yaml");
  ArchSpec arch =
      ParseArchSpec(std::string(kArch) + "mac: {precision_scaling: bit_fusion}\n", "a.yaml");
  const LayerSchedule c1 = PrepareLayer(net.layers[0], net, arch);
  CHECK(c1.kind == LayerKind::kGemm);
  CHECK(c1.gemm.m == 64);
  CHECK(c1.gemm.k == 36);
  CHECK(c1.gemm.n == 8);
  CHECK(c1.bits.a_bits == 4);
  CHECK(c1.bits.mac_a_bits == 5);  // unsigned 4-bit on a signed MAC
  CHECK(c1.bits.w_bits == 4);
  CHECK(c1.pack == 2);  // Bit Fusion 8x8: w4 -> 2, a5 -> 8-bit bricks -> 1
  CHECK(c1.in_h == 8);
  CHECK(c1.kernel_h == 3);
  // |x - z| <= 15 (uint4 asym), |w| <= 8: 36 * 15 * 8 = 4320 needs 14 signed bits.
  CHECK(c1.required_acc_bits == 14);
  CHECK(c1.warnings.empty());
  CHECK(PrepareLayer(net.layers[1], net, arch).kind == LayerKind::kPost);
  CHECK(PrepareLayer(net.layers[1], net, arch).post_compares_per_out == 3);
  CHECK(PrepareLayer(net.layers[2], net, arch).kind == LayerKind::kView);

  arch.mac.accumulator.bits = 12;
  const LayerSchedule narrow = PrepareLayer(net.layers[0], net, arch);
  REQUIRE(narrow.warnings.size() == 1);
  CHECK(narrow.warnings[0].find("12 bits") != std::string::npos);
  CHECK(narrow.ok());

  arch.mac.weight_bits = arch.mac.activation_bits = 4;
  arch.mac.scaling = quasar::models::PrecisionScaling::kNone;
  const LayerSchedule cannot = PrepareLayer(net.layers[0], net, arch);
  CHECK_FALSE(cannot.ok());
  CHECK(cannot.status.find("5-bit activations") != std::string::npos);
}

TEST_CASE("candidate extents: balanced splits aligned to the array, then below one side") {
  CHECK(CandidateExtents(100, 16) == std::vector<int64_t>{100, 64, 32, 16, 8, 4, 2, 1});
  CHECK(CandidateExtents(5, 16) == std::vector<int64_t>{5, 3, 2, 1});
  CHECK(CandidateExtents(1, 1) == std::vector<int64_t>{1});
  const auto many = CandidateExtents(100000, 1);  // 100000, 50000, ..., 2, 1
  CHECK(many.size() == 18);
  CHECK(many.back() == 1);
}

TEST_CASE("the mapper prices every maximal legal tiling and keeps the cheapest") {
  ArchSpec arch = ParseArchSpec(std::string(kArch) + R"(buffers:
  input: {kib: 1, word_bytes: 4}
  weight: {kib: 1, word_bytes: 4}
  output: {kib: 1, word_bytes: 4}
)",
                                "a.yaml");
  LayerSchedule l;
  l.kind = LayerKind::kGemm;
  l.gemm = GemmShape{1, 40, 64, 30};
  const auto candidates = CandidateTilings(l, arch, MapperSearch::kMaximal);
  REQUIRE_FALSE(candidates.empty());
  for (const Tiling& t : candidates) {
    CHECK(TilingFits(l, t, arch));
  }
  // A price that prefers the smallest number of tiles, then mnk order.
  auto price = [](const LayerSchedule& s) {
    return static_cast<double>(s.TilesM() * s.TilesK() * s.TilesN()) * 10 +
           static_cast<double>(s.tiling.order);
  };
  double best = std::numeric_limits<double>::infinity();
  for (const Tiling& t : candidates) {
    LayerSchedule s = l;
    s.tiling = t;
    best = std::min(best, price(s));
  }
  LayerSchedule mapped = l;
  MapLayer(&mapped, arch, price, nullptr, MapperSearch::kMaximal);
  CHECK(mapped.ok());
  CHECK(mapped.candidates == static_cast<int64_t>(candidates.size()));
  CHECK(mapped.feasible_candidates == mapped.candidates);
  CHECK(price(mapped) == best);

  // A price that refuses everything leaves a status, not an exception.
  LayerSchedule refused = l;
  MapLayer(&refused, arch,
           [](const LayerSchedule&) { return std::numeric_limits<double>::infinity(); });
  CHECK_FALSE(refused.ok());
}

TEST_CASE("the maximal search's tilings are the definition's, block-scaled inputs included") {
  // The definition (mapper_search.cc, FastTilings): over each dimension's CandidateExtents, the
  // tilings (m, k, n) that fit where neither the next larger m nor the next larger k fits with
  // the same n, and n is the largest that fits with m and k; found here by a plain scan. With
  // MX inputs a smaller k can need more input bytes (a convolution's footprint stays, its block
  // scales grow), so fitting is not monotone in k: the search must not assume it.
  size_t checked = 0, not_monotone = 0;
  for (const std::string code : {"", "mxint8", "mxfp4_e2m1"}) {
    const std::string precision = code.empty() ? ""
                                               : "precision:\n  weights: {code: " + code +
                                                     "}\n  activations: {code: " + code + "}\n";
    const NetworkSpec net = ParseNetwork(R"(version: 1
name: c
inputs: [{name: x, shape: [1, 64, 56, 56]}]
)" + precision + R"(layers:
  - {name: c1, op: conv2d, out_channels: 128, kernel: 3, padding: 1}
  - {name: c2, op: conv2d, out_channels: 64, kernel: 1}
  - {name: f, op: flatten}
  - {name: fc, op: fully_connected, out_features: 100}
)",
                                         "c.yaml");
    const std::string mac =
        code.empty()       ? ""
        : code == "mxint8" ? "mac: {format: mxint8}\n"
                           : "mac: {format: " + code + ", weight_bits: 4, activation_bits: 4}\n";
    for (const char* dataflow : {"os", "ws", "is"}) {
      for (int input_kib : {8, 16, 64}) {
        ArchSpec arch = ParseArchSpec(
            std::string("version: 1\nname: a\narray: {rows: 32, cols: 32, dataflow: ") + dataflow +
                "}\nbuffers: {input: {kib: " + std::to_string(input_kib) +
                "}, weight: {kib: 32}, output: {kib: 64}}\n" + mac,
            "a.yaml");
        for (const quasar::models::NetLayer& layer : net.layers) {
          const LayerSchedule l = PrepareLayer(layer, net, arch);
          if (l.kind != LayerKind::kGemm || !l.ok()) continue;
          INFO(code << " " << dataflow << " " << input_kib << " KiB, " << l.name);
          const quasar::models::DataflowTraits& tr = quasar::models::TraitsOf(arch.dataflow);
          const int64_t extent[3] = {l.gemm.m, l.gemm.k, l.gemm.n}, unit[3] = {1, l.pack, 1};
          std::vector<int64_t> ext[3];
          for (int d = 0; d < 3; ++d) {
            const int64_t align = d == static_cast<int>(tr.rows)   ? arch.rows
                                  : d == static_cast<int>(tr.cols) ? arch.cols
                                                                   : 1;
            for (int64_t v : CandidateExtents((extent[d] + unit[d] - 1) / unit[d], align)) {
              const int64_t e = std::min(extent[d], v * unit[d]);
              if (ext[d].empty() || e < ext[d].back()) ext[d].push_back(e);
            }
          }
          const auto fits = [&](size_t i, size_t j, size_t k) {
            return TilingFits(l, Tiling{ext[0][i], ext[1][j], ext[2][k], LoopOrder::kMNK}, arch);
          };
          std::set<std::array<int64_t, 3>> want;
          bool monotone = true;
          for (size_t i = 0; i < ext[0].size(); ++i) {
            for (size_t j = 0; j < ext[1].size(); ++j) {
              size_t k = 0;
              while (k < ext[2].size() && !fits(i, j, k)) ++k;
              if (j > 0 && k > 0 && fits(i, j - 1, k - 1)) monotone = false;  // larger k fits more
              if (k == ext[2].size() || (i > 0 && fits(i - 1, j, k)) ||
                  (j > 0 && fits(i, j - 1, k))) {
                continue;
              }
              want.insert({ext[0][i], ext[1][j], ext[2][k]});
            }
          }
          not_monotone += !monotone;
          std::set<std::array<int64_t, 3>> got;
          for (const Tiling& t : CandidateTilings(l, arch, MapperSearch::kMaximal)) {
            got.insert({t.m, t.k, t.n});
          }
          CHECK(got == want);
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 3 * 3 * 3 * 3);
  CHECK(not_monotone > 0);  // the case the search must not assume away is among them
}

TEST_CASE("reduction tiles are whole packed words: a multiple of the pack, or all of K") {
  ArchSpec arch = ParseArchSpec(std::string(kArch) + R"(buffers:
  input: {kib: 1, word_bytes: 4}
  weight: {kib: 1, word_bytes: 4}
  output: {kib: 64, word_bytes: 4}
)",
                                "a.yaml");
  LayerSchedule l;
  l.kind = LayerKind::kGemm;
  l.gemm = GemmShape{1, 4096, 1003, 30};  // long M: small reduction tiles are maximal
  l.bits.a_bits = l.bits.w_bits = 2;
  l.pack = 16;
  const auto candidates = CandidateTilings(l, arch);
  REQUIRE_FALSE(candidates.empty());
  bool split = false;
  for (const Tiling& t : candidates) {
    INFO("k = " << t.k);
    CHECK((t.k == l.gemm.k || t.k % l.pack == 0));
    split = split || t.k < l.gemm.k;
  }
  CHECK(split);  // the buffers force reduction tiles, so the rule was exercised
}

TEST_CASE("a schedule is checked against the network and accelerator it is run with") {
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [1, 4, 8, 8]}]
layers:
  - {name: c1, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
  - {name: fc, op: conv2d, out_channels: 10, kernel: 1}
)",
                                       "t.yaml");
  const ArchSpec arch = ParseArchSpec(kArch, "a.yaml");
  const Schedule s = CompileNetwork(net, arch, Objective::kCycles, [](const LayerSchedule& l) {
    return static_cast<double>(l.TilesM() * l.TilesK() * l.TilesN());
  });
  CHECK(ScheduleMismatch(s, net, arch).empty());
  Schedule fewer = s;
  fewer.layers.pop_back();
  CHECK(ScheduleMismatch(fewer, net, arch).find("the schedule has 1 layers, network t has 2") !=
        std::string::npos);
  Schedule renamed = s;
  renamed.layers[1].name = "head";
  CHECK(ScheduleMismatch(renamed, net, arch).find("layer 1 'head' (conv2d) is 'fc'") !=
        std::string::npos);
  ArchSpec fusion =
      ParseArchSpec(std::string(kArch) + "mac: {precision_scaling: bit_fusion}\n", "b.yaml");
  fusion.mac.weight_bits = fusion.mac.activation_bits = 16;  // w8a8 packs 4 to a PE
  CHECK(ScheduleMismatch(s, net, fusion).find("pack") != std::string::npos);
  Schedule huge = s;
  huge.layers[0].tiling = Tiling{64, 36, 8, LoopOrder::kMNK};
  ArchSpec small = arch;
  small.output.kib = 1;  // 64 x 8 partial sums of 4 bytes = 2 KiB > 512 usable bytes
  // A tiling that does not fit is no mismatch but an infeasible layer, reported by the model
  // (docs/schedule-format.md; ScheduleMismatch used to refuse it, so `run --schedule` exited 2
  // with no report instead of 3 with one).
  CHECK(ScheduleMismatch(huge, net, small).empty());
  const sim::NetworkPerf perf = sim::EvaluateSchedule(huge, small, LoadCostTable("horowitz45"));
  CHECK_FALSE(perf.ok());
  CHECK(perf.layers[0].status.find("tiling does not fit") != std::string::npos);
  CHECK(perf.layers[0].status.find("output buffer") != std::string::npos);
}

TEST_CASE("layers of equal GEMMs but different geometry are mapped separately") {
  // Same M = 63 and K = 72, but 7 x 9 against 9 x 7 outputs: different input footprints.
  const NetworkSpec net = ParseNetwork(R"(version: 1
name: t
inputs: [{name: x, shape: [1, 8, 9, 9]}]
layers:
  - {name: a, op: conv2d, input: x, out_channels: 8, kernel: 3,
     padding: {top: 0, bottom: 0, left: 1, right: 1}}
  - {name: b, op: conv2d, input: x, out_channels: 8, kernel: 3, padding: 1, dilation: [1, 2]}
)",
                                       "t.yaml");
  const ArchSpec arch = ParseArchSpec(R"(version: 1
name: small
array: {rows: 4, cols: 4, dataflow: os}
buffers: {input: {kib: 1}}
)",
                                      "a.yaml");
  // A price that wants the whole reduction in one tile: layer a gets 32 x 72 x 8, whose input
  // footprint (576 bytes) does not fit b's geometry in the 512 usable bytes.
  const Schedule s = CompileNetwork(net, arch, Objective::kCycles, [](const LayerSchedule& l) {
    return static_cast<double>(l.TilesK() * 1000 + l.TilesM() * l.TilesN());
  });
  CHECK(s.layers[0].tiling.k == 72);
  REQUIRE(s.layers[0].gemm.m == s.layers[1].gemm.m);
  for (const LayerSchedule& l : s.layers) {
    INFO(l.name);
    CHECK(l.ok());
    CHECK(TilingFits(l, l.tiling, arch));
  }
  CHECK(ScheduleMismatch(s, net, arch).empty());

  Schedule oversized = s;
  oversized.layers[0].tiling.m = int64_t{1} << 62;
  CHECK(ScheduleMismatch(oversized, net, arch).find("exceeds the GEMM") != std::string::npos);
  CHECK(oversized.layers[0].TilesM() == 1);
  Schedule moved = s;
  moved.layers[1].out_w = 9;
  CHECK(ScheduleMismatch(moved, net, arch).find("geometry") != std::string::npos);
}
