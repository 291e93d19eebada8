#pragma once
// The Schedule: how every layer of a network runs on an accelerator. It is plain data (a JSON
// round trip in schedule_json.h, written by `quasar compile`), produced by the mapper
// (mapper.h) and consumed by every backend, so the analytical and the cycle-level models execute
// the same tiles in the same order.
//
// A weighted layer is `count` GEMMs out[M, N] = A[M, K] x B[K, N] (lower.h). The compiler cuts
// each into tiles of at most tm x tk x tn that fit the on-chip buffers, visited by a loop nest
// whose order (outermost first) the mapper chooses; groups/batches are the outermost loop. One
// tile is one step of a four-stage pipeline (load from DRAM, compute on the array, post-process,
// store), described with its timing rules in sim/analytical/include/quasar/sim/analytical.h.
//
// Sub-byte packing: a PE that completes `pack` products per cycle (Bit Fusion precision scaling
// or XNOR-popcount lanes, ArchSpec MacSpec) takes `pack` consecutive reduction elements at once,
// so the array sees a reduction of ceil(K / pack) packed elements; operands are stored densely
// (bits per element, not bytes) in DRAM and SRAM.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/lower.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::compiler {

// Tile loop nest order, outermost first; "mnk" keeps an output tile on chip across its whole
// reduction, orders with k outside m or n spill partial sums to DRAM.
enum class LoopOrder { kMNK, kMKN, kNMK, kNKM, kKMN, kKNM };
std::string LoopOrderName(LoopOrder o);  // "mnk", ...
std::optional<LoopOrder> ParseLoopOrder(const std::string& name);
inline constexpr LoopOrder kAllLoopOrders[] = {LoopOrder::kMNK, LoopOrder::kMKN, LoopOrder::kNMK,
                                               LoopOrder::kNKM, LoopOrder::kKMN, LoopOrder::kKNM};
// The GEMM dimensions `order` loops over, outermost first: 0 = m, 1 = k, 2 = n.
inline std::array<int, 3> LoopDimsOf(LoopOrder order) {
  // By LoopOrder, in the enum's order: mnk, mkn, nmk, nkm, kmn, knm.
  static constexpr std::array<std::array<int, 3>, 6> kDims = {
      {{0, 2, 1}, {0, 1, 2}, {2, 0, 1}, {2, 1, 0}, {1, 0, 2}, {1, 2, 0}}};
  return kDims[static_cast<size_t>(order)];
}

// What the mapper minimizes.
enum class Objective { kCycles, kEnergy, kEdp };
std::string ObjectiveName(Objective o);  // "cycles" | "energy" | "edp"
std::optional<Objective> ParseObjective(const std::string& name);

// How a layer uses the hardware.
enum class LayerKind {
  kGemm,  // conv, depthwise, grouped conv, fully connected, matmul: the PE array
  kPost,  // add, max/avg/global-average pool, transpose: the post-processing unit only
  kView,  // flatten, reshape: a change of shape, no data moved
};
std::string LayerKindName(LayerKind k);  // "gemm" | "post" | "view"

// Stored values that share one scale stored beside them (an MX block: 32 values, an 8-bit E8M0
// scale), or none (block 0): the scale is then a per-tensor or per-channel parameter.
struct BlockScale {
  int block = 0;
  int bits = 0;  // below 256
  // One number for the keys of caches that depend on it.
  int64_t Key() const { return int64_t{block} * 256 + bits; }
};

// Operand widths of one layer. Storage widths set bytes in DRAM and SRAM; MAC widths are what the
// multiplier sees (an unsigned b-bit operand takes b + 1 bits on a signed MAC).
struct LayerBits {
  int a_bits = 8;    // input activations (storage)
  int w_bits = 8;    // weights, or the second input of a matmul (storage)
  int out_bits = 8;  // the layer's output (storage)
  int mac_a_bits = 8, mac_w_bits = 8;
  int acc_bits = 32;    // the hardware accumulator (ArchSpec), also the partial-sum width in memory
  bool binary = false;  // binary x binary: XNOR-popcount lanes (or the MAC path at 1 x 1 bits)
  BlockScale a_scale, w_scale, out_scale;  // the block scales stored with each (quant_code.h)
  // With group-quantized weights (GPTQ/AWQ), w_scale is the group's fp16 scale and zero point;
  // the MAC then dequantizes each group's integer sum (DequantGroup).
  bool w_grouped = false;
};
// The weights' group along K when the MAC dequantizes per group (integer weights quantized per
// group), else 0. An MX block's scale is part of its format's MAC instead.
inline int DequantGroup(const LayerBits& b) { return b.w_grouped ? b.w_scale.block : 0; }

