#pragma once
// The kernels' FormatTiles (format_tiles.h), each in its own file; MakeFormatTiles chooses.

#include <memory>

#include "quasar/sim/cycle/format_tiles.h"

namespace quasar::sim::cycle {

std::unique_ptr<FormatTiles> MakeSmallFloatTiles(const FormatLayer& layer,
                                                 const compiler::LayerSchedule& schedule,
                                                 const models::AccumulatorSpec& fp8_acc,
                                                 const ArrayWidths& widths);
std::unique_ptr<FormatTiles> MakeMxTiles(const FormatLayer& layer,
                                         const compiler::LayerSchedule& schedule,
                                         const ArrayWidths& widths);
std::unique_ptr<FormatTiles> MakeGroupInt8Tiles(const FormatLayer& layer,
                                                const compiler::LayerSchedule& schedule,
                                                const ArrayWidths& widths);
std::unique_ptr<FormatTiles> MakeGroupFp16Tiles(const FormatLayer& layer,
                                                const compiler::LayerSchedule& schedule,
                                                const ArrayWidths& widths);

// The register of a block's exact sums of `count` products |a| <= max_a, |b| <= max_b, or of
// their pieces' on widths.lane_bits (ExactSumBits, at least kMinAccumulatorBits), wrapping: no
// sum can reach its bounds. An array with a built-in register (widths.register_bits) runs in
// that one, refused when narrower.
models::AccumulatorSpec BlockRegister(int64_t max_a, int64_t max_b, int64_t count,
                                      const ArrayWidths& widths);

}  // namespace quasar::sim::cycle
