#pragma once
// Network inputs stored in a number format (NetInput::storage): a KV cache kept in DRAM in FP8 or
// MX beside integer or 16-bit activations, as serving systems keep it (e.g. vLLM's fp8 KV cache).
// The values the layers read are the stored ones: the float input quantized to the format and
// dequantized, then quantized to the input's own precision at the array's edge (the golden run's
// QuantizeInput, or the emulation's quantize-dequantize). How each format stores a tensor:
//   - FP8: one scale per tensor, max |x| / the format's largest finite value over this tensor
//     (1 if all zero; Fp8TensorScale), encode saturating (OFP8's saturating mode): a cache's
//     scale is written with it, not calibrated;
//   - MX: blocks of 32 along the axis the layers reading the input reduce over (StorageBlockAxis),
//     as the MX dot product runs its blocks along K and as the byte counts of those layers price
//     the block scales (compiler PrepareLayer: one scale per block of each tile's K).
// The conversion to the precision at the array's edge is not priced.

#include <map>
#include <optional>
#include <string>

#include "quasar/models/net/network.h"
#include "quasar/models/rounding.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// What `in` is stored as: its storage format at that format's bits; nullopt without storage.
std::optional<OperandPrecision> StoragePrecision(const NetInput& in);

// The axis an input's MX blocks run along: the reduction axis of the GEMM layers reading it (a
// matmul's second operand: its second-to-last axis, its last with transpose_b; a convolution's
// input: the channels, axis 1; any other GEMM's first operand: its last axis), or its last axis
// when no GEMM reads it. InputError naming the input and two layers when readers reduce it along
// different axes.
int StorageBlockAxis(const NetworkSpec& net, const NetInput& in);

// `x` as `in` stores it: unchanged without a storage format, else quantize-dequantized by it.
FloatTensor StoredInputValues(const NetworkSpec& net, const NetInput& in, const FloatTensor& x,
                              RoundingMode rounding);
// Every network input of `inputs` as stored (the others as given).
std::map<std::string, FloatTensor> StoredInputs(const NetworkSpec& net,
                                                const std::map<std::string, FloatTensor>& inputs,
                                                RoundingMode rounding);

}  // namespace quasar::models
