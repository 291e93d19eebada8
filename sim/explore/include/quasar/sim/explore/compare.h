#pragma once
// The pieces of `quasar compare` that are not command-line plumbing: the operand widths a
// quantized network asks of a MAC, the iso-area accelerator for a precision (a narrower MAC is
// smaller, so more PEs fit the same PE-array area), and one column of the comparison (a
// precision on one accelerator: performance from the analytical model, fidelity from a golden
// run against the float network). Its metric rows and reports are the report library's
// (quasar/report/compare.h). docs/compare.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/analytical.h"

namespace quasar::sim::explore {

// The widest weight and activation operands of a network's weighted layers and matmuls, in
// storage bits (binary and ternary count as 1 and 2), after its precision policy is resolved,
// and the number format they use, if any (the MAC is then that format's; a network mixing it
// with integer or other-format layers cannot run on one array, which the layers report).
struct MacWidths {
  int w_bits = 1, a_bits = 1;
  models::QuantCode format = models::QuantCode::kLinear;
};
MacWidths NetworkMacWidths(const models::NetworkSpec& net);

// `base` with a plain MAC for `widths` (no precision scaling, no XNOR lanes; the accumulator,
// signedness, buffers, DRAM and clock unchanged) and `base`'s rows and cols scaled by the same
// factor sqrt(area ratio), rounded down (at least 1, at most 4096 each), so that the PE array
// fits the area of `base`'s PE array priced with `table` and keeps its aspect ratio. (A
// different shape may hold a few more PEs.) The name gets the suffix "-iso-w<W>a<A>", or
// "-iso-<format>" for a number-format MAC.
models::ArchSpec IsoAreaArch(const models::ArchSpec& base, const models::CostTable& table,
                             MacWidths widths);
// The same array sized by the project's synthesized MAC instead of the table's PE areas: the
// table's plain 8 x 8 PE area times the gate-count ratio of the synthesized MAC of `widths` to
// the 8 x 8 one (rtl/synth/mac_cells.yaml, docs/rtl-area.md). The table extrapolates a binary
// PE to 0.045 of an 8-bit one while the RTL's binary MAC is 0.21 of its 8-bit MAC, so the two
// bracket the iso-area density. nullopt when no synthesized MAC has these widths.
std::optional<models::ArchSpec> IsoAreaArchByRtl(const models::ArchSpec& base,
                                                 const models::CostTable& table, MacWidths widths,
                                                 const models::RtlMacCells& cells);

// How faithful a quantized network is, from golden runs against the float network on inputs
// that calibration never saw.
struct Fidelity {
  int inputs = 0;             // how many inputs were run
  bool synthetic_weights = false;  // some weighted layer names no weights file
  // Over the inputs: the mean of the finite output SQNRs (+infinity if every output equals the
  // float one) and the nearest-rank 5th percentile.
  double output_sqnr_db = 0;
  double output_sqnr_p5_db = 0;
  int required_acc_bits = 0;  // widest accumulator a layer needs for any input
  int64_t overflow_events = 0;  // summed over the inputs
  // The network has a number format or group-quantized weights: measured on the quantization
  // emulated in float32 (models/net/emulated_quant.h), which has no accumulator (the two fields
  // above stay 0).
  bool emulated = false;
};
// Quantizes `net` (its resolved precision) after training: synthetic weights of `seed`,
// calibrated on `calib_samples` synthetic inputs (samples 1..n), or on as many as the inputs'
// calibration files list (models::MakeInputs reads them). Then runs the golden kernels, with
// `acc` when given (otherwise each layer's own accumulator), and the float network on
// `inputs` held-out synthetic inputs (sample 0 and samples n+1 ...), or, when a network input
// names a file or calibration files, on its evaluation sample 0 alone. `threads` (0: all cores)
// run the inputs in parallel; the result does not depend on it.
// `quasar compare` and `quasar sweep` (fidelity: true) both measure with this.
// Whether `net`'s fidelity can be measured with the register `acc_bits` wide: a network in
// number formats always (its golden format run sets its own register); an integer one while the
// integer golden path has such a register, at most kMaxAccumulatorBits (a wider one, 65..128,
// is an FP8 MAC's: arch_spec.cc, CheckAccumulatorWidth).
bool FidelityMeasurable(const models::NetworkSpec& net, int acc_bits);

struct FidelityOptions {
  int inputs = 32;
  int threads = 0;
  // A network in a number format: its golden format run (sim/cycle/format_network.h, every GEMM
  // by its format kernel, the FP8 MAC's register kMaxFp8AccumulatorBits wide so every sum is
  // exact) instead of the float32 emulation.
  bool golden_formats = false;
};
Fidelity MeasureFidelity(const models::NetworkSpec& net, uint64_t seed, int calib_samples,
                         const std::optional<models::AccumulatorSpec>& acc,
                         const FidelityOptions& options = {});

// Accuracy of a quantized network over a test set (models::EvaluateAccuracy), as fractions.
struct AccuracySummary {
  int64_t images = 0;
  double float_top1 = 0;             // the float reference's
  double top1 = 0;                   // the integer run's
  std::optional<double> top5;        // more than 5 classes only
  double agreement = 0;              // integer top-1 = float top-1
  double sqnr_mean_db = 0, sqnr_p5_db = 0;  // output vs float, over the images
  int required_acc_bits = 0;  // widest accumulator a layer needs for any input
  int observed_acc_bits = 0;  // widest final accumulator value over the images, in bits
  int64_t overflow_events = 0;
  bool emulated = false;  // measured on the emulated quantization (no accumulator fields)
};
AccuracySummary Summarize(const models::AccuracyReport& r);
// Quantizes `net` with its own float weights, calibrated on `data`'s calibration split (a
// quantized model, QDQ or QONNX, keeps its own parameters), sets `acc` when given, and evaluates
// it on the test split. A network with a number format or weight groups is evaluated on the
// quantization emulated in float32 instead (models::NeedsEmulation), without accumulators.
// `golden_formats`: as FidelityOptions::golden_formats.
AccuracySummary MeasureAccuracy(const models::NetworkSpec& net, const models::Dataset& data,
                                const std::optional<models::AccumulatorSpec>& acc,
                                const models::AccuracyOptions& options,
                                bool golden_formats = false);

// One precision on one accelerator.
struct ComparisonColumn {
  std::string precision;  // as given, e.g. "w4a4"
  std::string view;       // "same-array" or "iso-area"
  models::ArchSpec arch;  // as run
  NetworkPerf perf;       // analytical, priced
  // From the golden run (the same for both views: the arithmetic does not depend on the array).
  // All nullopt when the golden run was skipped. An SQNR of +infinity means the quantized output
  // equals the float one.
  std::optional<double> output_sqnr_db;    // output vs the float network, mean over the inputs
  std::optional<double> output_sqnr_p5_db;  // and its 5th percentile
  std::optional<int> required_acc_bits;    // widest accumulator a layer needs for any input
  std::optional<int64_t> overflow_events;  // in the golden run with the accelerator's accumulator
  // On labelled data (compare --data): the float network quantized after training, and the
  // model trained with quantization at this precision (compare --qat), when given.
  std::optional<AccuracySummary> ptq, qat;
  std::string note;  // said under the table and in the JSON, when not empty
  // Iso-area columns: the array sized by the RTL's gate ratio instead (IsoAreaArchByRtl), when
  // a synthesized MAC matches; its PE count and analytical latency.
  std::optional<int64_t> rtl_sized_pes;
  std::optional<double> rtl_sized_latency_s;
};

}  // namespace quasar::sim::explore
