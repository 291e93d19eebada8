// NetworkSpec's tensor index (network.h): lookups through it answer exactly as a scan of the
// inputs and layers would, including after the spec is edited behind the index's back.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/net/network.h"

using namespace quasar::models;

namespace {

const char* kNet = R"(
version: 1
name: indexed
inputs:
  - {name: image, shape: [1, 3, 8, 8]}
layers:
  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, padding: 1, activation: relu}
  - {name: conv2, op: conv2d, out_channels: 6, kernel: 3, activation: relu}
  - {name: flat, op: flatten}
  - {name: fc, op: fully_connected, out_features: 10}
)";

// The answer of a plain scan, the rule the index must agree with.
const NetLayer* ScanLayer(const NetworkSpec& net, const std::string& name) {
  for (const NetLayer& l : net.layers) {
    if (l.name == name) {
      return &l;
    }
  }
  return nullptr;
}

void RequireAgreesWithScan(const NetworkSpec& net) {
  for (const NetLayer& l : net.layers) {
    REQUIRE(net.FindLayer(l.name) == ScanLayer(net, l.name));
    REQUIRE(&net.ShapeOf(l.name) == &ScanLayer(net, l.name)->output_shape);
  }
  for (const NetInput& in : net.inputs) {
    REQUIRE(&net.ShapeOf(in.name) == &in.shape);
    REQUIRE(net.FindLayer(in.name) == nullptr);
  }
  REQUIRE(net.FindLayer("no_such_tensor") == nullptr);
  REQUIRE_THROWS_AS(net.ShapeOf("no_such_tensor"), std::logic_error);
}

}  // namespace

TEST_CASE("The tensor index answers as a scan does", "[network][index]") {
  const NetworkSpec net = ParseNetwork(kNet, "indexed.yaml");
  REQUIRE(net.tensor_index != nullptr);
  REQUIRE(net.tensor_index->size() == net.inputs.size() + net.layers.size());
  RequireAgreesWithScan(net);
  REQUIRE(net.ShapeOf("conv2") == Shape{1, 6, 6, 6});
  REQUIRE(net.ShapeOf("image") == Shape{1, 3, 8, 8});
}

TEST_CASE("A spec edited after indexing is never answered wrongly", "[network][index]") {
  NetworkSpec net = ParseNetwork(kNet, "indexed.yaml");
  SECTION("a layer renamed: the old name is gone, the new one found") {
    net.layers[1].name = "conv2b";
    REQUIRE(net.FindLayer("conv2") == nullptr);
    REQUIRE(net.FindLayer("conv2b") == &net.layers[1]);
    RequireAgreesWithScan(net);
  }
  SECTION("layers reordered: each name finds its layer where it now is") {
    std::swap(net.layers[0], net.layers[3]);
    RequireAgreesWithScan(net);
  }
  SECTION("a layer inserted at the front shifts every index") {
    NetLayer first = net.layers[0];
    first.name = "stem";
    net.layers.insert(net.layers.begin(), first);
    RequireAgreesWithScan(net);
    REQUIRE(net.FindLayer("stem") == &net.layers[0]);
  }
  SECTION("layers removed: lookups past the end fall back to the scan") {
    net.layers.resize(2);
    RequireAgreesWithScan(net);
    REQUIRE(net.FindLayer("fc") == nullptr);
  }
  SECTION("an input renamed") {
    net.inputs[0].name = "pixels";
    REQUIRE_THROWS_AS(net.ShapeOf("image"), std::logic_error);
    RequireAgreesWithScan(net);
  }
  SECTION("re-indexing makes the edited spec's lookups direct again") {
    net.layers[2].name = "flatten";
    IndexTensors(&net);
    REQUIRE(net.tensor_index->count("flatten") == 1);
    REQUIRE(net.tensor_index->count("flat") == 0);
    RequireAgreesWithScan(net);
  }
}

TEST_CASE("A spec built by hand, never indexed, is looked up by scanning", "[network][index]") {
  NetworkSpec net = ParseNetwork(kNet, "indexed.yaml");
  net.tensor_index.reset();
  RequireAgreesWithScan(net);
}
