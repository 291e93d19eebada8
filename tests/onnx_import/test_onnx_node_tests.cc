// ONNX's own backend node tests (Debian's libonnx-testdata: ONNX 1.12, 932 tests under
// QUASAR_ONNX_TESTDATA): every test whose nodes are all ops the importer converts runs through
// the importer and Quasar's float reference, and its output must agree with ONNX's on every
// element within the backend tests' tolerance (rtol 1e-3, atol 1e-7: onnx/backend/test/case/
// node/__init__.py, expect()). A test the importer refuses is skipped with its message; the
// coverage test lists them all, and QUASAR_ONNX_COVERAGE=FILE writes the list as Markdown
// (docs/onnx-import.md shows it).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/requant.h"
#include "quasar/models/onnx/onnx_import.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::models {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  std::string test, ops;
  enum { kPassed, kFailed, kSkipped } status = kSkipped;
  std::string detail;  // the first mismatch, or why the test is skipped
};

// A test_data_set_0 tensor as an NpyArray (float32, or its integer type).
NpyArray ToArray(const onnx::TensorProto& t) {
  NpyArray a;
  a.shape = onnx_io::ShapeOf(t);
  if (t.data_type() == onnx_io::kFloat) {
    a.dtype = NpyDtype::kFloat32;
    a.floats = onnx_io::DecodeFloats(t);
  } else if (onnx_io::IntegerBits(t.data_type()) > 0) {
    // The file's integer type, where .npy has it (the zero point's type is the quantized type).
    const int32_t d = t.data_type();
    a.dtype = d == onnx_io::kInt8    ? NpyDtype::kInt8
              : d == onnx_io::kUint8 ? NpyDtype::kUint8
              : d == onnx_io::kInt16 ? NpyDtype::kInt16
              : d == onnx_io::kUint16 ? NpyDtype::kUint16
              : d == onnx_io::kInt32 ? NpyDtype::kInt32
                                     : NpyDtype::kInt64;
    a.ints = onnx_io::DecodeIntegers(t);
  } else {
    throw InputError("input '" + t.name() + "' has type " + onnx_io::DataTypeName(t.data_type()));
  }
  return a;
}

// A quantized node test (integer inputs and output: ConvInteger, MatMulInteger, QLinearConv,
// QLinearMatMul): the golden integer run on the file's integers, fed as the floats (q - z)·s
// that quantize back to them, gives the expected integers exactly, every element.
Outcome RunIntegerNodeTest(const NetworkSpec& net,
                           const std::vector<std::pair<std::string, NpyArray>>& inputs,
                           const onnx::TensorProto& expected_proto, Outcome r) {
  const QuantizedNetwork q = QuantizePostTraining(net, MakeFloatParams(net, 1), 1, 1);
  std::map<std::string, FloatTensor> feed;
  for (const auto& in : net.inputs) {
    const QuantParams& p = q.tensors.at(in.name);
    for (const auto& [name, a] : inputs) {
      if (name == in.name) {
        FloatTensor x(a.shape);
        for (int64_t i = 0; i < x.size(); ++i) {
          x[i] = Dequantize(static_cast<int32_t>(a.ints[static_cast<size_t>(i)]), p.scales[0],
                            p.zero_points[0]);
        }
        feed[name] = std::move(x);
      }
    }
  }
  const IntTensor actual = RunQuantizedNetwork(q, feed).tensors.at(net.output);
  const Shape shape = onnx_io::ShapeOf(expected_proto);
  const std::vector<int64_t> expected = onnx_io::DecodeIntegers(expected_proto);
  r.status = Outcome::kPassed;
  if (actual.shape != shape) {
    r.status = Outcome::kFailed;
    r.detail = "shape " + ShapeToString(actual.shape) + ", expected " + ShapeToString(shape);
    return r;
  }
  for (int64_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[static_cast<size_t>(i)]) {
      r.status = Outcome::kFailed;
      r.detail = "element " + std::to_string(i) + ": " + std::to_string(actual[i]) +
                 ", expected " + std::to_string(expected[static_cast<size_t>(i)]);
      return r;
    }
  }
  return r;
}

