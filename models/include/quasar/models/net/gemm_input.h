#pragma once
// Where a GEMM op's A[M, K] comes from (OpDef::gemm_input) and the rule that finds each of its
// elements in the op's input: one row per way of gathering A. The compiler's im2col map
// (compiler::Im2colMap), the mapper's input footprint and the cycle model's operand tiles read
// these rows, so a new way of gathering A is a row here and no branch elsewhere.

#include <cstdint>

namespace quasar::models {

// A is the input itself (fully_connected, matmul), or gathered from a convolution's windows (B:
// OIHW weights), or from a transposed convolution's windows over the zero-inserted input
// (ref/conv_transpose2d.h).
enum class GemmInput { kDirect, kConvWindows, kTransposedWindows };

// Along one spatial axis of a windowed A: the input position that output position `o` reads
// through window tap `t`, or -1 where the tap reads a zero (padding, or an inserted zero).
// `extent` is the input's length along the axis; `pad` its padding before the first element.
using WindowSource = int64_t (*)(int64_t o, int64_t t, int64_t stride, int64_t pad,
                                 int64_t dilation, int64_t extent);

struct GemmInputDef {
  GemmInput input;
  const char* name;
  // Row m of A is (b, oy, ox) and column k is (ic, ky, kx) of the group's input channels; A[m, k]
  // is the input element (b, group's first channel + ic, source(oy, ky), source(ox, kx)).
  // Null for kDirect, whose A is the input tensor read as [M, K].
  WindowSource source = nullptr;
  // Whether the mapper bounds a run of output rows' input footprint (compiler/src/schedule.cc)
  // as for a window of stride 1 rather than the layer's stride. A transposed convolution's input
  // rows advance 1 per `stride` output rows, so it reads at most the rows a stride-1 window of
  // the same span reads.
  bool footprint_stride_one = false;
};

const GemmInputDef& GemmInputOf(GemmInput input);

// The sources of the two windowed rows: a convolution's o * stride + t * dilation - pad inside
// [0, extent), and a transposed convolution's ConvTransposeSource.
int64_t ConvWindowSource(int64_t o, int64_t t, int64_t stride, int64_t pad, int64_t dilation,
                         int64_t extent);

}  // namespace quasar::models
