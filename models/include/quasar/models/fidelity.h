#pragma once
// How close a quantized network's output is to its float reference: the signal-to-quantization-
// noise ratio, and the dequantization that brings integer tensors back to real values for it.

#include <vector>

#include "quasar/models/quant_params.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// SQNR of `test` against `reference` in dB: 10 * log10(sum ref^2 / sum (ref - test)^2), both sums
// in double. No input gives NaN:
//   noise = 0 (identical tensors, including all-zero or empty ones): +infinity;
//   noise > 0 and signal = 0 (all-zero reference): -infinity, a result made of noise only.
// Throws InputError if the shapes differ (naming both) or an element is NaN or infinite (naming
// the tensor, the flat index and the value).
double SqnrDb(const FloatTensor& reference, const FloatTensor& test);

// The statistics of SQNRs over many inputs. The mean leaves out infinite values (+inf: an output
// equal to the float one) and is +infinity when none is finite; the 5th percentile is the
// nearest-rank one of all values (the ceil(0.05 N)-th smallest), NaN for none.
double MeanFiniteSqnrDb(const std::vector<double>& sqnr_db);
double SqnrPercentile5Db(const std::vector<double>& sqnr_db);

// Real values of a quantized tensor: f32(q - zero_point) * scale elementwise, as Dequantize() in
// requant.h. Parameters are per tensor (one scale, one zero point) or per channel along
// `channel_axis` (in [-rank, rank), negative counting from the end as in ONNX; checked only when
// a parameter has more than one entry), each list having 1 or dim(channel_axis) entries. Every
// value must be legal for p.type. Throws InputError otherwise.
FloatTensor DequantizeTensor(const IntTensor& q, const QuantParams& p, int channel_axis);

}  // namespace quasar::models
