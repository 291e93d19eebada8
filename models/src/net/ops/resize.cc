// resize_nearest, resize_linear: H and W of an [N, C, H, W] tensor resized as ONNX's Resize
// (onnx/docs/Operators.md, Resize-10 to -19; the backend tests' reference is interpolate_nd in
// onnx/backend/test/case/node/resize.py). The output extent of an axis is `size`, or
// floor(input · scale); each output coordinate x_r maps to an input coordinate x_o by the
// coordinate transformation mode, with scale = the given scale, or output / input:
//   half_pixel          x_o = (x_r + 0.5) / scale − 0.5
//   pytorch_half_pixel  x_o = length_resized > 1 ? (x_r + 0.5) / scale − 0.5 : 0
//   align_corners       x_o = x_r · (length_original − 1) / (length_resized − 1)   (0 if 1)
//   asymmetric          x_o = x_r / scale
// where length_resized is input · scale as a real number when scales are given (as the
// reference computes it) and the output extent otherwise. Coordinates outside the input take
// the edge element (the reference pads with `edge`).
//   resize_nearest: the element at x_o when it is an integer, otherwise at floor(x_o) or
//     floor(x_o) + 1 as `nearest_mode` says (round_prefer_floor: the floor on a tie of .5,
//     round_prefer_ceil, floor, ceil). Data movement through the post unit: the output keeps
//     the input's quantization and costs no arithmetic (as pad and transpose).
//   resize_linear: bilinear interpolation, (1 − r)·x[f] + r·x[f + 1] with f = floor(x_o),
//     r = x_o − f, along W and then along H, in double and rounded once to float32. Its
//     integers are dequantize, op, quantize (RunDequantized). Cost per output, an assumption
//     (docs/onnx-import.md): the four taps weighted and summed (4 multiplies, 3 adds; the
//     weights come from one table per row and one per column, not counted), then one
//     requantization (1 multiply, 2 adds, 2 compares).

#include <cmath>

#include "op_keys.h"
#include "quasar/models/enum_names.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/spec/geometry_reader.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

constexpr EnumTable<ResizeCoordinates, 4> kCoordinates = {
    {{ResizeCoordinates::kHalfPixel, "half_pixel"},
     {ResizeCoordinates::kPytorchHalfPixel, "pytorch_half_pixel"},
     {ResizeCoordinates::kAlignCorners, "align_corners"},
     {ResizeCoordinates::kAsymmetric, "asymmetric"}}};
constexpr EnumTable<ResizeRounding, 4> kRoundings = {
    {{ResizeRounding::kRoundPreferFloor, "round_prefer_floor"},
     {ResizeRounding::kRoundPreferCeil, "round_prefer_ceil"},
     {ResizeRounding::kFloor, "floor"},
     {ResizeRounding::kCeil, "ceil"}}};

// One resized axis (0: H, 1: W): its extents, its scale, and length_resized.
struct AxisMap {
  int64_t in = 1, out = 1;
  double scale = 1, resized = 1;
};

AxisMap MapOf(const NetLayer& l, const Shape& x, size_t d) {
  AxisMap a;
  a.in = x[2 + d];
  if (l.resize_scales.empty()) {
    a.out = l.resize_size[d];
    a.scale = static_cast<double>(a.out) / static_cast<double>(a.in);
    a.resized = static_cast<double>(a.out);
  } else {
    a.scale = l.resize_scales[d];
    a.resized = a.scale * static_cast<double>(a.in);
    a.out = static_cast<int64_t>(std::floor(a.resized));
  }
  return a;
}

double Coordinate(const AxisMap& a, int64_t i, ResizeCoordinates mode) {
  const auto x = static_cast<double>(i);
  switch (mode) {
    case ResizeCoordinates::kHalfPixel:
      return (x + 0.5) / a.scale - 0.5;
    case ResizeCoordinates::kPytorchHalfPixel:
      return a.resized > 1 ? (x + 0.5) / a.scale - 0.5 : 0.0;
    case ResizeCoordinates::kAlignCorners:
      return a.resized == 1 ? 0.0 : x * static_cast<double>(a.in - 1) / (a.resized - 1);
    case ResizeCoordinates::kAsymmetric:
      return x / a.scale;
  }
  return 0.0;
}

int64_t Clamp(double i, int64_t n) {
  return i < 0 ? 0 : (i > static_cast<double>(n - 1) ? n - 1 : static_cast<int64_t>(i));
}

