// The decode step's KV-cache rewrite (models/src/onnx/fuse_kv_cache.cc) on hand-made graphs: a
// matmul reading Concat(cache, new), directly or through a Transpose, is split at the cache so the
// cache is read in place, with the attention's values unchanged; the forms it must leave as
// written (a computed cache, the cache as the second Concat input, a second reader of the joined
// tensor, a taken name, a repeat whose reshapes do more than add an axis) import as written and
// run. The decode blocks exported by PyTorch are in test_onnx_decoder_block.cc.

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "quasar/models/net/float_net.h"
#include "quasar/models/onnx/onnx_import.h"
#include "test_util.h"

namespace quasar::models {

using onnx_test::AddNode;
using onnx_test::FloatIo;
using onnx_test::IntConstant;
using onnx_test::NewModel;
using onnx_test::OpCounts;
using onnx_test::WriteTemp;

namespace {

onnx::AttributeProto* IntAttribute(onnx::NodeProto* n, const std::string& name) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  return a;
}

// Variations of the graph below that must not be split.
struct CacheVariant {
  bool computed_cache = false;  // pk = Relu(pk_in), not a graph input
  bool cache_second = false;    // Concat(Relu(nk), pk): the first input is computed
  bool second_reader = false;   // the joined K is also read by a Relu feeding the output
  bool name_taken = false;      // a graph input is named like the split's first new layer
};

// A decode step's attention over a cache of 3 positions and 1 new one (2 heads of 4 features),
// without the softmax: scores = q · Transpose(Concat(pk, nk)), out = scores · Concat(pv, nv).
onnx::ModelProto CacheAttention(const CacheVariant& v = {}) {
  const bool computed_cache = v.computed_cache;
  onnx::ModelProto m = NewModel("cache", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "q", {1, 2, 1, 4});
  FloatIo(g->add_input(), computed_cache ? "pk_in" : "pk", {1, 2, 3, 4});
  FloatIo(g->add_input(), "nk", {1, 2, 1, 4});
  FloatIo(g->add_input(), "pv", {1, 2, 3, 4});
  FloatIo(g->add_input(), "nv", {1, 2, 1, 4});
  if (v.name_taken) {
    FloatIo(g->add_input(), "scores/past", {1});
  }
  g->add_output()->set_name(v.second_reader ? "out2" : "out");
  if (computed_cache) {
    AddNode(g, "Relu", {"pk_in"}, "pk");
  }
  if (v.cache_second) {
    AddNode(g, "Relu", {"nk"}, "nk_relu");
  }
  IntAttribute(AddNode(g, "Concat",
                       v.cache_second ? std::vector<std::string>{"nk_relu", "pk"}
                                      : std::vector<std::string>{"pk", "nk"},
                       "k"),
               "axis")
      ->set_i(-2);
  onnx::AttributeProto* perm = AddNode(g, "Transpose", {"k"}, "kt")->add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  for (int64_t p : {0, 1, 3, 2}) perm->add_ints(p);
  AddNode(g, "MatMul", {"q", "kt"}, "scores");
  IntAttribute(AddNode(g, "Concat", {"pv", "nv"}, "v"), "axis")->set_i(2);
  AddNode(g, "MatMul", {"scores", "v"}, "out");
  if (v.second_reader) {  // out2 = out + the mean of Relu(k) over its positions
    AddNode(g, "Relu", {"k"}, "k_relu");
    onnx::AttributeProto* axes = AddNode(g, "ReduceMean", {"k_relu"}, "k_mean")->add_attribute();
    axes->set_name("axes");
    axes->set_type(onnx::AttributeProto::INTS);
    axes->add_ints(2);
    AddNode(g, "Add", {"out", "k_mean"}, "out2");
  }
  return m;
}

FloatTensor Seeded(const Shape& shape, float step) {
  FloatTensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = std::sin(step * static_cast<float>(i + 1));
  return t;
}

}  // namespace

