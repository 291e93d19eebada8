// Coverage of the ONNX node-test directory: every test is either run bit-exactly (registered with
// QUASAR_ONNX_NODE_TEST) or listed below as skipped, with the reason.
//
// Skipped (not registered as test cases; the test case below checks they exist on disk and really
// use a float8/float4 type, and WARNs the reason):
//   test_dequantizelinear_e4m3fn, test_dequantizelinear_e4m3fn_float16,
//   test_dequantizelinear_e4m3fn_zero_point, test_dequantizelinear_e5m2,
//   test_dequantizelinear_float4e2m1, test_quantizelinear_e4m3fn, test_quantizelinear_e5m2,
//   test_quantizelinear_float4e2m1:
//     their quantized type is float8e4m3fn, float8e5m2 or float4e2m1 (INDEX.md: "not checked
//     (fp8/fp4)"). Quasar computes with integer types only (int_type.h: int1..int16, int32,
//     uint1..uint16, binary, ternary); it has no float8/float4 format and no conversion to or
//     from one, so there is no Quasar function these vectors could check.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "conformance.h"
#include "node_test.h"
#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

constexpr const char* kSkipReason =
    "float8/float4 quantized type; Quasar models integer types only (int_type.h) and has no "
    "float8e4m3fn/float8e5m2/float4e2m1 arithmetic to check";

const std::vector<std::string>& SkippedTests() {
  static const std::vector<std::string> names = {
      "test_dequantizelinear_e4m3fn",
      "test_dequantizelinear_e4m3fn_float16",
      "test_dequantizelinear_e4m3fn_zero_point",
      "test_dequantizelinear_e5m2",
      "test_dequantizelinear_float4e2m1",
      "test_quantizelinear_e4m3fn",
      "test_quantizelinear_e5m2",
      "test_quantizelinear_float4e2m1",
  };
  return names;
}

bool IsFloat8OrFloat4(int32_t data_type) {
  return data_type == kFloat8E4M3FN || data_type == kFloat8E5M2 || data_type == kFloat4E2M1;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("float8_float4_node_tests_skipped", "[onnx][skipped]") {
  for (const std::string& name : SkippedTests()) {
    INFO(name);
    const NodeTest test(name);  // throws if the files are missing or do not parse
    bool uses_float8_or_float4 = IsFloat8OrFloat4(test.Output().data_type());
    for (int i = 0; i < test.node().input_size(); ++i) {
      const onnx::TensorProto* input = test.Input(i);
      uses_float8_or_float4 =
          uses_float8_or_float4 || (input != nullptr && IsFloat8OrFloat4(input->data_type()));
    }
    CHECK(uses_float8_or_float4);
    WARN("skipped " << name << ": " << kSkipReason);
  }
}

TEST_CASE("node_test_directory_coverage", "[onnx]") {
  std::vector<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(NodeTestRoot())) {
    if (entry.is_directory()) {
      on_disk.push_back(entry.path().filename().string());
    }
  }
  std::sort(on_disk.begin(), on_disk.end());
  REQUIRE(!on_disk.empty());
  for (const std::string& name : on_disk) {
    INFO(name << " is neither run nor listed as skipped");
    CHECK((Contains(CheckedTests(), name) || Contains(SkippedTests(), name)));
  }
  for (const std::string& name : CheckedTests()) {
    INFO(name << " is registered but not on disk");
    CHECK(Contains(on_disk, name));
    CHECK(!Contains(SkippedTests(), name));
  }
  for (const std::string& name : SkippedTests()) {
    INFO(name << " is listed as skipped but not on disk");
    CHECK(Contains(on_disk, name));
  }
  CHECK(CheckedTests().size() + SkippedTests().size() == on_disk.size());
}

}  // namespace quasar::onnx_tests
