// The columns of `quasar compare` (compare_run.h).

#include "quasar/sim/explore/compare_run.h"

#include <fmt/core.h>

#include "quasar/models/accumulator.h"
#include "quasar/models/error.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/explore/backend_eval.h"

namespace quasar::sim::explore {
namespace {

ComparisonColumn Evaluate(const ComparePlan& plan, const CompareHooks& hooks,
                          const std::string& precision, const std::string& view,
                          const models::ArchSpec& arch, const models::NetworkSpec& net,
                          const std::optional<Fidelity>& f) {
  ComparisonColumn c;
  c.precision = precision;
  c.view = view;
  c.arch = arch;
  const compiler::Schedule s = Compile(net, arch, *plan.table, plan.objective, plan.search);
  c.perf = RunOnBackend(*plan.backend, s, arch, *plan.table, net, plan.seed, plan.calib_samples);
  hooks.attach_area(arch, &c.perf.area);
  if (f) {
    c.output_sqnr_db = f->output_sqnr_db;
    c.output_sqnr_p5_db = f->output_sqnr_p5_db;
    if (!f->emulated) {  // an emulated run has no accumulator to report
      c.required_acc_bits = f->required_acc_bits;
      c.overflow_events = f->overflow_events;
    }
  }
  return c;
}

// What measured the number formats' fidelity or accuracy.
std::string FormatRunNote(const ComparePlan& plan) {
  return plan.golden_formats
             ? "the golden format run (every GEMM by its format kernel, exact sums; the rest "
               "float32, docs/verify.md), not the golden integer run"
             : "quantization emulated in float32 (every weight and activation quantized and "
               "dequantized, docs/formats.md), not the golden integer run";
}

// Fills the accuracy of a column pair on data: the SQNR and accumulator rows then describe the
// test set, not one synthetic input.
void SetAccuracy(const AccuracySummary& ptq, const std::optional<AccuracySummary>& qat,
                 std::vector<ComparisonColumn*> cols) {
  for (ComparisonColumn* c : cols) {
    c->ptq = ptq;
    c->qat = qat;
    c->output_sqnr_db = ptq.sqnr_mean_db;
    c->output_sqnr_p5_db = ptq.sqnr_p5_db;
    if (!ptq.emulated) {  // an emulated run has no accumulator to report
      c->required_acc_bits = ptq.required_acc_bits;
      c->overflow_events = ptq.overflow_events;
    }
  }
}

// The iso-area column of a precision, with the RTL-sized array's PEs and latency beside it and
// a note when layers kept wider set the MAC's widths.
ComparisonColumn IsoAreaColumn(const ComparePlan& plan, const CompareHooks& hooks,
                               const std::string& p, const models::NetworkSpec& net,
                               const std::optional<Fidelity>& f) {
  const MacWidths widths = NetworkMacWidths(net);
  const models::ArchSpec arch = IsoAreaArch(plan.file_arch, *plan.table, widths);
  ComparisonColumn c = Evaluate(plan, hooks, p, "iso-area", arch, net, f);
  if (plan.rtl_cells) {
    if (const auto rtl_arch =
            IsoAreaArchByRtl(plan.file_arch, *plan.table, widths, *plan.rtl_cells)) {
      const compiler::Schedule s =
          Compile(net, *rtl_arch, *plan.table, plan.objective, plan.search);
      // The analytical model's latency (the timing reference), whatever the backend is.
      const NetworkPerf perf = EvaluateSchedule(s, *rtl_arch, *plan.table);
      c.rtl_sized_pes = rtl_arch->PeCount();
      if (perf.ok()) {
        c.rtl_sized_latency_s = perf.latency_s;
      }
    }
  }
  const int w_bits = net.policy.weights.StorageType().bits;
  const int a_bits = net.policy.activations.StorageType().bits;
  if (widths.w_bits > w_bits || widths.a_bits > a_bits) {
    c.note = fmt::format(
        "its array is sized for {}x{}-bit operands, not {}x{}: layers kept wider (the "
        "first/last-layer rule, --first-last-bits) or matmuls of two activations run on every "
        "PE, so this column shows the density of the widest layers' MAC",
        widths.w_bits, widths.a_bits, w_bits, a_bits);
  }
  return c;
}

}  // namespace

CompareColumns ComparePrecisions(const ComparePlan& plan, const CompareHooks& hooks) {
  CompareColumns out;
  models::AccuracyOptions accuracy = plan.accuracy;
  std::string emulated;  // the precisions whose fidelity the emulation measured
  for (const std::string& p : plan.precisions) {
    const models::NetworkSpec net = hooks.load(p);
    // The integer golden run measures with the architecture's register (FidelityMeasurable).
    const int acc_bits = plan.base.mac.accumulator.bits;
    if ((plan.data || plan.fidelity) && !FidelityMeasurable(net, acc_bits)) {
      throw InputError(plan.file_arch.file + ": mac.accumulator.bits: precision " + p +
                       " runs the integer golden path, whose registers are at most " +
                       std::to_string(models::kMaxAccumulatorBits) + " bits, got " +
                       std::to_string(acc_bits) +
                       " (an FP8 MAC's; --no-fidelity prices it without measuring)");
    }
    std::optional<Fidelity> f;
    std::optional<AccuracySummary> ptq, qat_acc;
    if (plan.data) {
      accuracy.progress = hooks.image_progress(p + " PTQ");
      ptq = MeasureAccuracy(net, *plan.data, plan.base.mac.accumulator, accuracy,
                            plan.golden_formats);
      if (ptq->emulated) {
        emulated += (emulated.empty() ? "" : ", ") + p;
        out.fidelity_note = "accuracy: " + emulated + ": " + FormatRunNote(plan);
      }
      if (const std::optional<models::NetworkSpec> qat = hooks.load_qat(p)) {
        accuracy.progress = hooks.image_progress(p + " QAT");
        qat_acc = MeasureAccuracy(*qat, *plan.data, plan.base.mac.accumulator, accuracy);
      }
    } else if (plan.fidelity) {
      hooks.step(p + ": quantizing, golden and float runs");
      FidelityOptions fo;
      fo.golden_formats = plan.golden_formats;
      f = MeasureFidelity(net, plan.seed, plan.calib_samples, plan.base.mac.accumulator, fo);
      if (f->emulated) {
        emulated += (emulated.empty() ? "" : ", ") + p;
      }
      out.fidelity_note = fmt::format(
          "fidelity: output SQNR against the float network over {} held-out {} input{}{}{}",
          f->inputs, f->inputs > 1 ? "synthetic" : "evaluation", f->inputs > 1 ? "s" : "",
          f->synthetic_weights
              ? fmt::format("; the weights are synthetic (seed {}), so SQNR compares precisions "
                            "but says nothing of accuracy (--data measures it on a trained "
                            "network, docs/accuracy.md)",
                            plan.seed)
              : "",
          emulated.empty() ? "" : "; " + emulated + ": " + FormatRunNote(plan));
    }
    if (plan.same_array) {
      out.same.push_back(Evaluate(plan, hooks, p, "same-array", plan.base, net, f));
    }
    if (plan.iso_area) {
      out.iso.push_back(IsoAreaColumn(plan, hooks, p, net, f));
    }
    if (ptq) {
      std::vector<ComparisonColumn*> cols;
      if (plan.same_array) {
        cols.push_back(&out.same.back());
      }
      if (plan.iso_area) {
        cols.push_back(&out.iso.back());
      }
      SetAccuracy(*ptq, qat_acc, cols);
    }
  }
  return out;
}

}  // namespace quasar::sim::explore