Outcome RunNodeTest(const fs::path& dir, const onnx::ModelProto& model) {
  Outcome r;
  r.test = dir.filename().string();
  const std::string path = (dir / "model.onnx").string();
  std::vector<std::pair<std::string, NpyArray>> inputs;
  try {
    int i = 0;
    for (const auto& v : model.graph().input()) {
      const auto file = dir / "test_data_set_0" / ("input_" + std::to_string(i++) + ".pb");
      inputs.emplace_back(v.name(), ToArray(onnx_io::LoadTensor(file.string())));
    }
  } catch (const std::exception& e) {
    r.detail = e.what();
    return r;
  }
  // First every input computed by the network; then the first one computed and the others
  // bound as constants, as weights are.
  NetworkSpec net;
  std::string refused;
  for (int attempt = 0; attempt < 2 && net.layers.empty(); ++attempt) {
    OnnxImportOptions o;
    for (size_t i = attempt == 0 ? inputs.size() : 1; i < inputs.size(); ++i) {
      o.constants[inputs[i].first] = inputs[i].second;
    }
    try {
      net = ImportOnnx(path, o);
    } catch (const InputError& e) {
      refused = e.what();
      refused = refused.substr(refused.find(path) == 0 ? path.size() + 2 : 0);
    }
  }
  if (net.layers.empty()) {
    r.detail = refused;
    return r;
  }
  const onnx::TensorProto expected_proto =
      onnx_io::LoadTensor((dir / "test_data_set_0" / "output_0.pb").string());
  if (onnx_io::IntegerBits(expected_proto.data_type()) > 0 && !net.fixed_params.empty()) {
    return RunIntegerNodeTest(net, inputs, expected_proto, std::move(r));
  }
  std::map<std::string, FloatTensor> feed;
  for (const auto& in : net.inputs) {
    for (const auto& [name, a] : inputs) {
      if (name == in.name) {
        feed[name] = FloatTensor(a.shape, a.floats);
      }
    }
  }
  if (expected_proto.data_type() != onnx_io::kFloat) {
    r.detail = "the output is " + onnx_io::DataTypeName(expected_proto.data_type());
    return r;
  }
  const FloatTensor expected(onnx_io::ShapeOf(expected_proto),
                             onnx_io::DecodeFloats(expected_proto));
  const FloatTensor actual =
      RunFloatNetwork(net, MakeFloatParams(net, 1), feed).at(net.output);
  r.status = Outcome::kPassed;
  if (actual.shape != expected.shape) {
    r.status = Outcome::kFailed;
    r.detail = "shape " + ShapeToString(actual.shape) + ", expected " +
               ShapeToString(expected.shape);
    return r;
  }
  for (int64_t i = 0; i < expected.size(); ++i) {
    if (!(std::abs(actual[i] - expected[i]) <= 1e-7 + 1e-3 * std::abs(expected[i]))) {
      r.status = Outcome::kFailed;
      r.detail = "element " + std::to_string(i) + ": " + std::to_string(actual[i]) +
                 ", expected " + std::to_string(expected[i]);
      return r;
    }
  }
  return r;
}

// Every node test whose nodes are all supported ops, sorted by name.
std::vector<Outcome> RunAll() {
  const auto supported = OnnxSupportedOps();
  const std::set<std::string> ops(supported.begin(), supported.end());
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(QUASAR_ONNX_TESTDATA)) {
    dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<Outcome> out;
  for (const auto& dir : dirs) {
    const auto model = onnx_io::LoadModel((dir / "model.onnx").string());
    std::string names;
    bool all = model.graph().node_size() > 0;
    for (const auto& n : model.graph().node()) {
      all = all && n.domain().empty() && ops.count(n.op_type());
      if (names.find(n.op_type()) == std::string::npos) {
        names += (names.empty() ? "" : ", ") + n.op_type();
      }
    }
    if (all) {
      out.push_back(RunNodeTest(dir, model));
      out.back().ops = names;
    }
  }
  return out;
}

const std::vector<Outcome>& Outcomes() {
  static const std::vector<Outcome> all = RunAll();
  return all;
}

}  // namespace

TEST_CASE("ONNX node tests of the supported ops agree with ONNX within its tolerance") {
  REQUIRE(fs::is_directory(QUASAR_ONNX_TESTDATA));  // scripts/install-deps.sh installs it
  int passed = 0;
  for (const auto& r : Outcomes()) {
    INFO(r.test << ": " << r.detail);
    CHECK(r.status != Outcome::kFailed);
    passed += r.status == Outcome::kPassed;
  }
  // The importer's ops have node tests that run; a change that skips them all must show here.
  CHECK(passed >= 60);
}

TEST_CASE("Every node test of a supported op is run or skipped with a reason") {
  std::map<std::string, int> by_status;
  std::string table = "| node test | ops | result |\n|---|---|---|\n";
  for (const auto& r : Outcomes()) {
    const char* status = r.status == Outcome::kPassed   ? "passed"
                         : r.status == Outcome::kFailed ? "FAILED"
                                                        : "skipped";
    ++by_status[status];
    if (r.status == Outcome::kSkipped) {
      CHECK(!r.detail.empty());
    }
    std::string detail = r.detail;
    std::replace(detail.begin(), detail.end(), '|', '/');
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    table += "| " + r.test + " | " + r.ops + " | " + status +
             (detail.empty() ? "" : ": " + detail) + " |\n";
  }
  if (const char* out = std::getenv("QUASAR_ONNX_COVERAGE"); out != nullptr && *out) {
    std::ofstream f(out);
    f << "Node tests of supported ops: " << Outcomes().size() << "; passed "
      << by_status["passed"] << ", skipped " << by_status["skipped"] << ", failed "
      << by_status["FAILED"] << ".\n\n"
      << table;
  }
  CHECK(by_status["FAILED"] == 0);
}

}  // namespace quasar::models
