#pragma once
// Internal to the shape rules of the op registry (ops/*.cc) and shape inference
// (shape_infer.cc): limits on element and MAC counts, products formed in 128 bits, and the
// checks several rules share.

#include <string>

#include "quasar/models/int128.h"
#include "quasar/models/net/ops.h"

namespace quasar::models::shape {

// Limits that keep every count in int64 with room to spare: a tensor of 2^40 elements is
// already 4 TiB of int32, and 2^50 MACs a thousand times VGG-16. Products are formed in 128 bits
// and checked against them.
inline constexpr int128 kMaxElements = int128{1} << 40;
inline constexpr int128 kMaxMacs = int128{1} << 50;  // per layer; network totals stay far from 2^63

// The product of s[from, to), saturated just above kMaxElements.
int128 Product(const Shape& s, size_t from, size_t to);

inline std::string Num(int64_t v) { return std::to_string(v); }

// The index of `axis` in a rank-`rank` shape (negative counts from the end); with `x` and `e`,
// false and an error under "axis" naming the input when it is out of range.
size_t AxisIndex(int64_t axis, size_t rank);
bool CheckAxis(int64_t axis, const Shape& x, const LayerErrors& e);

// What the normalizations (layer_norm, rms_norm) check alike: `axis` within x and `epsilon`
// > 0, each an error under its key; then *normalized is x's shape from axis on, which their
// scale (and bias) must have.
bool CheckNormalization(const NetLayer& l, const Shape& x, const LayerErrors& e, Shape* normalized);

// A shape split at `axis`: the elements before it, along it and after it (row-major, so element
// (o, j, i) is at (o * n + j) * inner + i).
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit SplitAt(const Shape& s, size_t axis);

// False (with an error under "input") unless `x` has `rank` dimensions; `what` describes it.
bool NeedRank(const NetLayer& l, const Shape& x, size_t rank, const char* what,
              const LayerErrors& e);

// Spatial output of a window op; records an error and returns false when the window does not
// fit.
bool WindowOutput(const NetLayer& l, const Shape& in, const LayerErrors& e, int64_t* ho,
                  int64_t* wo);

}  // namespace quasar::models::shape