struct Tiling {
  int64_t m = 1, k = 1, n = 1;  // tile extents in GEMM elements (k unpacked)
  LoopOrder order = LoopOrder::kMNK;
};

struct LayerSchedule {
  int index = 0;  // position in NetworkSpec::layers
  std::string name;
  std::string op;  // NetOpName
  LayerKind kind = LayerKind::kGemm;

  // ---- kGemm ----
  GemmShape gemm;  // count x (M, K, N)
  LayerBits bits;
  int pack = 1;   // products per PE per cycle along K
  Tiling tiling;  // chosen by the mapper
  // Geometry for the input footprint of a convolution tile (0 for fully connected / matmul):
  // the input is [batch, channels, in_h, in_w], output rows out_h x out_w, window kh x kw.
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0, kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, dilation_h = 1;
  int required_acc_bits = 0;  // signed bits K products of the operand types can reach (no bias)

  // ---- every kind ----
  int64_t in_elements = 0;   // elements read from DRAM by a kPost layer (all inputs)
  int64_t out_elements = 0;  // elements of the layer's output
  // Post-processing work per output element, by kind of operation (EventCounts post_*):
  int post_multiplies_per_out = 0, post_adds_per_out = 0, post_compares_per_out = 0;

  // Mapper report.
  int64_t candidates = 0;  // tilings x loop orders evaluated
  int64_t feasible_candidates = 0;
  int64_t priced = 0;  // candidates the cost model priced (the others were skipped by their
                       // bound, mapper.h); not part of the schedule file
  std::string status;                 // empty when the layer can run; otherwise why it cannot
  std::vector<std::string> warnings;  // e.g. the accumulator is narrower than required_acc_bits

  bool ok() const { return status.empty(); }
  int64_t TilesM() const;  // ceil(M / tiling.m), ...
  int64_t TilesK() const;
  int64_t TilesN() const;
  int64_t PackedK(int64_t k) const { return CeilDiv(k, pack); }  // what the array sees of k
};

struct Schedule {
  int version = 1;
  std::string network;  // NetworkSpec::name
  std::string arch;     // ArchSpec::name
  Objective objective = Objective::kCycles;
  std::vector<LayerSchedule> layers;  // one per network layer, in order

  // The first layer that cannot run, or nullptr.
  const LayerSchedule* FirstInfeasible() const;
};

// One tile of a kGemm layer, as the loop nest visits it.
struct TileStep {
  int64_t group = 0;
  int64_t m0 = 0, mt = 0, k0 = 0, kt = 0, n0 = 0, nt = 0;
  bool load_a = false;     // the A tile differs from the previous step's: read it from DRAM
  bool load_b = false;     // the B tile differs: read it
  bool psum_in = false;    // this output tile was spilled before: read its partial sums back
  bool store = false;      // the output tile leaves the chip after this step
  bool final_out = false;  // ... and its reduction is complete (post-process and store outputs);
                           // store && !final_out spills partial sums at acc_bits
};

// Every numeric field of a layer's schedule that evaluating or pricing it reads, besides its
// tiling and the mapper's counts: kind, GEMM, geometry, widths and block scales, packing, the
// accumulator bound, element counts and post-processing work. The one list the caches that reuse
// a layer's results key on (the mapper's memo, the GEMM bound, the evaluation cache), so a field
// added to the schedule reaches every key at once.
using LayerFields = std::array<int64_t, 31>;
LayerFields LayerFieldsOf(const LayerSchedule& l);

// Visits every tile of a kGemm layer in loop order; `fn(const TileStep&)`.
template <typename Fn>
void ForEachTile(const LayerSchedule& l, Fn&& fn);
// Visits the tiles of group `group` of a kGemm layer in loop order. Every group walks the same
// steps (only TileStep::group differs), so one group's walk stands for all of them.
template <typename Fn>
void ForEachTileOfGroup(const LayerSchedule& l, int64_t group, Fn&& fn);

// Bits of `elements` values of `bits` each, packed densely, with their block scales. The blocks
// run along the reduction (K, the MX dot product's dimension): for a tile of reduction extent
// `k` (> 0), each of its ceil(elements / k) rows of K holds ceil(k / block) scales, so a block
// the tile cuts is stored, and moved, with each part. With `k` = 0 (a whole tensor), one scale
// per `block` values, the last block whole.
inline int64_t StoredBits(int64_t elements, int64_t bits, BlockScale scale = {}, int64_t k = 0) {
  if (scale.block <= 0) {
    return elements * bits;
  }
  const int64_t scales =
      k > 0 ? CeilDiv(elements, k) * CeilDiv(k, scale.block) : CeilDiv(elements, scale.block);
  return elements * bits + scales * scale.bits;
}
// The same in bytes.
inline int64_t PackedBytes(int64_t elements, int bits, BlockScale scale = {}, int64_t k = 0) {
  return (StoredBits(elements, bits, scale, k) + 7) / 8;
}

