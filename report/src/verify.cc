// The report of `quasar verify` (quasar/report/verify.h, docs/verify.md).

#include "quasar/report/verify.h"

#include <fmt/core.h>

namespace quasar::report {
namespace {

// A fault that changed no output was not tested: say so rather than let BIT-EXACT read as a pass.
std::string UnseenFault(const std::pair<int64_t, int>& stuck) {
  return fmt::format(
      "note: the fault changed no output, so it was not tested: PE {} may lie outside every "
      "fold of this schedule (a tile narrower than the array leaves its last rows or columns "
      "idle), or bit {} may never differ from its fault-free value; a schedule that fills the "
      "array (--search, --schedule) exercises it\n",
      stuck.first, stuck.second);
}

}  // namespace

nlohmann::ordered_json VerifySubjectJson(const VerifySubject& v, bool failed) {
  const auto& stuck = v.stuck_at;
  nlohmann::ordered_json j;
  j["network"] = v.network;
  j["arch"] = v.arch;
  if (v.rtl) {
    j["rtl"] = {{"mode", v.rtl->mode},
                {"model", v.rtl->model},
                {"preset", v.rtl->preset},
                {"verilator_args", v.rtl->verilator_args}};
    if (stuck) {
      // changed_output: false when the check found nothing, so the fault went untested.
      j["rtl"]["stuck_at"] = {
          {"pe", stuck->first}, {"bit", stuck->second}, {"changed_output", failed}};
    }
  } else {
    j["backend"] = v.backend;
  }
  return j;
}

std::string VerifySubjectLines(const VerifySubject& v) {
  const auto& stuck = v.stuck_at;
  return fmt::format("quasar verify: {} on {}\n", v.network, v.arch) +
         (v.rtl ? fmt::format("RTL: {} model {} ({}), {}\n", v.rtl->mode, v.rtl->model,
                              v.rtl->preset.empty() ? "test model" : v.rtl->preset,
                              v.rtl->verilator_args)
                : fmt::format("backend: {}\n", v.backend)) +
         (stuck ? fmt::format("fault injected: PE {} partial-sum bit {} stuck at 1\n", stuck->first,
                              stuck->second)
                : "");
}

std::string UnseenFaultNote(const VerifySubject& v, bool failed) {
  return v.stuck_at && !failed ? UnseenFault(*v.stuck_at) : "";
}

nlohmann::ordered_json VerifyJson(const VerifySubject& v, const CycleResult& r, bool timing) {
  nlohmann::ordered_json j = VerifySubjectJson(v, !CheckFailure(r).empty());
  j["check"] = CheckJson(r, timing);
  return j;
}

std::string VerifyTable(const VerifySubject& v, const CycleResult& r) {
  return VerifySubjectLines(v) + CheckTable(r) + UnseenFaultNote(v, !CheckFailure(r).empty());
}

}  // namespace quasar::report
