#pragma once
// The accuracy report of `infer --data` (docs/accuracy.md): text and JSON.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "quasar/models/eval/accuracy.h"

namespace quasar::report {

// Every figure of the report; per-image predictions only when `per_image`.
nlohmann::json AccuracyJson(const models::AccuracyReport& r, bool per_image);

// The totals, then one row per weighted layer: the accumulator range over the set, the narrowest
// register that held it, the width that holds for any input, the textbook width and the
// configured one.
// `quantized` names the quantized run's column ("integer"; "format" for the golden format run).
// The accumulators' table is left out when the report has none.
void PrintAccuracy(const models::AccuracyReport& r, const std::string& data_name,
                   const std::string& quantized = "integer");

// A fraction as a percentage with two decimals.
std::string Percent(int64_t count, int64_t total);

}  // namespace quasar::report
