// Coverage of the ONNX node-test directory: every test is either run bit-exactly (registered with
// QUASAR_ONNX_NODE_TEST) or listed below as skipped, with the reason.
//
// Skipped: none. The eight float8/float4 QuantizeLinear/DequantizeLinear tests (float8e4m3fn,
// float8e5m2, float4e2m1), skipped until the small-float formats existed, run in
// test_quantize_linear.cc against small_float.h.

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

// Directories deliberately not run, each with its reason in the header comment (none today).
const std::vector<std::string>& SkippedTests() {
  static const std::vector<std::string> names;
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

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
