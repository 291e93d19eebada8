// Bad models exit 2 (InputError), naming the file, the node and what is wrong: never a crash,
// never a silently wrong network. Each case edits a known-good model (tiny_cnn.onnx).

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "quasar/models/memory_limit.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/onnx/tensor_proto.h"
#include "test_util.h"

namespace quasar::models {
namespace {

using Catch::Matchers::Contains;
using onnx_test::DataPath;
using onnx_test::WriteTemp;

onnx::ModelProto Tiny() { return onnx_io::LoadModel(DataPath("tiny_cnn.onnx")); }

onnx::NodeProto* NodeOf(onnx::ModelProto* m, const std::string& op_type, int nth = 0) {
  for (auto& n : *m->mutable_graph()->mutable_node()) {
    if (n.op_type() == op_type && nth-- == 0) {
      return &n;
    }
  }
  FAIL("no " << op_type << " node");
  return nullptr;
}

void SetIntAttribute(onnx::NodeProto* n, const std::string& name, int64_t v) {
  for (auto& a : *n->mutable_attribute()) {
    if (a.name() == name) {
      a.set_i(v);
      return;
    }
  }
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// ImportOnnx(path) throws an InputError whose message contains each of `parts`.
void ExpectError(const std::string& path, std::initializer_list<std::string> parts,
                 const OnnxImportOptions& options = {}) {
  try {
    ImportOnnx(path, options);
    FAIL("imported " << path);
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Contains(path));
    for (const auto& p : parts) {
      CHECK_THAT(what, Contains(p));
    }
  }
}

}  // namespace

TEST_CASE("A truncated, non-ONNX or missing file is an input error naming it") {
  std::ifstream in(DataPath("tiny_cnn.onnx"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ExpectError(WriteTemp("truncated.onnx", bytes.substr(0, bytes.size() / 2)), {"cannot parse"});
  ExpectError(WriteTemp("text.onnx", "name: not a model\n"), {});
  ExpectError(WriteTemp("empty.onnx", ""), {"no graph"});
  ExpectError(std::filesystem::temp_directory_path().string(), {"not a readable file"});
  ExpectError("/nonexistent/model.onnx", {"not a readable file"});
}

TEST_CASE("A missing initializer or a cyclic graph names the node and the tensor") {
  auto m = Tiny();
  const std::string weight = NodeOf(&m, "Conv")->input(1);
  auto* inits = m.mutable_graph()->mutable_initializer();
  for (int i = 0; i < inits->size(); ++i) {
    if (inits->Get(i).name() == weight) {
      inits->DeleteSubrange(i, 1);
      break;
    }
  }
  ExpectError(WriteTemp("missing_init.onnx", m), {"/conv1/Conv", weight, "missing initializer"});

  auto cyclic = Tiny();
  auto* conv = NodeOf(&cyclic, "Conv");
  // The conv reads what the relu after it makes.
  conv->set_input(0, NodeOf(&cyclic, "Relu")->output(0));
  ExpectError(WriteTemp("cyclic.onnx", cyclic), {"/conv1/Conv", "cyclic"});
}

TEST_CASE("Every unsupported node is listed at once, with its op type, domain and opset") {
  auto m = Tiny();
  NodeOf(&m, "MaxPool")->set_op_type("LpPool");
  NodeOf(&m, "GlobalAveragePool")->set_op_type("GlobalLpPool");
  auto* custom = NodeOf(&m, "Flatten");
  custom->set_domain("com.example");
  const std::string path = WriteTemp("unsupported.onnx", m);
  const auto issues = CheckOnnx(path);
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].op_type == "LpPool");
  CHECK(issues[0].node == "/pool/MaxPool");
  CHECK(issues[0].opset == 13);
  CHECK_THAT(issues[0].problem, Contains("not supported"));
  CHECK(issues[1].op_type == "GlobalLpPool");
  CHECK(issues[2].domain == "com.example");
  ExpectError(path, {"LpPool", "GlobalLpPool", "com.example"});
  CHECK(CheckOnnx(DataPath("tiny_cnn.onnx")).empty());
}

TEST_CASE("An opset out of range, external data or a non-float tensor is refused clearly") {
  auto old = Tiny();
  old.mutable_opset_import(0)->set_version(22);
  ExpectError(WriteTemp("opset22.onnx", old), {"opset 22", "1 to 21"});
  auto gemm6 = Tiny();
  gemm6.mutable_opset_import(0)->set_version(6);  // Gemm's broadcast attribute era
  ExpectError(WriteTemp("opset6.onnx", gemm6), {"/fc/Gemm", "from opset 7"});

  auto external = Tiny();
  auto* t = external.mutable_graph()->mutable_initializer(0);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  ExpectError(WriteTemp("external.onnx", external), {t->name(), "external data"});

  auto huge = Tiny();
  huge.mutable_graph()->mutable_initializer(0)->set_dims(0, int64_t{1} << 40);
  ExpectError(WriteTemp("huge.onnx", huge), {"2^40"});

  auto f64 = Tiny();
  f64.mutable_graph()->mutable_initializer(0)->set_data_type(11);  // DOUBLE
  ExpectError(WriteTemp("double.onnx", f64), {"data_type 11"});
}

TEST_CASE("A model or initializer over the memory limit is refused before it is read") {
  auto big = Tiny();
  auto* t = big.mutable_graph()->mutable_initializer(0);
  t->set_dims(0, int64_t{1} << 28);  // the header asks for far more than the payload holds
  const std::string name = t->name();
  const std::string path = WriteTemp("big_initializer.onnx", big);
  SetMemoryLimit(1 << 20);
  ExpectError(path,
              {"initializer '" + name + "'", "would need", "over the memory limit of 1.0 MiB"});
  SetMemoryLimit(100);
  ExpectError(DataPath("tiny_cnn.onnx"), {"reading the model would need", "100 bytes"});
  SetMemoryLimit(uint64_t{64} << 30);  // within the limit: the payload check refuses it
  ExpectError(path, {"initializer '" + name + "'", "raw_data size mismatch"});
  SetMemoryLimit(0);  // back to the default
}

TEST_CASE("Bad attribute values and unknown attributes name the node and the attribute") {
  auto group = Tiny();
  SetIntAttribute(NodeOf(&group, "Conv"), "group", 0);
  ExpectError(WriteTemp("group0.onnx", group), {"/conv1/Conv", "'group'", "positive"});

  auto pad = Tiny();
  auto* a = NodeOf(&pad, "Conv")->add_attribute();
  a->set_name("auto_pad");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("BOGUS");
  ExpectError(WriteTemp("autopad.onnx", pad), {"/conv1/Conv", "auto_pad", "BOGUS"});

  auto unknown = Tiny();
  SetIntAttribute(NodeOf(&unknown, "Gemm"), "foo", 1);
  ExpectError(WriteTemp("unknown_attr.onnx", unknown), {"/fc/Gemm", "'foo'"});

  // ceil_mode becomes extra end padding, except where the last window's divisor would differ.
  auto ceil = onnx_io::LoadModel(DataPath("view_cnn.onnx"));
  SetIntAttribute(NodeOf(&ceil, "AveragePool"), "ceil_mode", 1);
  SetIntAttribute(NodeOf(&ceil, "AveragePool"), "count_include_pad", 1);
  ExpectError(WriteTemp("ceil.onnx", ceil), {"/pool/AveragePool", "ceil_mode", "divisor"});
  SetIntAttribute(NodeOf(&ceil, "AveragePool"), "count_include_pad", 0);
  for (auto& attr : *NodeOf(&ceil, "AveragePool")->mutable_attribute()) {
    if (attr.name() == "pads") {
      for (int i = 0; i < attr.ints_size(); ++i) {
        attr.set_ints(i, 0);
      }
    }
  }
  // 6x8 by 3x3 windows with stride 2: 3x4 rounding up (2x3 down), as the Linear after it needs.
  const NetworkSpec net = ImportOnnx(WriteTemp("ceil_ok.onnx", ceil));
  CHECK(net.layers[2].output_shape == Shape{2, 6, 3, 4});
  CHECK(net.layers[2].geometry.pad_bottom == 1);
  CHECK(net.layers[2].geometry.pad_right == 1);
}

TEST_CASE("Shapes that disagree with the weights or the file are errors, not new layers") {
  auto wide = Tiny();
  wide.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
      ->mutable_shape()->mutable_dim(1)->set_dim_value(5);
  ExpectError(WriteTemp("wide.onnx", wide), {"/conv1/Conv", "weights"});

  ExpectError(DataPath("tiny_cnn_dynamic.onnx"), {"'batch'", "--input-shape input="});
  ExpectError(DataPath("tiny_cnn.onnx"), {"disagrees", "dimension 1"},
              {{{"input", {1, 4, 16, 16}}}, {}});
  ExpectError(DataPath("tiny_cnn.onnx"), {"'nope'", "not a graph input"},
              {{{"nope", {1, 3, 16, 16}}}, {}});
}

}  // namespace quasar::models

