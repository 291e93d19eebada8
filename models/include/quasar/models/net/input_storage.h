#pragma once
// Network inputs stored in a number format (NetInput::storage): a KV cache kept in DRAM in FP8 or
// MX beside integer or 16-bit activations, as serving systems keep it (e.g. vLLM's fp8 KV cache).
// The values the layers read are the stored ones: the float input quantized to the format and
// dequantized, then quantized to the input's own precision at the array's edge (the golden run's
// QuantizeInput, or the emulation's quantize-dequantize). How each format stores a tensor:
//   - FP8: one scale per tensor, max |x| / the format's largest finite value over this tensor
//     (1 if all zero), encode saturating (OFP8's saturating mode), as the emulation's FP8
//     activations (emulated_quant.h) but from the tensor itself: a cache's scale is written with
//     it, not calibrated;
//   - MX: blocks of 32 along the last axis (the emulation's rule for tensors other than NCHW;
//     for the zoo's K^T cache [kv, d, L] that is the positions L, not the score matmul's K).
// The byte counts of the layers reading the input are the format's (compiler PrepareLayer); the
// conversion to the precision at the array's edge is not priced.

#include "quasar/models/net/network.h"
#include "quasar/models/rounding.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// `x` as `in` stores it: unchanged without a storage format, else quantize-dequantized by it.
FloatTensor StoredInputValues(const NetInput& in, const FloatTensor& x, RoundingMode rounding);

}  // namespace quasar::models
