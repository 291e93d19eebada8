// Lowering layers to GEMMs: the GEMM view accounts for every MAC of every zoo layer, and the
// im2col map, used as data, reproduces the golden convolution on every element.

#include <catch2/catch.hpp>
#include <filesystem>

#include "quasar/compiler/lower.h"
#include "quasar/models/ref/conv2d.h"
#include "test_util.h"

using namespace quasar::models;
using quasar::compiler::GemmShape;
using quasar::compiler::Im2colMap;
using quasar::compiler::LowerToGemm;

TEST_CASE("the GEMM view of every zoo layer has exactly the layer's MACs") {
  for (const auto& e : std::filesystem::directory_iterator(std::string(QUASAR_SOURCE_DIR) +
                                                           "/workloads/networks")) {
    const NetworkSpec net = LoadNetwork(e.path().string());
    INFO(net.name);
    int64_t lowered = 0;
    for (const NetLayer& l : net.layers) {
      const auto gemm = LowerToGemm(l, net);
      CHECK(gemm.has_value() == (l.macs > 0));
      if (gemm) {
        INFO(l.name);
        CHECK(gemm->Macs() == l.macs);
        lowered += gemm->Macs();
      }
    }
    CHECK(lowered == net.TotalMacs());
  }
}

TEST_CASE("ResNet-18 conv2_x and a depthwise layer lower to the textbook GEMM shapes") {
  const NetworkSpec r18 =
      LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/resnet18.yaml");
  const GemmShape g = *LowerToGemm(*r18.FindLayer("layer1.0.conv1"), r18);
  CHECK(g.count == 1);
  CHECK(g.m == 56 * 56);     // output pixels
  CHECK(g.k == 64 * 3 * 3);  // C_in * kh * kw
  CHECK(g.n == 64);          // output channels
  const NetworkSpec mb =
      LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/mobilenetv2.yaml");
  for (const NetLayer& l : mb.layers) {
    if (l.op == NetOp::kDepthwiseConv2d) {
      const GemmShape d = *LowerToGemm(l, mb);
      CHECK(d.count == mb.ShapeOf(l.inputs[0])[1]);  // one GEMM per channel
      CHECK(d.k == 9);                               // 3 x 3 window: the weak spot of arrays
      CHECK(d.n == 1);
      break;
    }
  }
}

TEST_CASE("GEMM through the im2col map equals the golden convolution on every element") {
  struct Case {
    const char* layer;
    int64_t c, h, w;
  };
  // stride 2 with asymmetric padding, dilation 2, groups 2, depthwise with multiplier 2.
  const Case cases[] = {
      {"{name: l, op: conv2d, out_channels: 6, kernel: 3, stride: 2, "
       "padding: {top: 1, bottom: 0, left: 2, right: 1}}",
       4, 9, 8},
      {"{name: l, op: conv2d, out_channels: 4, kernel: [3, 2], dilation: 2, padding: 2}", 3, 8, 7},
      {"{name: l, op: conv2d, out_channels: 6, kernel: 3, padding: 1, groups: 2}", 4, 6, 6},
      {"{name: l, op: depthwise_conv2d, multiplier: 2, kernel: 3, stride: 2, padding: 1}", 3, 7, 7},
  };
  for (const Case& c : cases) {
    INFO(c.layer);
    const std::string text = "version: 1\nname: t\ninputs: [{name: x, shape: [2, " +
                             std::to_string(c.c) + ", " + std::to_string(c.h) + ", " +
                             std::to_string(c.w) + "]}]\nlayers:\n  - " + c.layer + "\n";
    const NetworkSpec net = ParseNetwork(text, "t.yaml");
    const NetLayer& l = net.layers[0];
    const IntTensor x = quasar::test::RandomInts(net.inputs[0].shape, -128, 127, 5);
    const IntTensor w = quasar::test::RandomInts(l.weight_shape, -127, 127, 6);
    const std::vector<int32_t> bias(static_cast<size_t>(l.out_channels), 17);
    const int32_t zx = -3;
    IntConvParams p{l.geometry, zx, {0}, AccumulatorSpec{32, OverflowMode::kWrap}};
    const Tensor<int64_t> want = l.op == NetOp::kDepthwiseConv2d
                                     ? DepthwiseConv2dAccumulate(x, w, bias, p, nullptr)
                                     : Conv2dAccumulate(x, w, bias, p, nullptr);
    const Im2colMap map(l, net.inputs[0].shape);
    const GemmShape& g = map.gemm();
    CHECK(g.Macs() == l.macs);
    Tensor<int64_t> got(want.shape, -1);
    for (int64_t grp = 0; grp < g.count; ++grp) {
      for (int64_t m = 0; m < g.m; ++m) {
        for (int64_t n = 0; n < g.n; ++n) {
          int64_t acc = 17;
          for (int64_t k = 0; k < g.k; ++k) {
            const auto xi = map.InputIndex(grp, m, k);
            const int64_t a = xi ? x[*xi] - zx : 0;  // padding tap: zero point, zero product
            acc += a * w[map.WeightIndex(grp, k, n)];
          }
          got[map.OutputIndex(grp, m, n)] = acc;
        }
      }
    }
    REQUIRE(got.shape == want.shape);
    CHECK(got.data == want.data);  // every element, each written exactly once (no -1 left)
  }
}
