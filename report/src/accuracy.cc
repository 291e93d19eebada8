// The accuracy report of `quasar infer --data` (quasar/report/accuracy.h, docs/accuracy.md).

#include "quasar/report/accuracy.h"

#include <fmt/core.h>

#include <cmath>

namespace quasar::report {
namespace {

nlohmann::json Db(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

double Fraction(int64_t count, int64_t total) {
  return total > 0 ? static_cast<double>(count) / static_cast<double>(total) : 0.0;
}

}  // namespace

std::string Percent(int64_t count, int64_t total) {
  return fmt::format("{:.2f} %", 100.0 * Fraction(count, total));
}

nlohmann::json AccuracyJson(const models::AccuracyReport& r, bool per_image) {
  nlohmann::json j = {{"images", r.images},
                      {"classes", r.classes},
                      {"float_top1", Fraction(r.float_top1, r.images)},
                      {"integer_top1", Fraction(r.int_top1, r.images)},
                      {"top1_agreement", Fraction(r.agree_top1, r.images)},
                      {"output_sqnr_db", {{"mean", Db(r.sqnr_mean_db())},
                                          {"p5", Db(r.sqnr_p5_db())},
                                          {"exact_outputs", r.exact_outputs()}}},
                      {"overflow_events", r.overflow_events},
                      {"layers", nlohmann::json::array()}};
  if (r.has_top5()) {
    j["float_top5"] = Fraction(r.float_top5, r.images);
    j["integer_top5"] = Fraction(r.int_top5, r.images);
  }
  for (const auto& l : r.layers) {
    j["layers"].push_back({{"name", l.name},
                           {"accumulator_min", l.acc_min},
                           {"accumulator_max", l.acc_max},
                           {"overflow_events", l.overflow_events},
                           {"observed_bits", l.observed_bits},
                           {"bound_bits", l.bound_bits},
                           {"textbook_bits", l.textbook_bits},
                           {"configured_bits", l.configured_bits}});
  }
  if (per_image) {
    j["labels"] = r.labels;
    j["float_predictions"] = r.float_pred;
    j["integer_predictions"] = r.int_pred;
  }
  return j;
}

void PrintAccuracy(const models::AccuracyReport& r, const std::string& data_name,
                   const std::string& quantized) {
  fmt::print("{} images of {}, {} classes\n", r.images, data_name, r.classes);
  fmt::print("{:<28} {:>10} {:>10}\n", "", "float", quantized);
  fmt::print("{:<28} {:>10} {:>10}\n", "top-1", Percent(r.float_top1, r.images),
             Percent(r.int_top1, r.images));
  if (r.has_top5()) {
    fmt::print("{:<28} {:>10} {:>10}\n", "top-5", Percent(r.float_top5, r.images),
               Percent(r.int_top5, r.images));
  }
  fmt::print("top-1 agreement ({} = float): {}\n", quantized, Percent(r.agree_top1, r.images));
  fmt::print("output SQNR vs float: mean {:.2f} dB, 5th percentile {:.2f} dB{}\n",
             r.sqnr_mean_db(), r.sqnr_p5_db(),
             r.exact_outputs() > 0
                 ? fmt::format(" ({} outputs exact, left out of the mean)", r.exact_outputs())
                 : "");
  if (r.layers.empty()) {  // a run with no integer accumulators (the number formats)
    return;
  }
  fmt::print("\naccumulators over the set (bits: observed = narrowest register holding every "
             "final value; bound = any input; textbook = a+w+log2 K)\n");
  fmt::print("{:<24} {:>27} {:>10} {:>9} {:>6} {:>9} {:>11}\n", "layer", "accumulator range",
             "overflows", "observed", "bound", "textbook", "configured");
  for (const auto& l : r.layers) {
    fmt::print("{:<24} {:>27} {:>10} {:>9} {:>6} {:>9} {:>11}\n", l.name,
               fmt::format("[{}, {}]", l.acc_min, l.acc_max), l.overflow_events, l.observed_bits,
               l.bound_bits, l.textbook_bits, l.configured_bits);
  }
}

}  // namespace quasar::report
