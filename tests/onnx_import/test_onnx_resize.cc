// Resize and Upsample (models/src/onnx/convert_resize.cc): the CNNs of
// workloads/onnx/export_resize_model.py give PyTorch's float output on every element; the ops
// give ONNX's reference outputs (workloads/onnx/make_resize_cases.py) in every mode; the
// opset-18 form (axes) on values worked by hand; every refused form names the file, the node,
// the op type and the bad value.

#include <catch2/catch.hpp>
#include <cmath>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using Catch::Matchers::Contains;
using onnx_test::AddNode;
using onnx_test::DataPath;
using onnx_test::FloatConstant;
using onnx_test::FloatIo;
using onnx_test::IntConstant;
using onnx_test::NewModel;
using onnx_test::WriteTemp;

FloatTensor ReadFloat(const std::string& path) {
  const NpyArray a = ReadNpy(path);
  return FloatTensor(a.shape, std::vector<float>(a.floats.begin(), a.floats.end()));
}

void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void SetInts(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t i : v) a->add_ints(i);
}

// x [1, 2, 2, 2] -> Resize(x, roi, scales or sizes) -> y, at `opset`; `sizes` empty: scales.
onnx::ModelProto OneResize(int64_t opset, std::vector<float> scales, std::vector<int64_t> sizes,
                           onnx::NodeProto** node) {
  onnx::ModelProto m = NewModel("resize", opset);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 2, 2, 2});
  g->add_output()->set_name("y");
  std::vector<std::string> in = {"x"};
  if (opset >= 11) {
    in.push_back("");  // roi
  }
  if (!scales.empty()) {
    FloatConstant(g, "scales", {static_cast<int64_t>(scales.size())}, scales);
    in.push_back("scales");
  } else {
    IntConstant(g, "sizes", {static_cast<int64_t>(sizes.size())}, sizes);
    in.push_back("");
    in.push_back("sizes");
  }
  *node = AddNode(g, "Resize", in, "y");
  return m;
}

void ExpectRefused(const onnx::ModelProto& m, const std::string& name,
                   std::initializer_list<std::string> parts) {
  const std::string path = WriteTemp(name, m);
  try {
    ImportOnnx(path);
    FAIL("imported " << name);
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Contains(path));
    CHECK_THAT(what, Contains("Resize"));
    for (const auto& p : parts) {
      CHECK_THAT(what, Contains(p));
    }
  }
}

}  // namespace

TEST_CASE("CNNs with Resize and Upsample give PyTorch's float outputs") {
  for (const std::string name : {"resize_cnn", "upsample_cnn"}) {
    SECTION(name) {
      const NetworkSpec net = ImportOnnx(DataPath(name + ".onnx"));
      int nearest = 0, linear = 0;
      for (const NetLayer& l : net.layers) {
        nearest += l.op == NetOp::kResizeNearest;
        linear += l.op == NetOp::kResizeLinear;
      }
      // resize_cnn: one nearest and three bilinear interpolations; upsample_cnn: one nearest.
      CHECK(nearest == 1);
      CHECK(linear == (name == "resize_cnn" ? 3 : 0));
      const FloatTensor x = ReadFloat(DataPath(name + ".input.npy"));
      const FloatTensor want = ReadFloat(DataPath(name + ".output.npy"));
      const FloatTensor got =
          RunFloatNetwork(net, MakeFloatParams(net, 1), {{net.inputs.at(0).name, x}})
              .at(net.output);
      REQUIRE(got.shape == want.shape);
      for (int64_t i = 0; i < want.size(); ++i) {
        INFO("element " << i);
        CHECK(std::abs(got[i] - want[i]) <= 1e-5 + 1e-3 * std::abs(want[i]));
      }
    }
  }
}

