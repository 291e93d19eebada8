#pragma once
// Plots of `quasar compare`: the energy breakdown per precision as stacked bars, and latency vs
// energy per inference as a scatter, one series per view. Writes the data (.dat) and gnuplot
// scripts (.gp) into a directory and runs gnuplot (a Debian package, `gnuplot-nox`) on them to
// draw SVG files; without gnuplot the .dat and .gp files remain and a note says so.

#include <string>
#include <vector>

#include "quasar/sim/explore/compare.h"

namespace quasar::cli {

// Returns the SVG files written (empty when gnuplot is missing). InputError when `dir` cannot
// be written.
std::vector<std::string> WriteComparePlots(const std::string& dir,
                                           const std::vector<sim::explore::ComparisonColumn>& same,
                                           const std::vector<sim::explore::ComparisonColumn>& iso);

}  // namespace quasar::cli
