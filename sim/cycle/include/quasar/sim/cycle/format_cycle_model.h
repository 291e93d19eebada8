#pragma once
// The SystemC cycle model on a network in number formats: the accelerator of cycle_model.h
// stepping each GEMM layer's Schedule tiles (DMA, SRAMs, the PE array through the tile
// sequencer, the post unit) with the layer's format operands, inside the golden format run
// (format_network.h). Every other layer is the run's float kernel, its time the post unit's, as
// in the integer run. So the run's tensors equal the golden format run's bit for bit when the
// accelerator computes every format GEMM as its kernel does, and its cycles and events are
// measured as the integer run's are, to be compared with the analytical model's.
//
// Which layers: small-float (FP8, FP6, FP4), MX, W4A8 and W4A16 GEMMs (format_tiles.h), on an
// array of the format's MAC (mac.format; W4A8 and W4A16 on an integer MAC), elements wider than
// the array's lanes in pieces. Refused by name: FP8 E5M2 unless the FP8 register holds any sum of
// K products (its pieces' sums are exact; mac.accumulator's 64 bits never do), a GEMM with no
// format kernel (a matmul of two activations beside weights per group), which the golden format
// run computes in float32, and on a clocked (RTL) array a fold across a block bound (its columns
// cannot sum two blocks apart) or elements in pieces.

#include "quasar/compiler/schedule.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/cycle/cycle_model.h"

namespace quasar::sim::cycle {

struct FormatCycleRun {
  std::vector<LayerPerf> layers;         // as the analytical model's, with cycles measured
  std::vector<int64_t> overflow_events;  // per layer: the FP8 register's wraps or saturations
  std::map<std::string, models::FloatTensor> tensors;  // every layer's output and the inputs
  double wall_seconds = 0;
};

// Runs `job`'s network under `schedule` (compiled for `arch`). Options: the trace, on_layer,
// always_check_overflow, and the PE array (make_array, with its array_widths: a Verilated one);
// array_layers, stop_after and record_output_cycles are refused. Throws InputError when the
// schedule does not fit the network, a layer cannot run, or a GEMM layer is not one of the
// formats above or does not fit the array.
FormatCycleRun RunFormatCycleModel(const FormatJob& job, const compiler::Schedule& schedule,
                                   const models::ArchSpec& arch, const CycleOptions& options = {});

}  // namespace quasar::sim::cycle
