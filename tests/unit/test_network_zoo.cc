// The model zoo: every network parses, and its MAC and parameter totals match the published
// figures (sources in workloads/README.md and in each file's `source`).

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "quasar/models/net/network.h"

using namespace quasar::models;

namespace {

std::string Zoo(const std::string& name) {
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/" + name + ".yaml";
}

// |value / published - 1| <= tolerance
bool Near(int64_t value, double published, double tolerance) {
  return std::abs(static_cast<double>(value) / published - 1.0) <= tolerance;
}

}  // namespace

TEST_CASE("every network of the zoo parses and is listed here") {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(QUASAR_SOURCE_DIR) +
                                                           "/workloads/networks")) {
    if (e.path().extension() == ".yaml") {
      files.insert(e.path().stem().string());
    }
  }
  const std::set<std::string> expected = {"alexnet",  "bert_base_layer", "bnn_cifar10",
                                          "lenet5",   "mobilenetv2",     "resnet18",
                                          "resnet50", "vgg16",           "xnor_alexnet"};
  CHECK(files == expected);
  for (const auto& name : files) {
    INFO(name);
    const NetworkSpec net = LoadNetwork(Zoo(name));
    CHECK(net.TotalMacs() > 0);
    CHECK_FALSE(net.source.empty());
  }
}

TEST_CASE("zoo MAC and parameter totals match the published figures") {
  struct Row {
    const char* name;
    double macs, mac_tol, params, param_tol;
  };
  // Published figures: ResNet (He et al., CVPR 2016, Table 1: 1.8 GFLOPs (multiply-adds) for
  // ResNet-18; ResNet-50 v1.5 as torchvision: 4.1 G, 25.6 M params); MobileNetV2 (Sandler et
  // al., CVPR 2018, Table 4: 300 M multiply-adds, 3.4 M params); AlexNet and VGG-16 (Sze et al.,
  // Proc. IEEE 2017: 724 M MACs / 61 M weights; 15.5 G MACs / 138 M weights); BERT-base one
  // encoder layer at sequence 128: 12 * 7.08 M params + embeddings = 110 M (Devlin et al.).
  // Folded batch norm leaves one bias per channel where torchvision counts two BN parameters,
  // hence the parameter tolerances.
  const Row rows[] = {
      {"resnet18", 1.8e9, 0.01, 11.69e6, 0.005},
      {"resnet50", 4.1e9, 0.005, 25.56e6, 0.005},
      {"mobilenetv2", 300e6, 0.005, 3.4e6, 0.03},
      {"alexnet", 724e6, 0.001, 61e6, 0.001},
      {"vgg16", 15.5e9, 0.003, 138e6, 0.003},
      {"bert_base_layer", 0.931e9, 0.001, 7.08e6, 0.001},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    const NetworkSpec net = LoadNetwork(Zoo(r.name));
    CHECK(Near(net.TotalMacs(), r.macs, r.mac_tol));
    CHECK(Near(net.TotalParams(), r.params, r.param_tol));
  }
}

TEST_CASE("LeNet-5 and BinaryNet totals equal their hand-computed layer sums") {
  // LeNet-5, C3 fully connected: C1 28*28*6*25, C3 10*10*16*150, C5 120*400, F6 84*120, out 10*84.
  CHECK(LoadNetwork(Zoo("lenet5")).TotalMacs() == 117600 + 240000 + 48000 + 10080 + 840);
  // BinaryNet CIFAR-10: six 3x3 convs (32, 32, 16, 16, 8, 8 px) and three FC layers.
  const int64_t convs =
      32 * 32 * 128 * (27 + 1152) + 16 * 16 * 256 * (1152 + 2304) + 8 * 8 * 512 * (2304 + 4608);
  const NetworkSpec bnn = LoadNetwork(Zoo("bnn_cifar10"));
  CHECK(bnn.TotalMacs() == convs + 8192 * 1024 + 1024 * 1024 + 1024 * 10);
  // Binary policy with first/last at 8 bits: conv2..fc2 binary, conv1 and fc3 int8 weights.
  CHECK(bnn.FindLayer("conv1")->precision.weights.StorageType() == IntType::Signed(8));
  CHECK(bnn.FindLayer("conv2")->precision.weights.StorageType() == IntType::Binary());
  CHECK(bnn.tensor_precision.at("conv2").StorageType() == IntType::Binary());
  CHECK(bnn.FindLayer("fc3")->precision.weights.StorageType() == IntType::Signed(8));
  CHECK(bnn.tensor_precision.at("fc2").StorageType() == IntType::Signed(8));
}
