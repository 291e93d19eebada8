// The ways a GEMM op's A is gathered (gemm_input.h), one row each.

#include "quasar/models/net/gemm_input.h"

#include <stdexcept>
#include <string>

#include "quasar/models/ref/conv_transpose2d.h"

namespace quasar::models {

int64_t ConvWindowSource(int64_t o, int64_t t, int64_t stride, int64_t pad, int64_t dilation,
                         int64_t extent) {
  const int64_t i = o * stride + t * dilation - pad;
  return i < 0 || i >= extent ? -1 : i;
}

const GemmInputDef& GemmInputOf(GemmInput input) {
  static const GemmInputDef kRows[] = {
      {GemmInput::kDirect, "direct", nullptr, false},
      {GemmInput::kConvWindows, "conv_windows", &ConvWindowSource, false},
      {GemmInput::kTransposedWindows, "transposed_windows", &ConvTransposeSource, true},
  };
  for (const GemmInputDef& row : kRows) {
    if (row.input == input) {
      return row;
    }
  }
  throw std::logic_error("GemmInputOf: no row for GemmInput " +
                         std::to_string(static_cast<int>(input)));
}

}  // namespace quasar::models
