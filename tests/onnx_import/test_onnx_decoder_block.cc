// Decoder-only transformer blocks through ONNX import: the GPT-2-style and Llama-style blocks of
// workloads/onnx/export_decoder_block.py (d_model 64, 4 heads, 2 KV heads for Llama, MLP 128,
// S 16; synthetic seeded weights) import with their norms and activations fused into the ops
// the zoo's blocks use (models/src/onnx/fuse_decoder.cc), cost the MACs of their matrix products
// (derived by hand below), and give PyTorch's float output on every element; so do their decode
// phase (`--phase decode --context 16`: one token over a KV cache given as graph inputs, appended
// by Concat as transformers' past_key_values are). Expand of a computed tensor (KV-head repeat),
// Neg and Reciprocal by hand-made models; a form Quasar does not take is refused naming the node.
// The KV-cache rewrite's own cases are in test_onnx_kv_cache.cc.

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "quasar/models/net/float_net.h"
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
using onnx_test::OpCounts;
using onnx_test::WriteTemp;

FloatTensor ReadFloat(const std::string& path) {
  const NpyArray a = ReadNpy(path);
  return FloatTensor(a.shape, std::vector<float>(a.floats.begin(), a.floats.end()));
}

int64_t Macs(const NetworkSpec& net) {
  int64_t m = 0;
  for (const NetLayer& l : net.layers) m += l.macs;
  return m;
}

// The imported block's golden float forward pass against PyTorch's output, every element.
// The first input (x) is read from <stem>.input.npy, any other (a decode block's KV cache,
// past_key and past_value) from <stem>.<its name>.npy.
// Tolerance: 1e-5 absolute plus 1e-5 relative; the two compute the same float32 function with
// sums in other orders (the largest differences measured: 3.6e-7 for GPT-2, 2.4e-7 for Llama,
// on outputs of magnitude up to about 4; 2.4e-7 for both decode blocks, outputs up to 3.1).
void CheckTorchOutput(const NetworkSpec& net, const std::string& stem) {
  std::map<std::string, FloatTensor> inputs;
  for (size_t i = 0; i < net.inputs.size(); ++i) {
    const std::string& name = net.inputs[i].name;
    inputs.emplace(name, ReadFloat(DataPath(stem + "." + (i == 0 ? "input" : name) + ".npy")));
  }
  const FloatTensor want = ReadFloat(DataPath(stem + ".output.npy"));
  const FloatTensor got = RunFloatNetwork(net, MakeFloatParams(net, 1), inputs).at(net.output);
  REQUIRE(got.shape == want.shape);
  for (int64_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - want[i]) <= 1e-5 + 1e-5 * std::abs(want[i]));
  }
}

constexpr int64_t S = 16, D = 64, H = 4, HD = 16, F = 128;
constexpr int64_t L = 16, P = L + 1;  // decode: the cache's tokens; the positions attended

// The decode block's cache, read in place: the graph inputs past_key and past_value
// [1, kv, L, HD] are each read by one matmul alone (fuse_kv_cache.cc), past_key as K^T
// (transpose_b) by the scores over the cached positions, past_value by the context of their
// weights; the query rows are grouped by KV head ([1, kv, g, ...], g query heads per KV head). No
// layer writes the appended cache [1, kv, P, HD].
void CheckCacheReadInPlace(const NetworkSpec& net, int64_t kv) {
  const int64_t g = H / kv;
  REQUIRE(net.inputs.size() == 3);
  CHECK(net.inputs[0].shape == Shape{1, 1, D});
  for (int i = 1; i <= 2; ++i) {
    CHECK(net.inputs[i].shape == Shape{1, kv, L, HD});
    int readers = 0;
    for (const NetLayer& l : net.layers) {
      for (const std::string& in : l.inputs) {
        if (in != net.inputs[i].name) continue;
        ++readers;
        CHECK(l.op == NetOp::kMatMul);
        CHECK(l.inputs.at(1) == net.inputs[i].name);
        CHECK(l.transpose_b == (i == 1));
        CHECK(l.output_shape == (i == 1 ? Shape{1, kv, g, L} : Shape{1, kv, g, HD}));
      }
    }
    CHECK(readers == 1);
  }
  for (const NetLayer& l : net.layers) {
    CHECK(l.output_shape != Shape{1, kv, P, HD});
  }
}

}  // namespace