TEST_CASE("resize_nearest and resize_linear give ONNX's reference outputs in every mode") {
  // The cases of workloads/onnx/make_resize_cases.py, in its order: nearest with scales
  // [1.6, 0.75] in each coordinate mode and each rounding; nearest with sizes [3, 11] in each
  // coordinate mode; linear with scales [2.3, 0.6] and sizes [1, 13] in each coordinate mode.
  const FloatTensor x = ReadFloat(DataPath("resize_cases.x.npy"));
  const FloatTensor expected = ReadFloat(DataPath("resize_cases.expected.npy"));
  const std::vector<ResizeCoordinates> coords = {
      ResizeCoordinates::kHalfPixel, ResizeCoordinates::kPytorchHalfPixel,
      ResizeCoordinates::kAlignCorners, ResizeCoordinates::kAsymmetric};
  std::vector<NetLayer> cases;
  for (ResizeCoordinates c : coords) {
    for (ResizeRounding r : {ResizeRounding::kRoundPreferFloor, ResizeRounding::kRoundPreferCeil,
                             ResizeRounding::kFloor, ResizeRounding::kCeil}) {
      NetLayer l;
      l.op = NetOp::kResizeNearest;
      l.resize_scales = {1.6f, 0.75f};  // float32, as an ONNX scales tensor holds them
      l.resize_coordinates = c;
      l.resize_rounding = r;
      cases.push_back(l);
    }
  }
  for (ResizeCoordinates c : coords) {
    NetLayer l;
    l.op = NetOp::kResizeNearest;
    l.resize_size = {3, 11};
    l.resize_coordinates = c;
    cases.push_back(l);
  }
  for (ResizeCoordinates c : coords) {
    NetLayer l;
    l.op = NetOp::kResizeLinear;
    l.resize_coordinates = c;
    l.resize_scales = {2.3f, 0.6f};
    cases.push_back(l);
    l.resize_scales.clear();
    l.resize_size = {1, 13};
    cases.push_back(l);
  }
  int64_t at = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    INFO("case " << k << ": " << NetOpName(cases[k].op) << " "
                 << ResizeCoordinatesName(cases[k].resize_coordinates) << " "
                 << ResizeRoundingName(cases[k].resize_rounding));
    const FloatTensor y = OpOf(cases[k].op).run_float(cases[k], {&x}, nullptr);
    REQUIRE(at + y.size() <= expected.size());
    for (int64_t i = 0; i < y.size(); ++i) {
      INFO("element " << i);
      if (cases[k].op == NetOp::kResizeNearest) {  // a pick: the very element
        CHECK(y[i] == expected[at + i]);
      } else {  // sums formed in another order: the node tests' tolerance
        CHECK(std::abs(y[i] - expected[at + i]) <= 1e-7 + 1e-3 * std::abs(expected[at + i]));
      }
    }
    at += y.size();
  }
  CHECK(at == expected.size());
}