TEST_CASE("A matmul reading Concat(cache, new) is split at the cache, with the same values") {
  const NetworkSpec net = ImportOnnx(WriteTemp("cache.onnx", CacheAttention()));
  auto ops = OpCounts(net);
  CHECK(ops[NetOp::kMatMul] == 4);
  CHECK(ops[NetOp::kConcat] == 1);  // the scores of the 3 cached and the 1 new position
  CHECK(ops[NetOp::kTranspose] == 0);
  int cache_reads = 0;
  for (const NetLayer& l : net.layers) {
    for (const std::string& in : l.inputs) {
      if (in == "pk" || in == "pv") {
        ++cache_reads;
        CHECK(l.op == NetOp::kMatMul);
        CHECK(l.transpose_b == (in == "pk"));
      }
    }
  }
  CHECK(cache_reads == 2);
  const std::map<std::string, FloatTensor> in = {{"q", Seeded({1, 2, 1, 4}, 0.7f)},
                                                 {"pk", Seeded({1, 2, 3, 4}, 0.3f)},
                                                 {"nk", Seeded({1, 2, 1, 4}, 1.1f)},
                                                 {"pv", Seeded({1, 2, 3, 4}, 0.5f)},
                                                 {"nv", Seeded({1, 2, 1, 4}, 0.9f)}};
  const FloatTensor got = RunFloatNetwork(net, MakeFloatParams(net, 1), in).at(net.output);
  // The attention as written, in double: K and V of the 4 positions per head.
  REQUIRE(got.shape == Shape{1, 2, 1, 4});
  for (int64_t h = 0; h < 2; ++h) {
    auto key = [&](int64_t p, int64_t d) {
      return p < 3 ? in.at("pk")[(h * 3 + p) * 4 + d] : in.at("nk")[h * 4 + d];
    };
    auto value = [&](int64_t p, int64_t d) {
      return p < 3 ? in.at("pv")[(h * 3 + p) * 4 + d] : in.at("nv")[h * 4 + d];
    };
    for (int64_t d = 0; d < 4; ++d) {
      double want = 0;
      for (int64_t p = 0; p < 4; ++p) {
        double score = 0;
        for (int64_t e = 0; e < 4; ++e) score += double{in.at("q")[h * 4 + e]} * key(p, e);
        want += score * value(p, d);
      }
      INFO("head " << h << " feature " << d);
      CHECK(std::abs(got[h * 4 + d] - want) <= 1e-5);
    }
  }
  // Each variation leaves the scores as written (one matmul reading a transpose of a concat);
  // the context, whose cache is a first concat input read by the matmul alone, is still split.
  CacheVariant computed, second, shared, taken;
  computed.computed_cache = true;
  second.cache_second = true;
  shared.second_reader = true;
  taken.name_taken = true;
  for (const auto& [name, v] : std::vector<std::pair<std::string, CacheVariant>>{
           {"computed", computed}, {"second", second}, {"shared", shared}, {"taken", taken}}) {
    INFO(name);
    const NetworkSpec n = ImportOnnx(WriteTemp("cache_" + name + ".onnx", CacheAttention(v)));
    ops = OpCounts(n);
    CHECK(ops[NetOp::kMatMul] == 1 + 2);
    CHECK(ops[NetOp::kTranspose] == 1);
    CHECK(ops[NetOp::kConcat] == 1);
    CHECK(n.FindLayer("scores")->op == NetOp::kMatMul);
  }
}

TEST_CASE("A repeat whose reshapes do more than add an axis is not folded into the split") {
  // A rank-3 cache [2, 3, 4] joined to [2, 4, 4], reshaped to [1, 2, 1, 4, 4], repeated twice and
  // reshaped to [1, 4, 4, 4]: the chain of repeat_kv, but its first reshape also adds the batch
  // axis, so the split matmuls could not read the cache itself. Imported as written, it runs.
  onnx::ModelProto m = NewModel("rank3", 13);
  onnx::GraphProto* g = m.mutable_graph();
  FloatIo(g->add_input(), "q", {1, 4, 1, 4});
  FloatIo(g->add_input(), "pk", {2, 3, 4});
  FloatIo(g->add_input(), "nk", {2, 1, 4});
  g->add_output()->set_name("scores");
  IntConstant(g, "s5", {5}, {1, 2, 1, 4, 4});
  IntConstant(g, "e5", {5}, {1, 2, 2, 4, 4});
  IntConstant(g, "s4", {4}, {1, 4, 4, 4});
  IntAttribute(AddNode(g, "Concat", {"pk", "nk"}, "k"), "axis")->set_i(1);
  AddNode(g, "Reshape", {"k", "s5"}, "u");
  AddNode(g, "Expand", {"u", "e5"}, "e");
  AddNode(g, "Reshape", {"e", "s4"}, "r");
  onnx::AttributeProto* perm = AddNode(g, "Transpose", {"r"}, "kt")->add_attribute();
  perm->set_name("perm");
  perm->set_type(onnx::AttributeProto::INTS);
  for (int64_t p : {0, 1, 3, 2}) perm->add_ints(p);
  AddNode(g, "MatMul", {"q", "kt"}, "scores");
  const NetworkSpec net = ImportOnnx(WriteTemp("rank3_cache.onnx", m));
  const auto ops = OpCounts(net);
  CHECK(ops.at(NetOp::kMatMul) == 1);
  CHECK(net.FindLayer("scores")->op == NetOp::kMatMul);
  CHECK(net.ShapeOf("scores") == Shape{1, 4, 1, 4});
}

}  // namespace quasar::models