namespace quasar::models {

TEST_CASE("QLinearGlobalAveragePool imports only where its output keeps its input's parameters") {
  auto m = onnx_io::LoadModel(DataPath("qlinear_contrib.onnx"));
  onnx::NodeProto* n = NodeOf(&m, "QLinearSigmoid");  // inputs X, X_scale, X_zp, Y_scale, Y_zp
  n->set_op_type("QLinearGlobalAveragePool");
  auto issues = CheckOnnx(WriteTemp("qgap_other.onnx", m));
  REQUIRE_FALSE(issues.empty());
  CHECK(issues[0].op_type == "QLinearGlobalAveragePool");
  CHECK_THAT(issues[0].problem, Contains("keeps its input's quantization"));
  n->set_input(3, n->input(1));  // the output's parameters are now the input's
  n->set_input(4, n->input(2));
  issues = CheckOnnx(WriteTemp("qgap_same.onnx", m));
  REQUIRE_FALSE(issues.empty());  // the QLinearAdd after it now adds [1,8,6,6] and [1,8,1,1]
  CHECK(issues[0].op_type == "QLinearAdd");
  CHECK_THAT(issues[0].problem, Contains("one shape"));
}

}  // namespace quasar::models

namespace quasar::models {

TEST_CASE("Bad Trunc and QGemm attributes and inputs name the node, its op and the value") {
  // out_bitwidth above in_bitwidth: the first Trunc, 8 -> 6 bits, made 6 -> 8.
  auto up = onnx_io::LoadModel(DataPath("qonnx_trunc_v1.onnx"));
  onnx::NodeProto* t = NodeOf(&up, "Trunc");
  t->set_input(3, "b6");
  t->set_input(4, "b8");
  ExpectError(WriteTemp("trunc_up.onnx", up), {"t1", "Trunc", "out_bitwidth 8", "in_bitwidth 6"});
  // ROUND needs power-of-two scales (its ties must be exact): scale 0.1 is refused; a bogus
  // mode is named.
  auto round = onnx_io::LoadModel(DataPath("qonnx_trunc_v1.onnx"));
  for (auto& a : *NodeOf(&round, "Trunc")->mutable_attribute()) {
    if (a.name() == "rounding_mode") {
      a.set_s("ROUND");
    }
  }
  for (auto& init : *round.mutable_graph()->mutable_initializer()) {
    if (init.name() == "s") {  // the Quant's and both Truncs' scale
      const float tenth = 0.1f;
      init.set_raw_data(std::string(reinterpret_cast<const char*>(&tenth), sizeof tenth));
    }
  }
  ExpectError(WriteTemp("trunc_round.onnx", round), {"t1", "Trunc", "ROUND", "power-of-two"});
  for (auto& a : *NodeOf(&round, "Trunc")->mutable_attribute()) {
    if (a.name() == "rounding_mode") {
      a.set_s("SIDEWAYS");
    }
  }
  ExpectError(WriteTemp("trunc_bogus.onnx", round), {"t1", "Trunc", "'SIDEWAYS'"});
  // A shift of more than 15 bits: in_bitwidth 24 -> out_bitwidth 6.
  auto wide = onnx_io::LoadModel(DataPath("qonnx_trunc_v1.onnx"));
  onnx::TensorProto* b24 = wide.mutable_graph()->add_initializer();
  b24->set_name("b24");
  b24->set_data_type(onnx::TensorProto::FLOAT);
  const float twenty_four = 24.0f;
  b24->set_raw_data(std::string(reinterpret_cast<const char*>(&twenty_four), sizeof twenty_four));
  NodeOf(&wide, "Trunc")->set_input(3, "b24");
  ExpectError(WriteTemp("trunc_wide.onnx", wide), {"t1", "Trunc", "drops 18 bits"});
  // A scale other than the input's quantization.
  auto scale = onnx_io::LoadModel(DataPath("qonnx_trunc_v2.onnx"));
  NodeOf(&scale, "Trunc")->set_input(1, "so");
  ExpectError(WriteTemp("trunc_scale.onnx", scale), {"output", "Trunc", "scale"});
  // Version 2 narrow range.
  auto narrow = onnx_io::LoadModel(DataPath("qonnx_trunc_v2.onnx"));
  SetIntAttribute(NodeOf(&narrow, "Trunc"), "narrow", 1);
  ExpectError(WriteTemp("trunc_narrow.onnx", narrow), {"output", "Trunc", "narrow"});

  auto ta = onnx_io::LoadModel(DataPath("qgemm.onnx"));
  SetIntAttribute(NodeOf(&ta, "QGemm"), "transA", 1);
  ExpectError(WriteTemp("qgemm_transa.onnx", ta), {"fc1", "QGemm", "transA = 1"});
  auto alpha = onnx_io::LoadModel(DataPath("qgemm.onnx"));
  for (auto& a : *NodeOf(&alpha, "QGemm")->mutable_attribute()) {
    if (a.name() == "alpha") {
      a.set_f(-2.0f);
    }
  }
  ExpectError(WriteTemp("qgemm_alpha.onnx", alpha), {"fc1", "QGemm", "alpha -2"});
  auto floaty = onnx_io::LoadModel(DataPath("qgemm.onnx"));
  onnx::NodeProto* g = NodeOf(&floaty, "QGemm");
  g->mutable_input()->DeleteSubrange(7, 2);  // no y_scale, y_zero_point: a float output
  ExpectError(WriteTemp("qgemm_float.onnx", floaty), {"fc1", "QGemm", "y_scale"});
  auto c = onnx_io::LoadModel(DataPath("qgemm.onnx"));
  NodeOf(&c, "QGemm")->set_input(6, "s_b1");  // a float C
  ExpectError(WriteTemp("qgemm_c.onnx", c), {"fc1", "QGemm", "int32"});
}

TEST_CASE("CheckOnnx (import-onnx --check) lists no Trunc, QGemm, QLinearMatMul of tensors") {
  for (const char* model :
       {"qonnx_trunc_v1.onnx", "qonnx_trunc_v2.onnx", "qgemm.onnx", "qlinear_matmul2.onnx"}) {
    INFO(model);
    CHECK(CheckOnnx(DataPath(model)).empty());
  }
}

}  // namespace quasar::models
