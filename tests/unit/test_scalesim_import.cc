// SCALE-Sim topology import: both CSV forms, depthwise rows, and errors with line and column.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/net/scalesim_import.h"

using namespace quasar::models;
using quasar::InputError;

namespace {

std::string ImportError(const std::string& text) {
  try {
    ParseScaleSimCsv(text, "topo.csv", "topo");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("convolution rows become unpadded conv2d layers with their own inputs") {
  // AlexNet's first two layers in SCALE-Sim's form (IFMAP sizes include the padding).
  const NetworkSpec net = ParseScaleSimCsv(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,\n"
      "Conv1, 227, 227, 11, 11, 3, 96, 4,\n"
      "Conv2, 31, 31, 5, 5, 96, 256, 1,\n"
      "\n"
      "CB2a_DP, 58, 58, 3, 3, 32, 1, 2, 1,\n",
      "topo.csv", "topo");
  REQUIRE(net.layers.size() == 3);
  CHECK(net.layers[0].output_shape == Shape{1, 96, 55, 55});
  CHECK(net.layers[0].macs == 55 * 55 * 96 * 363);  // SCALE-Sim: ofmap px * window * filters
  CHECK(net.layers[1].inputs == std::vector<std::string>{"Conv2.ifmap"});
  CHECK(net.layers[1].output_shape == Shape{1, 256, 27, 27});
  // Depthwise, stride 2 x 1: SCALE-Sim's ceil((58 - 3 + 2) / 2) = 29 rows (a last partial
  // window, reproduced by one row of bottom padding) and ceil((58 - 3 + 1) / 1) = 56 columns.
  CHECK(net.layers[2].op == NetOp::kDepthwiseConv2d);
  CHECK(net.layers[2].geometry.pad_bottom == 1);
  CHECK(net.layers[2].geometry.pad_right == 0);
  CHECK(net.layers[2].output_shape == Shape{1, 32, 29, 56});
  CHECK(net.layers[2].macs == 32 * 29 * 56 * 9);
}

TEST_CASE("GEMM rows become fully connected layers") {
  const NetworkSpec net = ParseScaleSimCsv(
      "Layer, M, N, K,\nqkv, 128, 2304, 768,\nffn, 128, 3072, 768,\n", "gemm.csv", "gemm");
  REQUIRE(net.layers.size() == 2);
  CHECK(net.layers[0].op == NetOp::kFullyConnected);
  CHECK(net.layers[0].output_shape == Shape{128, 2304});
  CHECK(net.TotalMacs() == 128LL * 2304 * 768 + 128LL * 3072 * 768);
}

TEST_CASE("malformed topologies are reported with line and column") {
  CHECK_THAT(ImportError(""), Catch::Contains("the file is empty"));
  CHECK_THAT(ImportError("name, a, b\n"), Catch::Contains("line 1: expected a SCALE-Sim header"));
  const std::string header =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
      "Channels, Num Filter, Strides,\n";
  CHECK_THAT(
      ImportError(header + "c1, 32, 32, 3, x3, 16, 16, 1,\n"),
      Catch::Contains("topo.csv: line 2, column 5: must be an integer in 1..2147483647, got 'x3'"));
  CHECK_THAT(ImportError(header + "c1, 32, 32, 3, 3, 16,\n"),
             Catch::Contains("line 2: expected 8 or 9 comma-separated fields, got 6"));
  CHECK_THAT(ImportError(header + "c1, 4, 4, 5, 5, 16, 16, 1,\n"),
             Catch::Contains("layers[0:c1].kernel: the 5x5 window"));
  CHECK_THAT(ImportError(header), Catch::Contains("a header but no layer rows"));
  CHECK_THAT(ImportError(header + "c1, 8, 8, 3, 3, 4, 4, 1,\nc1, 8, 8, 3, 3, 4, 4, 1,\n"),
             Catch::Contains("topo.csv: line 3: layer name 'c1' is used by an earlier row"));
  // A row without a name is named after its line, so it cannot clash with a real name.
  const NetworkSpec unnamed = ParseScaleSimCsv(
      header + ", 8, 8, 3, 3, 4, 4, 1,\nlayer0, 8, 8, 3, 3, 4, 4, 1,\n", "topo.csv", "topo");
  CHECK(unnamed.layers[0].name == "line2");
}
