// torchvision's models (exported with random weights by workloads/onnx/export_torchvision.py,
// with a fixed input and PyTorch's float output beside each) give PyTorch's output through the
// importer and Quasar's float reference. Hidden ([.torchvision]): the models are generated on
// demand, and tests/onnx_import/torchvision_test.sh runs it with QUASAR_TORCHVISION_DIR set.
// The tolerance is on the output's scale: |quasar - pytorch| <= 1e-3 |pytorch| + 1e-5 max|pytorch|,
// since summation orders differ over thousands of products per output (the largest differences
// measured are listed in docs/onnx-import.md).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "quasar/models/net/float_net.h"
#include "quasar/models/npy.h"
#include "quasar/models/onnx/onnx_import.h"

namespace quasar::models {

TEST_CASE("torchvision models give PyTorch's float output", "[.torchvision]") {
  const char* dir = std::getenv("QUASAR_TORCHVISION_DIR");
  REQUIRE(dir != nullptr);
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".onnx") {
      continue;
    }
    const std::string stem = (entry.path().parent_path() / entry.path().stem()).string();
    if (!std::filesystem::exists(stem + ".output.npy")) {
      continue;
    }
    INFO(entry.path().filename().string());
    const NetworkSpec net = ImportOnnx(entry.path().string());
    const FloatTensor x = ToFloatTensor(ReadNpy(stem + ".input.npy"), stem);
    const FloatTensor want = ToFloatTensor(ReadNpy(stem + ".output.npy"), stem);
    const FloatTensor got =
        RunFloatNetwork(net, MakeFloatParams(net, 1), {{net.inputs.at(0).name, x}}).at(net.output);
    REQUIRE(got.shape == want.shape);
    double scale = 0, worst = 0;
    for (float v : want.data) {
      scale = std::max(scale, std::abs(static_cast<double>(v)));
    }
    REQUIRE(scale > 0);  // an identically zero output would check nothing
    int64_t outside = 0;
    for (int64_t i = 0; i < want.size(); ++i) {
      const double diff = std::abs(static_cast<double>(got[i]) - want[i]);
      worst = std::max(worst, diff / scale);
      outside += diff <= 1e-3 * std::abs(want[i]) + 1e-5 * scale ? 0 : 1;
    }
    WARN(entry.path().stem().string() << ": largest difference " << worst
                                      << " of the output's largest magnitude " << scale);
    CHECK(outside == 0);
    ++models;
  }
  CHECK(models == 9);
}

}  // namespace quasar::models