TEST_CASE("A GPT-2-style block imports fused and gives PyTorch's float output") {
  const NetworkSpec net = ImportOnnx(DataPath("decoder_gpt2_tiny.onnx"));
  const auto ops = OpCounts(net);
  CHECK(ops.at(NetOp::kLayerNorm) == 2);
  CHECK(ops.at(NetOp::kGelu) == 1);  // Div, Erf, Add, Mul, Mul fused
  CHECK(ops.count(NetOp::kErf) == 0);
  CHECK(ops.at(NetOp::kSoftmax) == 1);
  CHECK(ops.at(NetOp::kMatMul) == 2);
  CHECK(ops.at(NetOp::kFullyConnected) == 4);
  // c_attn [S, D] x [D, 3D]; Q K^T and P V per head [S, HD] x [HD, S] and [S, S] x [S, HD];
  // attn c_proj [S, D] x [D, D]; c_fc [S, D] x [D, F]; mlp c_proj [S, F] x [F, D].
  CHECK(Macs(net) == S * D * 3 * D + 2 * H * S * S * HD + S * D * D + S * D * F + S * F * D);
  CheckTorchOutput(net, "decoder_gpt2_tiny");
}

TEST_CASE("A Llama-style block imports fused and gives PyTorch's float output") {
  const NetworkSpec net = ImportOnnx(DataPath("decoder_llama_tiny.onnx"));
  const auto ops = OpCounts(net);
  CHECK(ops.at(NetOp::kRmsNorm) == 2);  // Pow, ReduceMean, Add, Sqrt, Div, Mul, Mul fused
  for (const NetLayer& l : net.layers) {
    if (l.op == NetOp::kRmsNorm) {
      CHECK(l.inputs.size() == 2);  // with its weight as the scale
      CHECK(l.epsilon == Approx(1e-5));
    }
  }
  CHECK(ops.count(NetOp::kPow) == 0);
  CHECK(ops.count(NetOp::kSqrt) == 0);
  CHECK(ops.at(NetOp::kSilu) == 1);  // Sigmoid, Mul fused
  CHECK(ops.count(NetOp::kSigmoid) == 0);
  // Q's and K's x * cos + rotate_half(x) * sin fused, base 10000 read from the tables; the
  // tables, read by nothing else, dropped; the concats left are the KV-head repeats (Expand).
  std::vector<Shape> rotated;
  for (const NetLayer& l : net.layers) {
    if (l.op == NetOp::kRotaryEmbedding) {
      CHECK(l.rope_base == 10000.0);
      CHECK(l.rope_offset == 0);
      CHECK(l.rope_dim == 0);
      CHECK(!l.rope_interleaved);
      rotated.push_back(l.output_shape);
    }
  }
  CHECK(rotated == std::vector<Shape>{{1, H, S, HD}, {1, 2, S, HD}});  // Q's 4 heads, K's 2
  CHECK(ops.count(NetOp::kSlice) == 0);
  CHECK(ops.at(NetOp::kConcat) == 2);
  CHECK(ops.at(NetOp::kConstant) == 3);  // the mask and the two norms' weights
  CHECK(ops.at(NetOp::kMatMul) == 2);
  CHECK(ops.at(NetOp::kFullyConnected) == 7);
  // q, o [S, D] x [D, D]; k, v [S, D] x [D, 2 HD] (2 KV heads); Q K^T and P V over the 4 query
  // heads (each KV head repeated for 2); gate, up [S, D] x [D, F]; down [S, F] x [F, D].
  CHECK(Macs(net) == 2 * S * D * D + 2 * S * D * 2 * HD + 2 * H * S * S * HD + 3 * S * D * F);
  CheckTorchOutput(net, "decoder_llama_tiny");
}

