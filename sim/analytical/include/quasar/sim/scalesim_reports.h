#pragma once
// The per-layer reports of scale-sim-v2 (scalesim/simulator.py, generate_reports), written from
// a schedule compiled with `conventions: scalesim`, so that `diff` compares them with SCALE-Sim's
// own files line by line (docs/scalesim.md lists which columns are SCALE-Sim's figures and which
// Quasar's). One row per GEMM, numbered from 0 as SCALE-Sim numbers its layers: a layer of
// `count` GEMMs (a depthwise layer's channels) gives `count` rows, layers without a GEMM none.
// Numbers are printed as Python's str() prints them.

#include <string>

#include "quasar/compiler/schedule.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim {

struct ScaleSimReports {
  // COMPUTE_REPORT.csv, with SCALE-Sim's header and columns.
  std::string compute;
  // BANDWIDTH_REPORT.csv's SRAM columns (SCALE-Sim's DRAM bandwidths divide by the span of its
  // DRAM trace, which Quasar does not model).
  std::string bandwidth;
  // DETAILED_ACCESS_REPORT.csv's count columns: SRAM reads and writes as SCALE-Sim counts them;
  // DRAM counts in USER mode as SCALE-Sim counts them (scalesim_stalls.h), in CALC mode as
  // Quasar's whole-layer minimum (scalesim_model.h).
  std::string detail;
};

// Throws std::invalid_argument unless `arch.conventions` is scalesim.
ScaleSimReports MakeScaleSimReports(const compiler::Schedule& s, const models::ArchSpec& arch);

// `v` as Python 3's str(float) writes it: the shortest digits that read back as `v`, in fixed
// notation with at least one decimal ("100.0") for exponents -4..15, else "1e-05", "1.5e+16".
std::string PythonFloatText(double v);

}  // namespace quasar::sim
