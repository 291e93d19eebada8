// The report of `quasar verify` on a network in a number format (format_verify.h).

#include "quasar/report/format_verify.h"

#include <fmt/core.h>

#include <algorithm>

namespace quasar::report {
nlohmann::ordered_json FormatVerifyJson(const VerifySubject& v, const FormatCheckResult& r,
                                        bool timing) {
  const std::string failure = r.Failure();
  nlohmann::ordered_json j = VerifySubjectJson(v, !failure.empty());
  nlohmann::ordered_json c;
  c["kind"] = "number_formats";
  c["input"] = r.input;
  c["layers"] = nlohmann::ordered_json::array();
  for (const FormatLayerCheck& l : r.layers) {
    c["layers"].push_back({{"layer", l.layer},
                           {"kernel", l.kernel},
                           {"gemms", l.gemms},
                           {"m", l.m},
                           {"k", l.k},
                           {"n", l.n},
                           {"elements", l.elements},
                           {"mismatches", l.mismatches},
                           {"passes", l.passes},
                           {"cycles", l.cycles},
                           {"accumulator_bits", l.accumulator_bits},
                           {"overflow_events", l.overflow_events},
                           {"golden_overflow_events", l.golden_overflow_events}});
  }
  c["skipped"] = nlohmann::ordered_json::array();
  for (const FormatSkippedLayer& s : r.skipped) {
    c["skipped"].push_back({{"layer", s.layer}, {"reason", s.reason}});
  }
  c["other_layers"] = r.other_layers;
  c["elements"] = r.Elements();
  c["output"] = {
      {"tensor", r.output}, {"elements", r.output_elements}, {"mismatches", r.output_mismatches}};
  c["mismatches"] = r.Mismatches();
  if (r.first_mismatch) {
    const FormatMismatch& f = *r.first_mismatch;
    c["first_mismatch"] = {{"layer", f.layer}, {"gemm", f.gemm},     {"row", f.row},
                           {"col", f.col},     {"golden", f.golden}, {"array", f.array}};
  } else {
    c["first_mismatch"] = nullptr;
  }
  c["result"] = failure.empty() ? "bit-exact" : "mismatch";
  if (timing) {
    c["wall_seconds"] = r.wall_seconds;
  }
  j["check"] = c;
  return j;
}

std::string FormatVerifyTable(const VerifySubject& v, const FormatCheckResult& r) {
  const std::string failure = r.Failure();
  std::string out = VerifySubjectLines(v);
  out += fmt::format(
      "number formats: each layer's GEMMs on the array against their golden kernels, every "
      "element; operands from an emulated run of {}\n\n",
      r.input);
  size_t w = 5;  // the layer column: its longest name
  for (const FormatLayerCheck& l : r.layers) {
    w = std::max(w, l.layer.size());
  }
  out += fmt::format("{:<{}} {:<12} {:>5} {:>18} {:>10} {:>7} {:>10} {:>4} {:>9} {:>10}\n", "layer",
                     w, "kernel", "gemms", "M x K x N", "elements", "passes", "cycles", "reg",
                     "overflow", "mismatches");
  bool fp8_wrapped = false;
  for (const FormatLayerCheck& l : r.layers) {
    out +=
        fmt::format("{:<{}} {:<12} {:>5} {:>18} {:>10} {:>7} {:>10} {:>4} {:>9} {:>10}\n", l.layer,
                    w, l.kernel, l.gemms, fmt::format("{}x{}x{}", l.m, l.k, l.n), l.elements,
                    l.passes, l.cycles, l.accumulator_bits, l.overflow_events, l.mismatches);
    fp8_wrapped = fp8_wrapped || (l.kernel == "small_float" && l.golden_overflow_events > 0);
  }
  if (fp8_wrapped) {
    out +=
        "note: the FP8 register (reg bits) wrapped or saturated, in the golden kernel as on the "
        "array: those outputs are not the exact sums; an accumulator of the bits the sums need "
        "(mac.accumulator) keeps them\n";
  }
  if (!r.skipped.empty()) {
    out += "\nGEMM layers not checked:\n";
    for (const FormatSkippedLayer& s : r.skipped) {
      out += fmt::format("  {}: {}\n", s.layer, s.reason);
    }
  }
  out += fmt::format("{} layers are not GEMMs (float kernels, the same in both runs)\n",
                     r.other_layers);
  out += fmt::format("network output {}: {} of {} elements equal the golden run's\n", r.output,
                     r.output_elements - r.output_mismatches, r.output_elements);
  out += fmt::format("\nwall time: {:.2f} s\n", r.wall_seconds);
  out += failure.empty() ? fmt::format("result: BIT-EXACT, {} elements in {} layers\n",
                                       r.Elements(), r.layers.size())
                         : "result: MISMATCH: " + failure + "\n";
  return out + UnseenFaultNote(v, !failure.empty());
}

}  // namespace quasar::report
