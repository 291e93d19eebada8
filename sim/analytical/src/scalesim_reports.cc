// scale-sim-v2's report files from a `conventions: scalesim` schedule (scalesim_reports.h).

#include "quasar/sim/scalesim_reports.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "quasar/sim/scalesim_model.h"
#include "quasar/sim/scalesim_stalls.h"

namespace quasar::sim {

std::string PythonFloatText(double v) {
  if (std::isnan(v)) {
    return "nan";
  }
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  // The shortest %e precision that reads back exactly: its digits and decimal exponent.
  char buf[40];
  for (int p = 0; p <= 16; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) {
      break;
    }
  }
  std::string s = buf;
  const size_t e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string sign, digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] == '-') {
      sign = "-";
    } else if (s[i] != '.') {
      digits += s[i];
    }
  }
  if (exp < -4 || exp >= 16) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) {
      mantissa += "." + digits.substr(1);
    }
    return fmt::format("{}{}e{}{:02d}", sign, mantissa, exp < 0 ? '-' : '+', std::abs(exp));
  }
  if (exp < 0) {
    return sign + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  }
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  }
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

ScaleSimReports MakeScaleSimReports(const compiler::Schedule& s, const models::ArchSpec& arch) {
  if (arch.conventions != models::Conventions::kScaleSim) {
    throw std::invalid_argument(
        "MakeScaleSimReports: the accelerator's conventions are not "
        "scalesim");
  }
  ScaleSimReports r;
  r.compute =
      "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute "
      "Util %,\n";
  r.bandwidth = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW,\n";
  r.detail =
      "LayerID, SRAM IFMAP Reads, SRAM Filter Reads, SRAM OFMAP Writes, DRAM IFMAP Reads, DRAM "
      "Filter Reads, DRAM OFMAP Writes,\n";
  auto per_cycle = [](int64_t count, int64_t cycles) {
    return PythonFloatText(static_cast<double>(count) / static_cast<double>(cycles));
  };
  int64_t id = 0;
  for (const compiler::LayerSchedule& l : s.layers) {
    if (l.kind != compiler::LayerKind::kGemm || !l.ok()) {
      continue;
    }
    const compiler::GemmShape& g = l.gemm;
    const ScaleSimLayer x = ScaleSimLayerOf(l, arch);
    for (int64_t i = 0; i < g.count; ++i, ++id) {
      r.compute += fmt::format("{}, {}, {}, {}, {}, {},\n", id, x.total_cycles, x.stall_cycles,
                               PythonFloatText(x.overall_util_percent),
                               PythonFloatText(x.mapping_eff_percent),
                               PythonFloatText(x.compute_util_percent));
      r.bandwidth +=
          fmt::format("{}, {}, {}, {},\n", id, per_cycle(x.ifmap_sram_reads, x.total_cycles),
                      per_cycle(x.filter_sram_reads, x.total_cycles),
                      per_cycle(x.ofmap_sram_writes, x.total_cycles));
      r.detail += fmt::format("{}, {}, {}, {}, {}, {}, {},\n", id, x.ifmap_sram_reads,
                              x.filter_sram_reads, x.ofmap_sram_writes, x.ifmap_dram_reads,
                              x.filter_dram_reads, x.ofmap_dram_writes);
    }
  }
  return r;
}

}  // namespace quasar::sim
