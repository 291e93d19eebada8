#pragma once
// `quasar verify` on a network in a number format: every layer's format GEMMs
// (format_layer.h) through their golden kernels and a PE array, compared on every element
// (docs/verify.md, "Number formats").

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "quasar/sim/cycle/format_layer.h"

namespace quasar::sim::cycle {

struct FormatLayerCheck {
  std::string layer, kernel;  // kernel: sim::cycle::FormatKernelName
  int64_t gemms = 0, m = 0, k = 0, n = 0;
  int64_t elements = 0, mismatches = 0;
  int64_t passes = 0, cycles = 0;  // the array's, over the layer's GEMMs
  int accumulator_bits = 0;        // the register the array ran with (the last GEMM's)
  int64_t overflow_events = 0;     // the array's register's wrapped or saturated additions
  int64_t golden_overflow_events = 0;
};

struct FormatSkippedLayer {
  std::string layer, reason;
};

// The first element that differs, in layer order, then GEMM, row and column.
struct FormatMismatch {
  std::string layer;
  int64_t gemm = 0, row = 0, col = 0;
  float golden = 0, array = 0;
};

struct FormatCheckResult {
  std::string input;  // which input the operands come from
  std::vector<FormatLayerCheck> layers;
  std::vector<FormatSkippedLayer> skipped;  // GEMM layers that run no format kernel
  int64_t other_layers = 0;  // layers that are not GEMMs (float kernels in both runs)
  std::optional<FormatMismatch> first_mismatch;
  // The network output of the run on the array against the golden run's, every element.
  std::string output;
  int64_t output_elements = 0, output_mismatches = 0;
  double wall_seconds = 0;

  int64_t Elements() const;
  int64_t Mismatches() const;
  // Why the check failed (an element of a GEMM or of the network output that differs), or "".
  // The overflow counts may differ without a wrong element: a wrapping register's sum does not
  // depend on the order of the additions, but which of them wrap does.
  std::string Failure() const;
};

struct FormatCheckJob {
  const models::NetworkSpec* net = nullptr;
  const models::FloatNetParams* params = nullptr;  // float, unquantized
  const models::EmulatedNetwork* emulated = nullptr;
  const std::map<std::string, models::FloatTensor>* inputs = nullptr;  // the network's inputs
  std::string input;                // which input that is (for the report)
  models::AccumulatorSpec fp8_acc;  // the FP8 MAC's register
  std::set<std::string> layers;     // check only these (empty: all)
  // Before each checked layer: (its index among the network's layers, their count, its name).
  std::function<void(size_t, size_t, const std::string&)> on_layer;
};

// Runs the network (format_network.h) with each checked layer's GEMMs on `array` (configured
// with `shape`'s dataflow and size, `widths`), each compared on every element with its golden
// kernel on the same operands; the layers not checked (`layers`) run the golden kernels. Then
// compares the network's output with the golden run's (RunGoldenFormatNetwork), every element.
FormatCheckResult CheckFormatNetwork(ArrayIf& array, const PeConfig& shape,
                                     const ArrayWidths& widths, const FormatCheckJob& job);

}  // namespace quasar::sim::cycle