// Per output index of an axis: the input index of the nearest element.
std::vector<int64_t> NearestTaps(const AxisMap& a, ResizeCoordinates mode, ResizeRounding r) {
  std::vector<int64_t> taps(static_cast<size_t>(a.out));
  for (int64_t i = 0; i < a.out; ++i) {
    const double x = Coordinate(a, i, mode);
    const double f = std::floor(x);
    const double frac = x - f;
    double pick = f;
    if (frac != 0) {
      switch (r) {
        case ResizeRounding::kRoundPreferFloor:
          pick = frac <= 0.5 ? f : f + 1;
          break;
        case ResizeRounding::kRoundPreferCeil:
          pick = frac < 0.5 ? f : f + 1;
          break;
        case ResizeRounding::kFloor:
          break;
        case ResizeRounding::kCeil:
          pick = f + 1;
          break;
      }
    }
    taps[static_cast<size_t>(i)] = Clamp(pick, a.in);
  }
  return taps;
}

// Per output index of an axis: y = (1 − w)·x[lo] + w·x[hi].
struct LinearTaps {
  std::vector<int64_t> lo, hi;
  std::vector<double> w;
};

LinearTaps LinearTapsOf(const AxisMap& a, ResizeCoordinates mode) {
  LinearTaps t;
  for (int64_t i = 0; i < a.out; ++i) {
    const double x = Coordinate(a, i, mode);
    const double f = std::floor(x);
    t.lo.push_back(Clamp(f, a.in));
    t.hi.push_back(Clamp(f + 1, a.in));
    t.w.push_back(x - f);
  }
  return t;
}

template <typename T>
Tensor<T> Nearest(const NetLayer& l, const Tensor<T>& x) {
  const AxisMap ah = MapOf(l, x.shape, 0), aw = MapOf(l, x.shape, 1);
  const std::vector<int64_t> th = NearestTaps(ah, l.resize_coordinates, l.resize_rounding);
  const std::vector<int64_t> tw = NearestTaps(aw, l.resize_coordinates, l.resize_rounding);
  Tensor<T> y({x.shape[0], x.shape[1], ah.out, aw.out});
  int64_t o = 0;
  for (int64_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    const int64_t base = plane * ah.in * aw.in;
    for (int64_t i = 0; i < ah.out; ++i) {
      for (int64_t j = 0; j < aw.out; ++j) {
        y[o++] = x[base + th[static_cast<size_t>(i)] * aw.in + tw[static_cast<size_t>(j)]];
      }
    }
  }
  return y;
}

FloatTensor Linear(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                   const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const AxisMap ah = MapOf(l, x.shape, 0), aw = MapOf(l, x.shape, 1);
  const LinearTaps th = LinearTapsOf(ah, l.resize_coordinates);
  const LinearTaps tw = LinearTapsOf(aw, l.resize_coordinates);
  FloatTensor y({x.shape[0], x.shape[1], ah.out, aw.out});
  int64_t o = 0;
  for (int64_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    const int64_t base = plane * ah.in * aw.in;
    for (size_t i = 0; i < th.w.size(); ++i) {
      const int64_t r0 = base + th.lo[i] * aw.in, r1 = base + th.hi[i] * aw.in;
      for (size_t j = 0; j < tw.w.size(); ++j) {
        const double w = tw.w[j];
        const double top = (1 - w) * x[r0 + tw.lo[j]] + w * x[r0 + tw.hi[j]];
        const double bottom = (1 - w) * x[r1 + tw.lo[j]] + w * x[r1 + tw.hi[j]];
        y[o++] = static_cast<float>((1 - th.w[i]) * top + th.w[i] * bottom);
      }
    }
  }
  return y;
}

