// Plots of `quasar compare` through gnuplot (compare_plots.h).

#include "compare_plots.h"

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "quasar/models/cost/energy.h"
#include "quasar/models/error.h"

namespace quasar::cli {
namespace {

using sim::explore::ComparisonColumn;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) {
    throw InputError("--plots: cannot write " + path);
  }
}

// "same-array w4a4" -> "same w4a4": short bar labels.
std::string Label(const ComparisonColumn& c) {
  return (c.view == "same-array" ? "same " : "iso ") + c.precision;
}

std::string EnergyData(const std::vector<const ComparisonColumn*>& cols) {
  std::string out = "label";
  for (const models::EnergyComponent& part : models::EnergyComponents()) {
    out += fmt::format(" {}", part.plot_column);
  }
  out += "\n";
  for (const ComparisonColumn* c : cols) {
    if (!c->perf.ok()) {
      continue;
    }
    out += fmt::format("\"{}\"", Label(*c));
    for (const models::EnergyComponent& part : models::EnergyComponents()) {
      out += fmt::format(" {}", c->perf.energy.*part.field / 1e6);
    }
    out += "\n";
  }
  return out;
}

std::string ScatterData(const std::vector<ComparisonColumn>& same,
                        const std::vector<ComparisonColumn>& iso) {
  std::string out;
  for (const auto* series : {&same, &iso}) {
    out += "# latency_ms energy_uj precision\n";
    for (const ComparisonColumn& c : *series) {
      if (c.perf.ok()) {
        out += fmt::format("{} {} \"{}\"\n", c.perf.latency_s * 1e3, c.perf.energy.Total() / 1e6,
                           c.precision);
      }
    }
    out += "\n\n";  // gnuplot index separator
  }
  return out;
}

}  // namespace

std::vector<std::string> WriteComparePlots(const std::string& dir,
                                           const std::vector<ComparisonColumn>& same,
                                           const std::vector<ComparisonColumn>& iso) {
  if (dir.find('\'') != std::string::npos || dir.find('"') != std::string::npos) {
    throw InputError("--plots: the directory name must not contain quotes, got " + dir);
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw InputError("--plots: cannot create " + dir + ": " + ec.message());
  }
  const std::string base = std::filesystem::absolute(dir).string() + "/";
  bool any = false;
  for (const auto* series : {&same, &iso}) {
    for (const ComparisonColumn& c : *series) {
      any = any || c.perf.ok();
    }
  }
  if (!any) {
    fmt::print(stderr, "[compare] note: no precision can run on the accelerator; no plots\n");
    return {};
  }
  std::vector<const ComparisonColumn*> cols;
  for (const ComparisonColumn& c : same) {
    cols.push_back(&c);
  }
  for (const ComparisonColumn& c : iso) {
    cols.push_back(&c);
  }
  WriteFile(base + "compare_energy.dat", EnergyData(cols));
  WriteFile(base + "compare_scatter.dat", ScatterData(same, iso));
  WriteFile(base + "compare_energy.gp",
            fmt::format("set terminal svg size 900,500 dynamic background rgb 'white'\n"
                        "set output '{0}compare_energy.svg'\n"
                        "set termoption noenhanced\n"
                        "set title 'Energy per inference by component'\n"
                        "set ylabel 'uJ per inference'\n"
                        "set style data histograms\n"
                        "set style histogram rowstacked\n"
                        "set style fill solid 0.8 border -1\n"
                        "set boxwidth 0.7\n"
                        "set key outside right top\n"
                        "set xtics rotate by -30\n"
                        "plot for [i=2:{1}] '{0}compare_energy.dat' using i:xtic(1) "
                        "title columnheader(i)\n",
                        base, 1 + models::EnergyComponents().size()));
  WriteFile(base + "compare_latency_energy.gp",
            fmt::format("set terminal svg size 700,500 dynamic background rgb 'white'\n"
                        "set output '{0}compare_latency_energy.svg'\n"
                        "set termoption noenhanced\n"
                        "set title 'Latency vs energy per inference'\n"
                        "set xlabel 'latency (ms)'\n"
                        "set ylabel 'energy (uJ)'\n"
                        "set grid\n"
                        "set key below\n"
                        "plot '{0}compare_scatter.dat' index 0 using 1:2 with points pt 7 ps 1.5 "
                        "title 'same array', \\\n"
                        "     '' index 0 using 1:2:3 with labels offset 1.5,0.8 notitle, \\\n"
                        "     '' index 1 using 1:2 with points pt 5 ps 1.5 title 'iso-area', \\\n"
                        "     '' index 1 using 1:2:3 with labels offset 1.5,-0.8 notitle\n",
                        base));
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    fmt::print(stderr,
               "[compare] note: gnuplot is not installed (apt-get install gnuplot-nox); the plot "
               "data and scripts are in {}\n",
               dir);
    return {};
  }
  std::vector<std::string> svgs;
  for (const char* name : {"compare_energy", "compare_latency_energy"}) {
    const std::string gp = base + name + ".gp";
    if (std::system(("gnuplot '" + gp + "' 2> '" + base + name + ".log'").c_str()) != 0) {
      throw InputError("--plots: gnuplot failed on " + gp + " (see " + base + name + ".log)");
    }
    std::filesystem::remove(base + name + ".log");
    svgs.push_back(base + name + ".svg");
  }
  fmt::print(stderr, "[compare] plots: {}\n", fmt::format("{}, {}", svgs[0], svgs[1]));
  return svgs;
}

}  // namespace quasar::cli
