// The extents each GEMM dimension tries in the mapper's searches (mapper.h): the halvings of
// CandidateExtents, the tile-count ends of DenseExtents, and the neighbours a pair move takes.
// The searches that combine them are in mapper_search.cc.

#include <algorithm>
#include <functional>

#include "quasar/compiler/mapper.h"

namespace quasar::compiler {

std::vector<int64_t> CandidateExtents(int64_t extent, int64_t align) {
  std::vector<int64_t> out;
  auto push = [&](int64_t v) {
    if (out.empty() || v < out.back()) {
      out.push_back(v);
    }
  };
  const int64_t blocks = CeilDiv(extent, align);
  for (int64_t b = blocks;; b = CeilDiv(b, 2)) {
    push(std::min(extent, align * b));
    if (b == 1) {
      break;
    }
  }
  for (int64_t v = CeilDiv(std::min(align, extent), 2); v >= 1; v = v == 1 ? 0 : CeilDiv(v, 2)) {
    push(v);
  }
  return out;
}

std::vector<int64_t> DenseExtents(int64_t extent, int64_t align) {
  std::vector<int64_t> out;
  // For every tile count n, the extents that cut E into n tiles form the interval
  // [ceil(E / n), ceil(E / (n - 1)) - 1] (n >= 2; [E, E] for n = 1): its ends (the most even
  // cut, and the one with the smallest last tile), and its smallest and largest multiples of
  // the array side (tiles that fill their folds). The counts are enumerated through the distinct
  // values of ceil(E / n), of which there are about 2 sqrt(E): those with ceil(E / n) <= v - 1
  // start at n = ceil(E / (v - 1)).
  int64_t prev = 0;  // ceil(E / (n - 1)), the smallest extent with one tile fewer
  for (int64_t n = 1;;) {
    const int64_t lo = CeilDiv(extent, n), hi = n == 1 ? extent : prev - 1;
    out.push_back(lo);
    out.push_back(hi);
    if (align > 1) {
      const int64_t up = CeilDiv(lo, align) * align, down = hi / align * align;
      if (up <= hi) out.push_back(up);
      if (down >= lo) out.push_back(down);
    }
    if (lo == 1) break;
    prev = lo;
    n = CeilDiv(extent, lo - 1);
  }
  // And every extent CandidateExtents gives, so that this search contains the fast one.
  for (int64_t v : CandidateExtents(extent, align)) out.push_back(v);
  std::sort(out.begin(), out.end(), std::greater<>());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<int64_t> NeighbourExtents(const std::vector<int64_t>& extents, int64_t v) {
  const auto at = static_cast<size_t>(
      std::lower_bound(extents.begin(), extents.end(), v, std::greater<>()) - extents.begin());
  const bool present = at < extents.size() && extents[at] == v;
  std::vector<int64_t> out;
  const size_t end = std::min(extents.size(), at + kPairMoveReach + (present ? 1 : 0));
  for (size_t i = at >= kPairMoveReach ? at - kPairMoveReach : 0; i < end; ++i) {
    if (extents[i] != v) out.push_back(extents[i]);
  }
  return out;
}

}  // namespace quasar::compiler
