#pragma once
// Runs one quantized layer, described by a LayerSpec, through the golden kernels: checks the data
// against the spec, quantizes a float bias by the rounding mode's rule, accumulates, requantizes,
// and reports event counts and the accumulator width the layer needs.

#include <optional>
#include <vector>

#include "quasar/models/kernel_stats.h"
#include "quasar/models/spec/layer_spec.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// The tensors one layer consumes.
struct LayerInputs {
  IntTensor x;
  std::optional<IntTensor> x2;          // add: second operand
  std::optional<IntTensor> weights;     // weighted ops
  std::optional<IntTensor> bias_int;    // bias convention int32
  std::optional<FloatTensor> bias_float;  // bias convention float
  // The weights are known to lie in spec.weights.type (a QuantizedNetwork's are checked when it
  // is built or loaded), so RunLayer need not scan them again on every run.
  bool weights_checked = false;
};

// Three views of the accumulator width a weighted layer needs (signed bits).
struct AccumulatorWidth {
  int64_t k = 0;           // reduction length
  int textbook_bits = 0;   // a_bits + w_bits + ceil(log2 K)
  int type_bound_bits = 0;  // any operands of the declared types and zero points, and this bias
  int weight_bound_bits = 0;  // any input of the declared type, with these weights and bias
};

struct LayerResult {
  IntTensor output;
  KernelStats stats;
  std::vector<int32_t> bias;  // the int32 bias that was loaded into the accumulators
  std::optional<AccumulatorWidth> width;
};

// Throws InputError when the data does not fit the spec (shapes, value ranges, channel counts).
LayerResult RunLayer(const LayerSpec& spec, const LayerInputs& in);

// Checks that every value of `t` is legal for `type`; the message names `what`, the first bad
// flat index and its value.
void CheckValues(const IntTensor& t, const IntType& type, const std::string& what);

}  // namespace quasar::models