bool ResizeShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
                 int128*) {
  const Shape& x = *in[0];
  if (!shape::NeedRank(*l, x, 4, "[N, C, H, W]", e)) {
    return false;
  }
  if (l->resize_size.empty() == l->resize_scales.empty()) {
    e.Add("size", "give exactly one of size [H, W] and scales [s_h, s_w]");
    return false;
  }
  if (!l->resize_size.empty()) {
    if (l->resize_size.size() != 2) {
      e.Add("size", "must be [H, W], got " +
                        shape::Num(static_cast<int64_t>(l->resize_size.size())) + " values");
      return false;
    }
    for (int64_t s : l->resize_size) {
      if (s < 1 || s > kMaxExtent) {
        e.Add("size", "must be in 1.." + shape::Num(kMaxExtent) + ", got " + shape::Num(s));
        return false;
      }
    }
  } else {
    if (l->resize_scales.size() != 2) {
      e.Add("scales", "must be [s_h, s_w], got " +
                          shape::Num(static_cast<int64_t>(l->resize_scales.size())) + " values");
      return false;
    }
    for (size_t d = 0; d < 2; ++d) {
      const double s = l->resize_scales[d];
      const double extent = s * static_cast<double>(x[2 + d]);
      if (!(std::isfinite(s) && s > 0) || !(extent >= 1 && extent <= kMaxExtent)) {
        e.Add("scales", "must be positive numbers that give H and W in 1.." +
                            shape::Num(kMaxExtent) + " from the input " + ShapeToString(x) +
                            ", got " + std::to_string(s));
        return false;
      }
    }
  }
  *out = {x[0], x[1], MapOf(*l, x, 0).out, MapOf(*l, x, 1).out};
  return true;
}

}  // namespace

std::string ResizeCoordinatesName(ResizeCoordinates c) { return EnumName(kCoordinates, c); }
std::optional<ResizeCoordinates> ParseResizeCoordinates(const std::string& name) {
  return ParseEnum(kCoordinates, name);
}
std::string ResizeCoordinatesChoices() { return EnumChoices(kCoordinates); }
std::string ResizeRoundingName(ResizeRounding r) { return EnumName(kRoundings, r); }
std::optional<ResizeRounding> ParseResizeRounding(const std::string& name) {
  return ParseEnum(kRoundings, name);
}
std::string ResizeRoundingChoices() { return EnumChoices(kRoundings); }

namespace {

// The keys of both resizes; resize_nearest's nearest_mode after them.
void WriteResizeKeys(KeyWriter& w, const NetLayer& l) {
  if (!l.resize_size.empty()) {
    w.IntList("size", l.resize_size);
  }
  if (!l.resize_scales.empty()) {
    w.DoubleList("scales", l.resize_scales);
  }
  w.String("coordinate_transformation_mode", ResizeCoordinatesName(l.resize_coordinates));
}

// The keys of both resizes, read as given: the shape rule checks size and scales.
void ReadResizeKeys(const MapReader& m, NetLayer* l) {
  if (auto s = m.IntList("size", false)) {
    l->resize_size = *s;
  }
  if (auto s = m.DoubleList("scales", false)) {
    l->resize_scales = *s;
  }
  if (auto c = m.String("coordinate_transformation_mode", false)) {
    if (auto parsed = ParseResizeCoordinates(*c)) {
      l->resize_coordinates = *parsed;
    } else {
      m.Error("coordinate_transformation_mode",
              "must be one of " + ResizeCoordinatesChoices() + ", got '" + *c + "'");
    }
  }
}

}  // namespace

std::vector<OpDef> ResizeOps() {
  OpDef nearest{
      NetOp::kResizeNearest,
      "resize_nearest",
      {"size", "scales", "coordinate_transformation_mode", "nearest_mode"},
      false,
      true,
      OpLowering::kPost,
      nullptr,
      [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; },
      ResizeShape,
      [](const NetLayer& l, const std::vector<const FloatTensor*>& in, const FloatLayerParams*) {
        return Nearest(l, *in[0]);
      },
      NoKernel,
      [](const NetLayer& l, const IntTensor& x, const QuantParams&) { return Nearest(l, x); },
      OneInput};
  nearest.write_keys = [](KeyWriter& w, const NetLayer& l) {
    WriteResizeKeys(w, l);
    w.String("nearest_mode", ResizeRoundingName(l.resize_rounding));
  };
  nearest.read_keys = [](const MapReader& m, NetLayer* l) {
    ReadResizeKeys(m, l);
    if (auto r = m.String("nearest_mode", false)) {
      if (auto parsed = ParseResizeRounding(*r)) {
        l->resize_rounding = *parsed;
      } else {
        m.Error("nearest_mode", "must be one of " + ResizeRoundingChoices() + ", got '" + *r + "'");
      }
    }
  };
  OpDef linear = DequantizedPostOp(
      NetOp::kResizeLinear, "resize_linear", {"size", "scales", "coordinate_transformation_mode"},
      [](const NetLayer&, const NetworkSpec&) {
        return PostEvents{5, 5, 2};
      },
      ResizeShape, Linear);
  linear.write_keys = WriteResizeKeys;
  linear.read_keys = ReadResizeKeys;
  return {nearest, linear};
}

}  // namespace quasar::models