TEST_CASE("A GPT-2-style decode block imports with its KV cache and gives PyTorch's output") {
  const NetworkSpec net = ImportOnnx(DataPath("decoder_gpt2_tiny_decode.onnx"));
  CheckCacheReadInPlace(net, H);
  const auto ops = OpCounts(net);
  CHECK(ops.at(NetOp::kConcat) == 1);  // the scores of the cached and the new positions joined
  CHECK(ops.at(NetOp::kSlice) == 5);   // c_attn's three thirds; the weights of the two parts
  CHECK(ops.count(NetOp::kSub) == 0);  // no mask: the one query sees all P positions
  CHECK(ops.at(NetOp::kLayerNorm) == 2);
  CHECK(ops.at(NetOp::kGelu) == 1);
  CHECK(ops.at(NetOp::kMatMul) == 4);  // each split at the cache
  CHECK(ops.at(NetOp::kFullyConnected) == 4);
  // One token: c_attn [1, D] x [D, 3D]; q K^T and p V per head [1, HD] x [HD, P] and
  // [1, P] x [P, HD]; attn c_proj, c_fc, mlp c_proj.
  CHECK(Macs(net) == D * 3 * D + 2 * H * P * HD + D * D + D * F + F * D);
  CheckTorchOutput(net, "decoder_gpt2_tiny_decode");
}

TEST_CASE("A Llama-style decode block imports with its KV cache and gives PyTorch's output") {
  const NetworkSpec net = ImportOnnx(DataPath("decoder_llama_tiny_decode.onnx"));
  CheckCacheReadInPlace(net, 2);
  const auto ops = OpCounts(net);
  CHECK(ops.at(NetOp::kRmsNorm) == 2);
  CHECK(ops.at(NetOp::kSilu) == 1);
  CHECK(ops.count(NetOp::kSub) == 0);
  // The new token's q and k rotated at position L, read from the tables' one row.
  std::vector<Shape> rotated;
  for (const NetLayer& l : net.layers) {
    if (l.op == NetOp::kRotaryEmbedding) {
      CHECK(l.rope_base == 10000.0);
      CHECK(l.rope_offset == L);
      rotated.push_back(l.output_shape);
    }
  }
  CHECK(rotated == std::vector<Shape>{{1, H, 1, HD}, {1, 2, 1, HD}});
  CHECK(ops.at(NetOp::kSlice) == 2);     // the weights of the cached and the new positions
  CHECK(ops.at(NetOp::kConcat) == 1);    // the scores joined; no cache append, no KV-head repeat
  CHECK(ops.at(NetOp::kConstant) == 2);  // the norms' weights; the tables dropped
  CHECK(ops.at(NetOp::kMatMul) == 4);
  CHECK(ops.at(NetOp::kFullyConnected) == 7);
  // q, o [1, D] x [D, D]; k, v [1, D] x [D, 2 HD]; q K^T and p V over the 4 query heads of
  // P positions (the cache's 2 KV heads repeated for 2 each); gate, up, down.
  CHECK(Macs(net) == 2 * D * D + 2 * D * 2 * HD + 2 * H * P * HD + 3 * D * F);
  CheckTorchOutput(net, "decoder_llama_tiny_decode");
}

namespace {

// x [1, 2, 1, 3] -> Expand to `shape` -> y.
onnx::ModelProto OneExpand(std::vector<int64_t> shape) {
  onnx::ModelProto m = NewModel("expand", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 2, 1, 3});
  g->add_output()->set_name("y");
  IntConstant(g, "shape", {static_cast<int64_t>(shape.size())}, shape);
  AddNode(g, "Expand", {"x", "shape"}, "y");
  return m;
}

}  // namespace

TEST_CASE("Expand of a computed tensor repeats it along the broadcast axes") {
  const NetworkSpec net = ImportOnnx(WriteTemp("expand.onnx", OneExpand({2, 1, 2, 4, 1})));
  CHECK(net.layers.back().output_shape == Shape{2, 1, 2, 4, 3});
  const FloatTensor x({1, 2, 1, 3}, {1, 2, 3, 4, 5, 6});
  const FloatTensor y = RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
  REQUIRE(y.shape == Shape{2, 1, 2, 4, 3});
  // numpy's broadcast: y[a, 0, c, d, e] = x[0, c, 0, e].
  for (int64_t a = 0; a < 2; ++a) {
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t d = 0; d < 4; ++d) {
        for (int64_t e = 0; e < 3; ++e) {
          CHECK(y[((a * 2 + c) * 4 + d) * 3 + e] == x[c * 3 + e]);
        }
      }
    }
  }
  // Each copy is a concat input: past 4096 copies the node is refused by name.
  const std::string path = WriteTemp("expand_big.onnx", OneExpand({1, 2, 5000, 3}));
  CHECK_THROWS_WITH(ImportOnnx(path), Contains(path) && Contains("node y") && Contains("Expand") &&
                                          Contains("5000 copies"));
}

