#pragma once
// Plots of `quasar compare`: the energy breakdown per precision as stacked bars, latency vs
// energy per inference as a scatter (one series per view present), and, when accuracy was
// measured, top-1 vs energy per inference (PTQ and QAT). Every file is named
// compare-<network>-<arch>-<what>, so runs on other networks or accelerators do not overwrite
// each other, and every plot's title names the network, the accelerator and the view. Writes the
// data (.dat) and gnuplot scripts (.gp) into a directory and runs gnuplot (a Debian package,
// `gnuplot-nox`) on them to draw SVG files; without gnuplot the .dat and .gp files remain and a
// note says so.

#include <string>
#include <vector>

#include "quasar/sim/explore/compare.h"

namespace quasar::report {

// Returns the SVG files written (empty when gnuplot is missing). InputError when `dir` cannot
// be written.
std::vector<std::string> WriteComparePlots(const std::string& dir, const std::string& network,
                                           const std::string& arch,
                                           const std::vector<sim::explore::ComparisonColumn>& same,
                                           const std::vector<sim::explore::ComparisonColumn>& iso);

// The file stem of a run's plots: "compare-<network>-<arch>", with every character other than
// letters, digits, '.', '_' and '-' replaced by '_'.
std::string ComparePlotStem(const std::string& network, const std::string& arch);

}  // namespace quasar::report
