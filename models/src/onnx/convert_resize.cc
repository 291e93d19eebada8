// Resize and Upsample become resize_nearest or resize_linear layers (ops/resize.cc), which
// resize H and W of [N, C, H, W]. Semantics: onnx/docs/Operators.md, Resize (opsets 10, 11, 13,
// 18, 19) and Upsample (7, 9):
// - Upsample-7 (scales attribute), Upsample-9 and Resize-10 (scales input) have no coordinate
//   transformation attribute: their output coordinate maps as x_r / scale (asymmetric), and a
//   nearest resize takes the floor, as the Upsample node test (scales 2 and 3) requires. A
//   downscale by a factor that is not 1/integer is refused there, its rounding being unstated.
// - Resize-11 and -13: roi, scales, sizes inputs (one of scales and sizes, the other omitted or
//   empty); roi is read by tf_crop_and_resize only, which is refused.
// - Resize-18 and -19: an `axes` attribute naming the axes scales or sizes are for (the others
//   keep their extent); antialias (linear), keep_aspect_ratio_policy other than stretch and
//   half_pixel_symmetric are refused.
// Refused too: cubic, tf_crop_and_resize, tf_half_pixel_for_nn, exclude_outside, and resizing
// N or C (Quasar's resize is 2-D).

#include <cmath>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

std::string Num(double v) {
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0') {
    s.pop_back();
  }
  if (!s.empty() && s.back() == '.') {
    s.pop_back();
  }
  return s;
}

// What a Resize or Upsample node asks for, before it becomes a layer.
struct Request {
  std::string mode = "nearest";
  std::string coordinates = "asymmetric";
  std::string rounding = "floor";
  std::vector<double> scales;  // per axis of X, or empty
  std::vector<int64_t> sizes;  // per axis of X, or empty
};

void AddResizeLayer(const Node& node, const Value& x, const Request& r) {
  NetLayer l;
  l.name = LayerName(node);
  l.inputs = {x.tensor};
  if (r.mode == "nearest") {
    l.op = NetOp::kResizeNearest;
  } else if (r.mode == "linear") {
    l.op = NetOp::kResizeLinear;
  } else {
    throw NodeError("mode '" + r.mode + "' is not supported (nearest, linear)");
  }
  const auto c = ParseResizeCoordinates(r.coordinates);
  if (!c) {
    throw NodeError("coordinate_transformation_mode '" + r.coordinates + "' is not supported (" +
                    ResizeCoordinatesChoices() + ")");
  }
  l.resize_coordinates = *c;
  const auto rounding = ParseResizeRounding(r.rounding);
  if (!rounding) {
    throw NodeError("nearest_mode '" + r.rounding + "' is not one of " + ResizeRoundingChoices());
  }
  l.resize_rounding = *rounding;
  // N and C keep their extent: Quasar resizes H and W.
  for (size_t d = 0; d < 2; ++d) {
    if ((!r.scales.empty() && r.scales[d] != 1.0) ||
        (!r.sizes.empty() && r.sizes[d] != x.shape[d])) {
      throw NodeError(std::string("resizes axis ") + std::to_string(d) + " (" +
                      (d == 0 ? "N" : "C") + ", scale " +
                      (r.scales.empty()
                           ? std::to_string(r.sizes[d]) + "/" + std::to_string(x.shape[d])
                           : Num(r.scales[d])) +
                      "); Quasar resizes H and W of [N, C, H, W] only");
    }
  }
  if (!r.scales.empty()) {
    l.resize_scales = {r.scales[2], r.scales[3]};
  } else {
    l.resize_size = {r.sizes[2], r.sizes[3]};
  }
  node.importer().AddLayer(std::move(l), node.Out(0));
}

const Value& Input4d(const Node& node) {
  const Value& x = node.Activation(0, "X");
  if (x.shape.size() != 4) {
    throw NodeError("resizes a rank-" + std::to_string(x.shape.size()) + " tensor " +
                    Dims(x.shape) + "; Quasar resizes [N, C, H, W]");
  }
  return x;
}

std::vector<double> FloatsOf(const Constant& c, const char* what) {
  if (c.integer) {
    throw NodeError(std::string(what) + " must be float");
  }
  return std::vector<double>(c.floats.begin(), c.floats.end());
}

// Resize-10, Upsample: a nearest downscale must be by 1/integer (see above).
void CheckOldNearest(const Request& r) {
  if (r.mode != "nearest") {
    return;
  }
  for (double s : r.scales) {
    if (s < 1 && std::abs(1 / s - std::round(1 / s)) > 1e-6) {
      throw NodeError("downscales by " + Num(s) +
                      " in nearest mode before opset 11, whose rounding is unstated (only "
                      "1/integer factors are taken)");
    }
  }
}

