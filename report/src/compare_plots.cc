// Plots of `quasar compare` through gnuplot (compare_plots.h).

#include "quasar/report/compare_plots.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "quasar/models/cost/energy.h"
#include "quasar/models/error.h"
#include "quasar/models/text_file.h"

namespace quasar::report {
namespace {

using sim::explore::ComparisonColumn;

void WriteFile(const std::string& path, const std::string& text) {
  WriteTextFile(path, text, "--plots");
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

// One block per series present (gnuplot's `index` counts blocks, so an empty series would shift
// the others' labels): latency_ms energy_uj precision.
struct Series {
  std::string title;
  const std::vector<ComparisonColumn>* cols;
};

std::string ScatterData(const std::vector<Series>& series) {
  std::string out;
  for (const Series& s : series) {
    out += "# " + s.title + ": latency_ms energy_uj precision\n";
    for (const ComparisonColumn& c : *s.cols) {
      if (c.perf.ok()) {
        out += fmt::format("{} {} \"{}\"\n", c.perf.latency_s * 1e3, c.perf.energy.Total() / 1e6,
                           c.precision);
      }
    }
    out += "\n\n";  // gnuplot index separator
  }
  return out;
}

// energy_uj ptq_top1_pct qat_top1_pct (NaN: not measured) precision, for the columns that ran.
std::string AccuracyData(const std::vector<ComparisonColumn>& cols) {
  std::string out = "# energy_uj ptq_top1_pct qat_top1_pct precision\n";
  for (const ComparisonColumn& c : cols) {
    if (c.perf.ok() && c.ptq) {
      out += fmt::format("{} {} {} \"{}\"\n", c.perf.energy.Total() / 1e6, 100 * c.ptq->top1,
                         c.qat ? fmt::format("{}", 100 * c.qat->top1) : std::string("NaN"),
                         c.precision);
    }
  }
  return out;
}

std::string Quoted(std::string s) {  // for a single-quoted gnuplot string
  for (char& ch : s) {
    if (ch == '\'') {
      ch = '"';
    }
  }
  return s;
}

}  // namespace

std::string ComparePlotStem(const std::string& network, const std::string& arch) {
  std::string stem = "compare-" + network + "-" + arch;
  for (char& ch : stem) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) {
      ch = '_';
    }
  }
  return stem;
}

std::vector<std::string> WriteComparePlots(const std::string& dir, const std::string& network,
                                           const std::string& arch,
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
  const std::string base =
      std::filesystem::absolute(dir).string() + "/" + ComparePlotStem(network, arch) + "-";
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
  std::vector<Series> series;
  if (!same.empty()) {
    series.push_back({"same array", &same});
  }
  if (!iso.empty()) {
    series.push_back({"iso-area", &iso});
  }
  const std::string views = same.empty()  ? "iso-area arrays"
                            : iso.empty() ? "same array"
                                          : "same array and iso-area arrays";
  const std::string who = Quoted(network + " on " + arch + ", " + views);
  std::vector<std::string> names = {"energy", "latency-energy"};
  WriteFile(base + "energy.dat", EnergyData(cols));
  WriteFile(base + "scatter.dat", ScatterData(series));
  WriteFile(base + "energy.gp",
            fmt::format("set terminal svg size 900,500 dynamic background rgb 'white'\n"
                        "set output '{0}energy.svg'\n"
                        "set termoption noenhanced\n"
                        "set title 'Energy per inference by component: {2}'\n"
                        "set ylabel 'uJ per inference'\n"
                        "set style data histograms\n"
                        "set style histogram rowstacked\n"
                        "set style fill solid 0.8 border -1\n"
                        "set boxwidth 0.7\n"
                        "set key outside right top\n"
                        "set xtics rotate by -30\n"
                        "plot for [i=2:{1}] '{0}energy.dat' using i:xtic(1) "
                        "title columnheader(i)\n",
                        base, 1 + models::EnergyComponents().size(), who));
  std::string plot;
  for (size_t i = 0; i < series.size(); ++i) {
    plot += fmt::format(
        "{}'{}scatter.dat' index {} using 1:2 with points pt {} ps 1.5 title '{}', \\\n"
        "     '' index {} using 1:2:3 with labels offset 1.5,{} notitle",
        i == 0 ? "plot " : ", \\\n     ", base, i, i == 0 ? 7 : 5, series[i].title, i,
        i == 0 ? "0.8" : "-0.8");
  }
  WriteFile(base + "latency-energy.gp",
            fmt::format("set terminal svg size 700,500 dynamic background rgb 'white'\n"
                        "set output '{0}latency-energy.svg'\n"
                        "set termoption noenhanced\n"
                        "set title 'Latency vs energy per inference: {1}'\n"
                        "set xlabel 'latency (ms)'\n"
                        "set ylabel 'energy (uJ)'\n"
                        "set grid\n"
                        "set key below\n"
                        "{2}\n",
                        base, who, plot));
  // Accuracy against the energy of the first view present.
  const std::vector<ComparisonColumn>& acc_cols = same.empty() ? iso : same;
  const bool has_accuracy =
      std::any_of(acc_cols.begin(), acc_cols.end(), [](const ComparisonColumn& c) { return c.ptq.has_value(); });
  if (has_accuracy) {
    const bool has_qat = std::any_of(acc_cols.begin(), acc_cols.end(),
                                     [](const ComparisonColumn& c) { return c.qat.has_value(); });
    WriteFile(base + "accuracy.dat", AccuracyData(acc_cols));
    WriteFile(base + "accuracy.gp",
              fmt::format("set terminal svg size 700,500 dynamic background rgb 'white'\n"
                          "set output '{0}accuracy.svg'\n"
                          "set termoption noenhanced\n"
                          "set title 'Top-1 vs energy per inference: {1}'\n"
                          "set xlabel 'energy (uJ), {2}'\n"
                          "set ylabel 'top-1 (%)'\n"
                          "set grid\n"
                          "set key below\n"
                          "plot '{0}accuracy.dat' using 1:2 with points pt 7 ps 1.5 "
                          "title 'PTQ (Quasar calibration)', \\\n"
                          "     '' using 1:2:4 with labels offset 1.5,0.8 notitle{3}\n",
                          base, Quoted(network + " on " + arch),
                          same.empty() ? "iso-area arrays" : "same array",
                          has_qat ? ", \\\n     '' using 1:3 with points pt 5 ps 1.5 "
                                    "title 'QAT (trained at the precision)'"
                                  : ""));
    names.push_back("accuracy");
  }
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    fmt::print(stderr,
               "[compare] note: gnuplot is not installed (apt-get install gnuplot-nox); the plot "
               "data and scripts are in {}\n",
               dir);
    return {};
  }
  std::vector<std::string> svgs;
  for (const std::string& name : names) {
    const std::string gp = base + name + ".gp";
    if (std::system(("gnuplot '" + gp + "' 2> '" + base + name + ".log'").c_str()) != 0) {
      throw InputError("--plots: gnuplot failed on " + gp + " (see " + base + name + ".log)");
    }
    std::filesystem::remove(base + name + ".log");
    svgs.push_back(base + name + ".svg");
  }
  std::string list;
  for (const std::string& svg : svgs) {
    list += (list.empty() ? "" : ", ") + svg;
  }
  fmt::print(stderr, "[compare] plots: {}\n", list);
  return svgs;
}

}  // namespace quasar::report