// Input elements a convolution tile reads from DRAM: the rows of the input its output pixels
// [m0, m0 + mt) touch, across the input channels its reduction range [k0, k0 + kt) covers. For
// fully connected and matmul layers, mt * kt.
int64_t InputFootprint(const LayerSchedule& l, int64_t m0, int64_t mt, int64_t k0, int64_t kt);
// Its two factors for a convolution (footprint = min(mt * kt, channels * rows * in_w)): the input
// rows, summed over images, that output pixels [m0, m0 + mt) touch, and the input channels that
// reduction range [k0, k0 + kt) covers.
int64_t InputRowsOf(const LayerSchedule& l, int64_t m0, int64_t mt);
int64_t InputChannelsOf(const LayerSchedule& l, int64_t k0, int64_t kt);
// An upper bound of InputFootprint over every tile of extents mt x kt (for capacity checks).
int64_t InputFootprintBound(const LayerSchedule& l, int64_t mt, int64_t kt);

// ---------------------------------------------------------------------------------------------

namespace detail {
// One group's walk; `visited` has one entry per output tile and is reset here.
template <typename Fn>
void WalkGroup(const LayerSchedule& l, int64_t group, std::vector<bool>* visited, Fn&& fn) {
  const GemmShape& g = l.gemm;
  const Tiling& t = l.tiling;
  const int64_t tiles[3] = {l.TilesM(), l.TilesK(), l.TilesN()};  // by dimension m, k, n
  const std::array<int, 3> dims = LoopDimsOf(t.order);            // outermost first
  const int64_t total = tiles[0] * tiles[1] * tiles[2];
  // visited[m_tile * tiles_n + n_tile]: the output tile has been computed before (for psum_in).
  std::fill(visited->begin(), visited->end(), false);
  // The tile indices of the step after `from` in loop order (innermost dimension fastest).
  auto advance = [&](const int64_t* from, int64_t* to) {
    std::copy(from, from + 3, to);
    for (int d = 2; d >= 0; --d) {
      if (++to[dims[d]] < tiles[dims[d]]) {
        return;
      }
      to[dims[d]] = 0;
    }
  };
  int64_t cur[3] = {0, 0, 0}, prev[3] = {0, 0, 0}, next[3] = {0, 0, 0};
  for (int64_t s = 0; s < total; ++s) {
    if (s > 0) {
      std::copy(cur, cur + 3, prev);
      std::copy(next, next + 3, cur);
    }
    TileStep st;
    st.group = group;
    st.m0 = cur[0] * t.m, st.mt = std::min(t.m, g.m - st.m0);
    st.k0 = cur[1] * t.k, st.kt = std::min(t.k, g.k - st.k0);
    st.n0 = cur[2] * t.n, st.nt = std::min(t.n, g.n - st.n0);
    if (s == 0) {
      st.load_a = st.load_b = true;
    } else {
      st.load_a = prev[0] != cur[0] || prev[1] != cur[1];
      st.load_b = prev[1] != cur[1] || prev[2] != cur[2];
    }
    const bool same_out_as_prev = s > 0 && prev[0] == cur[0] && prev[2] == cur[2];
    const size_t out_tile = static_cast<size_t>(cur[0] * tiles[2] + cur[2]);
    st.psum_in = !same_out_as_prev && (*visited)[out_tile];
    (*visited)[out_tile] = true;
    if (s + 1 == total) {
      st.store = true;
    } else {
      advance(cur, next);
      st.store = next[0] != cur[0] || next[2] != cur[2];
    }
    st.final_out = st.store && st.k0 + st.kt == g.k;
    fn(st);
  }
}
}  // namespace detail

template <typename Fn>
void ForEachTile(const LayerSchedule& l, Fn&& fn) {
  std::vector<bool> visited(static_cast<size_t>(l.TilesM() * l.TilesN()), false);
  for (int64_t group = 0; group < l.gemm.count; ++group) {
    detail::WalkGroup(l, group, &visited, fn);
  }
}

template <typename Fn>
void ForEachTileOfGroup(const LayerSchedule& l, int64_t group, Fn&& fn) {
  std::vector<bool> visited(static_cast<size_t>(l.TilesM() * l.TilesN()), false);
  detail::WalkGroup(l, group, &visited, fn);
}

}  // namespace quasar::compiler
