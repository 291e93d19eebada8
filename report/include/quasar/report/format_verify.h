#pragma once
// The report of `quasar verify` on a network in a number format: each layer's GEMMs run through
// their golden kernel and the backend's PE array (sim/cycle/format_layer.h), compared on every
// element (docs/verify.md, "Number formats").

#include <nlohmann/json.hpp>
#include <string>

#include "quasar/report/verify.h"
#include "quasar/sim/cycle/format_check.h"

namespace quasar::report {

using sim::cycle::FormatCheckResult;
using sim::cycle::FormatLayerCheck;
using sim::cycle::FormatMismatch;
using sim::cycle::FormatSkippedLayer;

// The subject (VerifySubjectJson), then {"check": {"kind": "number_formats", "input", "layers",
// "skipped", "other_layers", "elements", "mismatches", "first_mismatch", "result", "wall_seconds"
// with `timing`}}.
nlohmann::ordered_json FormatVerifyJson(const VerifySubject& v, const FormatCheckResult& r,
                                        bool timing);
std::string FormatVerifyTable(const VerifySubject& v, const FormatCheckResult& r);

}  // namespace quasar::report