TEST_CASE("Resize-18 with axes resizes the named axes only") {
  onnx::NodeProto* n = nullptr;
  onnx::ModelProto m = OneResize(18, {}, {4, 3}, &n);
  SetInts(n, "axes", {-2, 3});
  const NetworkSpec net = ImportOnnx(WriteTemp("resize_axes.onnx", m));
  REQUIRE(net.layers.size() == 1);
  CHECK(net.layers[0].op == NetOp::kResizeNearest);
  CHECK(net.layers[0].resize_size == std::vector<int64_t>{4, 3});
  // Nearest, half_pixel, round_prefer_floor: H 2 -> 4 reads rows 0 0 1 1 (x_o = -0.25, 0.25,
  // 0.75, 1.25); W 2 -> 3 (scale 1.5) reads columns 0 0 1 (x_o = -1/6, 0.5 rounded down,
  // 7/6).
  const FloatTensor x({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at(net.output);
  REQUIRE(y.shape == Shape{1, 2, 4, 3});
  CHECK(std::vector<float>(y.data.begin(), y.data.begin() + 12) ==
        std::vector<float>{1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4});
}

TEST_CASE("Upsample-7 reads its scales attribute; nearest takes the floor of x / scale") {
  onnx::ModelProto m = NewModel("upsample", 7, 3);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 1, 2, 2});
  g->add_output()->set_name("y");
  onnx::NodeProto* n = AddNode(g, "Upsample", {"x"}, "y");
  auto* a = n->add_attribute();
  a->set_name("scales");
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float s : {1.0f, 1.0f, 2.0f, 3.0f}) a->add_floats(s);
  const NetworkSpec net = ImportOnnx(WriteTemp("upsample7.onnx", m));
  REQUIRE(net.layers.size() == 1);
  CHECK(net.layers[0].resize_coordinates == ResizeCoordinates::kAsymmetric);
  CHECK(net.layers[0].resize_rounding == ResizeRounding::kFloor);
  // ONNX's Upsample example: x_o = i / 3 along W reads columns 0 0 0 1 1 1, i / 2 along H rows
  // 0 0 1 1.
  const FloatTensor x({1, 1, 2, 2}, {1, 2, 3, 4});
  const FloatTensor y = RunFloatNetwork(net, {}, {{"x", x}}).at(net.output);
  REQUIRE(y.shape == Shape{1, 1, 4, 6});
  CHECK(y.data == std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,  //
                                     3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4});
  // From opset 10 Upsample is deprecated for Resize.
  m.mutable_opset_import(0)->set_version(10);
  CHECK_THROWS_WITH(ImportOnnx(WriteTemp("upsample10.onnx", m)),
                    Contains("node y (Upsample)") && Contains("deprecated"));
}

TEST_CASE("Resize forms Quasar does not take are refused naming the node and the value") {
  onnx::NodeProto* n = nullptr;
  onnx::ModelProto cubic = OneResize(13, {1, 1, 2, 2}, {}, &n);
  SetString(n, "mode", "cubic");
  ExpectRefused(cubic, "resize_cubic.onnx", {"node y (Resize)", "mode 'cubic'"});

  onnx::ModelProto crop = OneResize(13, {}, {1, 2, 3, 3}, &n);
  SetString(n, "mode", "linear");
  SetString(n, "coordinate_transformation_mode", "tf_crop_and_resize");
  ExpectRefused(crop, "resize_crop.onnx",
                {"node y (Resize)", "'tf_crop_and_resize' is not supported"});

  onnx::ModelProto channels = OneResize(13, {1, 2, 2, 2}, {}, &n);
  ExpectRefused(channels, "resize_c.onnx", {"node y (Resize)", "resizes axis 1 (C, scale 2)"});
  onnx::ModelProto batch = OneResize(13, {}, {2, 2, 3, 3}, &n);
  ExpectRefused(batch, "resize_n.onnx", {"resizes axis 0 (N, scale 2/1)"});

  onnx::ModelProto antialias = OneResize(18, {1, 1, 0.5f, 0.5f}, {}, &n);
  SetString(n, "mode", "linear");
  auto* a = n->add_attribute();
  a->set_name("antialias");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(1);
  ExpectRefused(antialias, "resize_aa.onnx", {"antialias 1"});

  onnx::ModelProto policy = OneResize(18, {}, {1, 2, 4, 4}, &n);
  SetString(n, "keep_aspect_ratio_policy", "not_larger");
  ExpectRefused(policy, "resize_policy.onnx", {"keep_aspect_ratio_policy 'not_larger'"});

  onnx::ModelProto symmetric = OneResize(19, {1, 1, 2, 2}, {}, &n);
  SetString(n, "coordinate_transformation_mode", "half_pixel_symmetric");
  ExpectRefused(symmetric, "resize_sym.onnx", {"'half_pixel_symmetric' is not supported"});

  onnx::ModelProto old = OneResize(10, {1, 1, 0.4f, 0.4f}, {}, &n);
  ExpectRefused(old, "resize_old.onnx", {"downscales by 0.4"});

  onnx::ModelProto neither = OneResize(13, {1, 1, 2, 2}, {}, &n);
  n->set_input(2, "");  // neither scales nor sizes
  ExpectRefused(neither, "resize_neither.onnx", {"needs exactly one of scales and sizes"});
}

}  // namespace quasar::models
