#pragma once
// `quasar run --backend systemc`: runs the network through the golden kernels and the SystemC
// cycle model, and reports for every layer whether the two agree on every output element
// (docs/run-output.md, "Bit-exact check").

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/cycle/array_if.h"
#include "run_report.h"

namespace quasar::cli {

struct LayerCheck {
  std::string name;
  int64_t compared = 0, mismatches = 0;
  int64_t first_index = -1;  // flat index of the first mismatch, -1 if none
  int32_t expected = 0, actual = 0;
  int64_t first_cycle = -1;  // simulated cycle the first mismatching element was finished
  int64_t golden_overflows = 0, cycle_overflows = 0;
  int64_t analytical_cycles = 0, cycles = 0;
};

struct CycleResult {
  sim::NetworkPerf perf;  // the cycle model's timing and events, priced
  std::vector<LayerCheck> checks;
  double wall_seconds = 0;
  int64_t simulated_macs = 0;
  std::string title;  // CycleOptionsCli::title
  bool bit_exact() const;
};

struct CycleOptionsCli {
  std::string trace;         // VCD path of the accelerator (not the RTL's)
  std::string save_outputs;  // directory for one .npy per layer output
  // The PE array and which layers run on it (sim::cycle::CycleOptions); `layers` also limits
  // the check to those layers, and the run stops after the last of them.
  std::function<std::unique_ptr<sim::cycle::ArrayIf>()> make_array;
  std::string array_name = "cpp";
  std::vector<std::string> layers;
  std::string title = "SystemC cycle model";  // what the check compares with the golden run
};

// Quantizes the target's network (synthetic weights, the precision and calibration options),
// runs it through the golden reference with the accelerator's accumulator and through the
// cycle model under `s`, and compares them; `analytical` is the analytical model's report of
// `s`, for the per-layer cycle comparison.
CycleResult RunCycleBackend(const compiler::Schedule& s, const Target& t, const TargetOptions& o,
                            const CycleOptionsCli& c, const sim::NetworkPerf& analytical);

// The per-layer check as a table, and as JSON (one object per layer).
std::string CheckTable(const CycleResult& r);
nlohmann::ordered_json CheckJson(const CycleResult& r);

}  // namespace quasar::cli
