// ConvTranspose (models/src/onnx/convert_conv_transpose.cc, ops/conv_transpose.cc,
// ref/conv_transpose2d.h): the decoder of workloads/onnx/export_conv_transpose_model.py gives
// PyTorch's float output on every element and the MACs of its lowering (derived by hand below);
// the integer kernel gives the accumulators numpy computes in scatter form (the same script);
// refused forms name the file, the node, the op type and the bad value.

#include <catch2/catch.hpp>
#include <cmath>

#include "quasar/models/net/float_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/ref/conv_transpose2d.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using Catch::Matchers::Contains;
using onnx_test::AddNode;
using onnx_test::DataPath;
using onnx_test::FloatConstant;
using onnx_test::FloatIo;
using onnx_test::NewModel;
using onnx_test::WriteTemp;

FloatTensor ReadFloat(const std::string& path) {
  const NpyArray a = ReadNpy(path);
  return FloatTensor(a.shape, std::vector<float>(a.floats.begin(), a.floats.end()));
}

IntTensor ReadInt(const std::string& path) {
  const NpyArray a = ReadNpy(path);
  IntTensor t(a.shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<int32_t>(a.ints[static_cast<size_t>(i)]);
  }
  return t;
}

void SetInts(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t i : v) a->add_ints(i);
}

void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// x [1, 1, 3, 3] -> ConvTranspose(x, w [1, 2, 3, 3]) -> y.
onnx::ModelProto OneConvTranspose(onnx::NodeProto** node) {
  onnx::ModelProto m = NewModel("convtranspose", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 1, 3, 3});
  g->add_output()->set_name("y");
  FloatConstant(g, "w", {1, 2, 3, 3}, std::vector<float>(18, 0.5f));
  *node = AddNode(g, "ConvTranspose", {"x", "w"}, "y");
  return m;
}

}  // namespace

TEST_CASE("A decoder of transposed convolutions gives PyTorch's float output") {
  const NetworkSpec net = ImportOnnx(DataPath("convtranspose_cnn.onnx"));
  std::vector<int64_t> macs;
  for (const NetLayer& l : net.layers) {
    if (l.op == NetOp::kConvTranspose2d) {
      macs.push_back(l.macs);
    }
  }
  // M * K * N of the zero-inserted convolution: up1 4x8x10 outputs (H = 2*3 + 1 + 3 - 2) of
  // K = 4*3*3; up2 (groups 2) 6x8x10 of K = 2*3*3; up3 3x18x30 (H = 2*7 + 1 + 2*1 + 1,
  // W = 3*9 + 2*1 + 1) of K = 6*2*2.
  CHECK(macs == std::vector<int64_t>{4 * 80 * 36, 6 * 80 * 18, 3 * 540 * 24});
  const FloatTensor x = ReadFloat(DataPath("convtranspose_cnn.input.npy"));
  const FloatTensor want = ReadFloat(DataPath("convtranspose_cnn.output.npy"));
  const FloatTensor got =
      RunFloatNetwork(net, MakeFloatParams(net, 1), {{net.inputs.at(0).name, x}}).at(net.output);
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - want[i]) <= 1e-5 + 1e-3 * std::abs(want[i]));
  }
}

TEST_CASE("The integer transposed convolution gives numpy's accumulators on every element") {
  const IntTensor x = ReadInt(DataPath("convtranspose_int.x.npy"));
  const IntTensor w = ReadInt(DataPath("convtranspose_int.w.npy"));
  const IntTensor bias = ReadInt(DataPath("convtranspose_int.bias.npy"));
  const IntTensor zw = ReadInt(DataPath("convtranspose_int.zw.npy"));
  const NpyArray want = ReadNpy(DataPath("convtranspose_int.acc.npy"));
  IntConvParams p;
  p.geometry.groups = 2;
  p.geometry.stride_h = 2, p.geometry.stride_w = 3;
  p.geometry.dilation_h = 1, p.geometry.dilation_w = 2;
  p.geometry.pad_top = 1, p.geometry.pad_left = 0, p.geometry.pad_bottom = 2,
  p.geometry.pad_right = 1;
  p.geometry.output_pad_h = 1, p.geometry.output_pad_w = 2;
  p.input_zero_point = 3;
  p.weight_zero_points = zw.data;
  p.accumulator.bits = 32;
  KernelStats stats;
  const Tensor<int64_t> acc = ConvTranspose2dAccumulate(x, w, bias.data, p, &stats);
  REQUIRE(acc.shape == want.shape);
  for (int64_t i = 0; i < acc.size(); ++i) {
    INFO("element " << i);
    CHECK(acc[i] == want.ints[static_cast<size_t>(i)]);
  }
  // Every output counts C_in/groups * kh * kw = 2 * 3 * 2 taps, inserted zeros included.
  CHECK(stats.macs == 6 * 5 * 13 * 12);
  CHECK(stats.overflow_events == 0);
}

TEST_CASE("ConvTranspose forms Quasar does not take are refused by name") {
  onnx::NodeProto* node = nullptr;
  SECTION("output_shape larger than the full transposed convolution") {
    onnx::ModelProto m = OneConvTranspose(&node);
    SetInts(node, "strides", {3, 2});
    SetInts(node, "output_shape", {10, 8});  // total padding 3*2 + 3 - 10 = -1
    const std::string path = WriteTemp("convtranspose_big.onnx", m);
    CHECK_THROWS_WITH(ImportOnnx(path), Contains(path) && Contains("ConvTranspose") &&
                                            Contains("node y") && Contains("-1"));
  }
  SECTION("auto_pad SAME_UPPER without output_shape") {
    onnx::ModelProto m = OneConvTranspose(&node);
    SetString(node, "auto_pad", "SAME_UPPER");
    const std::string path = WriteTemp("convtranspose_same.onnx", m);
    CHECK_THROWS_WITH(ImportOnnx(path), Contains(path) && Contains("ConvTranspose") &&
                                            Contains("SAME_UPPER"));
  }
  SECTION("output_padding not below the stride or the dilation") {
    onnx::ModelProto m = OneConvTranspose(&node);
    SetInts(node, "output_padding", {1, 0});
    const std::string path = WriteTemp("convtranspose_outpad.onnx", m);
    CHECK_THROWS_WITH(ImportOnnx(path), Contains(path) && Contains("output_padding (1, 0)"));
  }
}

TEST_CASE("output_shape sets the pads as Operators.md derives them") {
  // strides [3, 2], output_padding [1, 1], output_shape [10, 8]: total padding
  // 3*2 + 1 + 3 - 10 = 0 and 2*2 + 1 + 3 - 8 = 0, as ONNX's test_convtranspose_kernel_shape;
  // output_shape [7, 6]: 3 and 2, split 2/1 and 1/1 (NOTSET puts the odd unit at the start).
  for (auto [shape, top, bottom] : {std::tuple<std::vector<int64_t>, int64_t, int64_t>{{10, 8}, 0, 0},
                                    {{7, 6}, 2, 1}}) {
    onnx::NodeProto* node = nullptr;
    onnx::ModelProto m = OneConvTranspose(&node);
    SetInts(node, "strides", {3, 2});
    SetInts(node, "output_padding", {1, 1});
    SetInts(node, "output_shape", shape);
    const NetworkSpec net = ImportOnnx(WriteTemp("convtranspose_shape.onnx", m));
    const NetLayer& l = net.layers.back();
    CHECK(l.output_shape == Shape{1, 2, shape[0], shape[1]});
    CHECK(l.geometry.pad_top == top);
    CHECK(l.geometry.pad_bottom == bottom);
  }
}

}  // namespace quasar::models