void Upsample(const Node& node) {
  const int64_t opset = node.importer().opset();
  if (opset >= 10) {
    throw NodeError("Upsample is deprecated from opset 10 (Resize replaces it)");
  }
  const Value& x = Input4d(node);
  Request r;
  if (opset >= 9) {
    node.KnownAttributes({"mode"});
    r.scales = FloatsOf(node.ConstantIn(1, "scales"), "scales");
  } else {
    node.KnownAttributes({"mode", "scales"});
    std::vector<float> s;
    const onnx::NodeProto& p = node.proto();
    for (const auto& a : p.attribute()) {
      if (a.name() == "scales") {
        s.assign(a.floats().begin(), a.floats().end());
      }
    }
    r.scales.assign(s.begin(), s.end());
  }
  if (r.scales.size() != 4) {
    throw NodeError("scales holds " + std::to_string(r.scales.size()) + " values for rank 4");
  }
  r.mode = node.String("mode", "nearest");
  CheckOldNearest(r);
  AddResizeLayer(node, x, r);
}

void Resize(const Node& node) {
  const int64_t opset = node.importer().opset();
  const Value& x = Input4d(node);
  const size_t rank = x.shape.size();
  Request r;
  r.mode = node.String("mode", "nearest");
  if (r.mode != "nearest" && r.mode != "linear") {
    throw NodeError("mode '" + r.mode + "' is not supported (nearest, linear)");
  }
  std::vector<int64_t> axes;
  if (opset < 11) {
    node.KnownAttributes({"mode"});
    r.scales = FloatsOf(node.ConstantIn(1, "scales"), "scales");
    CheckOldNearest(r);
  } else {
    if (opset < 18) {
      node.KnownAttributes({"mode", "coordinate_transformation_mode", "nearest_mode",
                            "cubic_coeff_a", "exclude_outside", "extrapolation_value"});
    } else {
      node.KnownAttributes({"mode", "coordinate_transformation_mode", "nearest_mode",
                            "cubic_coeff_a", "exclude_outside", "extrapolation_value", "antialias",
                            "axes", "keep_aspect_ratio_policy"});
      if (node.Int("antialias", 0) != 0 && r.mode != "nearest") {
        throw NodeError("antialias 1 is not supported (a filter wider than two taps)");
      }
      const std::string policy = node.String("keep_aspect_ratio_policy", "stretch");
      if (policy != "stretch") {
        throw NodeError("keep_aspect_ratio_policy '" + policy + "' is not supported (stretch)");
      }
      for (int64_t a : node.Ints("axes")) {
        axes.push_back(Axis(a, rank));
      }
    }
    r.coordinates = node.String("coordinate_transformation_mode", "half_pixel");
    r.rounding = node.String("nearest_mode", "round_prefer_floor");
    if (node.Int("exclude_outside", 0) != 0) {
      throw NodeError("exclude_outside 1 is not supported");
    }
    if (node.Has(2) && node.ConstantIn(2, "scales").size() > 0) {
      r.scales = FloatsOf(node.ConstantIn(2, "scales"), "scales");
    }
    if (node.Has(3)) {
      const Constant& s = node.ConstantIn(3, "sizes");
      if (!s.integer) {
        throw NodeError("sizes must be integers");
      }
      r.sizes = s.ints;
    }
    if (r.scales.empty() == r.sizes.empty()) {
      throw NodeError("needs exactly one of scales and sizes");
    }
  }
  if (axes.empty()) {
    for (size_t d = 0; d < rank; ++d) {
      axes.push_back(static_cast<int64_t>(d));
    }
  }
  const size_t given = r.scales.empty() ? r.sizes.size() : r.scales.size();
  if (given != axes.size()) {
    throw NodeError(std::string(r.scales.empty() ? "sizes" : "scales") + " holds " +
                    std::to_string(given) + " values for " + std::to_string(axes.size()) + " axes");
  }
  // Per axis of X: the axes not named keep their extent.
  std::vector<double> scales(rank, 1.0);
  std::vector<int64_t> sizes(x.shape.begin(), x.shape.end());
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto a = static_cast<size_t>(axes[k]);
    if (!r.scales.empty()) {
      scales[a] = r.scales[k];
    } else {
      sizes[a] = r.sizes[k];
    }
  }
  if (!r.scales.empty()) {
    r.scales = scales;
  } else {
    r.sizes = sizes;
  }
  AddResizeLayer(node, x, r);
}

}  // namespace

std::vector<Converter> ResizeConverters() {
  return {{"Resize", 10, Resize}, {"Upsample", 7, Upsample}};
}

}  // namespace quasar::models::onnx_import