TEST_CASE("Neg, Reciprocal and Div of 1 by a tensor import; Div of another constant is refused") {
  onnx::ModelProto m = NewModel("unary", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 4});
  g->add_output()->set_name("y");
  FloatConstant(g, "one", {}, {1.0f});
  AddNode(g, "Neg", {"x"}, "n");
  AddNode(g, "Reciprocal", {"n"}, "r");
  AddNode(g, "Div", {"one", "r"}, "y");
  const NetworkSpec net = ImportOnnx(WriteTemp("unary.onnx", m));
  const FloatTensor x({1, 4}, {1.0f, -2.0f, 0.5f, 4.0f});
  const FloatTensor y = RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
  REQUIRE(y.size() == 4);
  for (int64_t i = 0; i < 4; ++i) {
    CHECK(y[i] == -x[i]);  // 1 / (1 / -x), exact for these powers of two
  }
  g->mutable_initializer(0)->set_float_data(0, 2.0f);
  const std::string path = WriteTemp("div_const.onnx", m);
  CHECK_THROWS_WITH(ImportOnnx(path), Contains(path) && Contains("node y") && Contains("Div") &&
                                          Contains("divides a constant other than 1"));
}

namespace {

// x [1, 2, S, D] (2 heads, S positions, D features) -> x * cos + cat(-x[..., D/2:],
// x[..., :D/2]) * sin -> y, the tables [S, D] given (S 3, D 4 unless said); as Hugging Face's
// apply_rotary_pos_emb exports.
onnx::ModelProto RotateHalf(const std::vector<float>& cos, const std::vector<float>& sin,
                            int64_t s = 3, int64_t d = 4) {
  onnx::ModelProto m = NewModel("rope", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "x", {1, 2, s, d});
  g->add_output()->set_name("y");
  FloatConstant(g, "cos", {s, d}, cos);
  FloatConstant(g, "sin", {s, d}, sin);
  IntConstant(g, "zero", {1}, {0});
  IntConstant(g, "two", {1}, {d / 2});
  IntConstant(g, "end", {1}, {INT64_MAX});
  IntConstant(g, "last", {1}, {-1});
  AddNode(g, "Mul", {"x", "cos"}, "xc");
  AddNode(g, "Slice", {"x", "zero", "two", "last"}, "x1");
  AddNode(g, "Slice", {"x", "two", "end", "last"}, "x2");
  AddNode(g, "Neg", {"x2"}, "nx2");
  onnx::NodeProto* cat = AddNode(g, "Concat", {"nx2", "x1"}, "rot");
  auto* axis = cat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(-1);
  AddNode(g, "Mul", {"rot", "sin"}, "rs");
  AddNode(g, "Add", {"xc", "rs"}, "y");
  return m;
}

}  // namespace

