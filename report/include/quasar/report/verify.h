#pragma once
// The report of `quasar verify` (docs/verify.md): what was checked, the RTL model or the backend
// and an injected fault, then the bit-exact check (check.h), as text or JSON.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "quasar/report/check.h"

namespace quasar::report {

// The Verilated model an RTL backend ran.
struct VerifyRtl {
  std::string mode;  // `verify --rtl`: array or mac
  std::string model, preset, verilator_args;
};

struct VerifySubject {
  std::string network, arch;
  std::optional<VerifyRtl> rtl;  // an RTL backend's model; otherwise the backend's name is said
  std::string backend;
  std::optional<std::pair<int64_t, int>> stuck_at;  // (PE, bit) of an injected fault
};

// What every verify report starts with. {"network", "arch", "rtl" (with "stuck_at", whose
// "changed_output" is `failed`) or "backend"}:
nlohmann::ordered_json VerifySubjectJson(const VerifySubject& v, bool failed);
// The table's header lines.
std::string VerifySubjectLines(const VerifySubject& v);
// A note when a fault was injected and the check did not fail (the fault went untested), else "".
std::string UnseenFaultNote(const VerifySubject& v, bool failed);

// {"network", "arch", "rtl" (with "stuck_at") or "backend", "check"}; `timing` as for
// CheckJson.
nlohmann::ordered_json VerifyJson(const VerifySubject& v, const CycleResult& r, bool timing);
// The header lines, then CheckTable.
std::string VerifyTable(const VerifySubject& v, const CycleResult& r);

}  // namespace quasar::report