TEST_CASE("A rotate-half rotary embedding on RoPE tables is fused; on other tables it is not") {
  // RoPE's tables for base 100, D 4: theta_i = 100^(-2i / 4) = 1, 0.1; columns i and i + 2 alike.
  std::vector<float> cos(12), sin(12);
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 2; ++i) {
      const double angle = p * (i == 0 ? 1.0 : 0.1);
      cos[p * 4 + i] = cos[p * 4 + i + 2] = static_cast<float>(std::cos(angle));
      sin[p * 4 + i] = sin[p * 4 + i + 2] = static_cast<float>(std::sin(angle));
    }
  }
  std::vector<float> xs(24);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = 0.25f * static_cast<float>(i) - 2.0f;
  const FloatTensor x({1, 2, 3, 4}, xs);
  // The function written out: y[.., p, j] = x[.., p, j] cos[p, j] + r[.., p, j] sin[p, j],
  // r = (-x[.., 2], -x[.., 3], x[.., 0], x[.., 1]).
  auto expected = [&](const std::vector<float>& c, const std::vector<float>& s) {
    std::vector<float> y(24);
    for (int h = 0; h < 2; ++h) {
      for (int p = 0; p < 3; ++p) {
        const float* r = &xs[static_cast<size_t>((h * 3 + p) * 4)];
        const float rot[4] = {-r[2], -r[3], r[0], r[1]};
        for (int j = 0; j < 4; ++j) {
          y[static_cast<size_t>((h * 3 + p) * 4 + j)] = r[j] * c[p * 4 + j] + rot[j] * s[p * 4 + j];
        }
      }
    }
    return y;
  };
  for (bool rope : {true, false}) {
    INFO((rope ? "RoPE tables" : "sin[2, 1] changed by 1e-3"));
    std::vector<float> s = sin;
    if (!rope) s[2 * 4 + 1] += 1e-3f;
    const NetworkSpec net = ImportOnnx(WriteTemp("rope.onnx", RotateHalf(cos, s)));
    const auto ops = OpCounts(net);
    if (rope) {
      REQUIRE(net.layers.size() == 1);
      CHECK(net.layers[0].op == NetOp::kRotaryEmbedding);
      CHECK(net.layers[0].rope_base == 100.0);
    } else {
      CHECK(ops.count(NetOp::kRotaryEmbedding) == 0);
      CHECK(ops.at(NetOp::kSlice) == 2);
    }
    const FloatTensor y = RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
    const std::vector<float> want = expected(cos, s);
    REQUIRE(y.size() == 24);
    for (int64_t i = 0; i < 24; ++i) {
      INFO("element " << i);
      CHECK(std::abs(y[i] - want[static_cast<size_t>(i)]) <= 1e-6);
    }
  }
}

TEST_CASE("RoPE tables of the rows from a later position fuse with that position offset") {
  // A decode step's tables: one row, position p, D 8, base 100: theta_i = 100^(-2i / 8) =
  // 1, 0.316, 0.1, 0.0316. Read while p theta_2 < pi (p < 31.4); at p 40 the angle of column 2
  // wraps and the ops stay as written, as do tables off by 1e-3.
  constexpr int64_t kD = 8;
  auto tables = [](int p, std::vector<float>* cos, std::vector<float>* sin) {
    cos->assign(kD, 0.0f);
    sin->assign(kD, 0.0f);
    for (int64_t i = 0; i < kD / 2; ++i) {
      const double angle = p * std::pow(100.0, -2.0 * static_cast<double>(i) / kD);
      (*cos)[i] = (*cos)[i + kD / 2] = static_cast<float>(std::cos(angle));
      (*sin)[i] = (*sin)[i + kD / 2] = static_cast<float>(std::sin(angle));
    }
  };
  const std::vector<float> xs = {0.5f,  -1.0f, 0.25f, 2.0f,  -0.75f, 1.5f,   -2.0f,  1.0f,
                                 1.25f, 0.0f,  -0.5f, 0.75f, 2.5f,   -1.25f, 0.125f, -3.0f};
  for (int p : {1, 16, 31, 40}) {
    for (bool exact : {true, false}) {
      INFO("position " << p << (exact ? "" : ", sin[1] changed by 1e-3"));
      std::vector<float> cos, sin;
      tables(p, &cos, &sin);
      if (!exact) sin[1] += 1e-3f;
      const NetworkSpec net = ImportOnnx(WriteTemp("rope_at.onnx", RotateHalf(cos, sin, 1, kD)));
      const bool fused = exact && p < 40;
      REQUIRE(OpCounts(net).count(NetOp::kRotaryEmbedding) == (fused ? 1u : 0u));
      if (fused) {
        REQUIRE(net.layers.size() == 1);
        CHECK(net.layers[0].rope_base == 100.0);
        CHECK(net.layers[0].rope_offset == p);
      }
      const FloatTensor x({1, 2, 1, kD}, xs);
      const FloatTensor y =
          RunFloatNetwork(net, MakeFloatParams(net, 1), {{"x", x}}).at(net.output);
      REQUIRE(y.size() == 2 * kD);
      for (int64_t h = 0; h < 2; ++h) {
        for (int64_t j = 0; j < kD; ++j) {
          INFO("head " << h << ", feature " << j);
          const float* r = &xs[static_cast<size_t>(h * kD)];
          const float rot = j < kD / 2 ? -r[j + kD / 2] : r[j - kD / 2];
          CHECK(std::abs(y[h * kD + j] - (r[j] * cos[j] + rot * sin[j])) <= 1e-6);
        }
      }
    }
  }
}

}  // namespace quasar::models
