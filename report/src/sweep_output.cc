// A sweep's output (report/sweep.h, docs/sweep.md): the columns, the CSV and JSON writers,
// reading a CSV back for --resume, and the table of the front.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/net/float_net.h"
#include "quasar/report/sweep.h"
#include "quasar/report/text.h"
#include "quasar/models/text_file.h"

namespace quasar::report {

using sim::explore::Constraints;
using sim::explore::SweepAxis;

namespace {

// The result columns after the swept values, without the marks.
std::vector<std::string> ResultColumns(const SweepSpec& spec) {
  std::vector<std::string> c = {"status",           "reason",      "cycles",    "latency_s",
                                "inferences_per_s", "utilization", "energy_pj", "energy_uj",
                                "tops_per_watt",    "area_mm2",    "dram_bytes"};
  if (spec.fidelity) {
    if (spec.data) {
      c.push_back("top1_pct");
      c.push_back("agreement_pct");
    }
    c.push_back("sqnr_db");
    c.push_back("sqnr_p5_db");
  }
  return c;
}

// The cells that may be unknown (empty in CSV, null in JSON): the fidelity columns.
bool Optional(const std::string& column) {
  return column == "top1_pct" || column == "agreement_pct" || column == "sqnr_db" ||
         column == "sqnr_p5_db";
}

// The result cells of a row, in ResultColumns order; `number` formats a double.
template <typename F>
std::vector<std::string> ResultCells(const SweepSpec& spec, const SweepRow& r, F number) {
  std::vector<std::string> c = {r.status,
                                r.reason,
                                std::to_string(r.cycles),
                                number(r.latency_s),
                                number(r.inferences_per_s),
                                number(r.utilization),
                                number(r.energy_pj),
                                number(r.energy_pj / 1e6),
                                number(r.tops_per_watt),
                                number(r.area_mm2),
                                std::to_string(r.dram_bytes)};
  const auto cell = [&](const std::optional<double>& v) { return v ? number(*v) : std::string(); };
  if (spec.fidelity) {
    if (spec.data) {
      c.push_back(cell(r.top1_pct));
      c.push_back(cell(r.agreement_pct));
    }
    c.push_back(cell(r.sqnr_db));
    c.push_back(cell(r.sqnr_p5_db));
  }
  return c;
}

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// A strict number parse of one CSV cell; InputError naming the file, line and column.
double ParseCell(const std::string& cell, const std::string& where, size_t line,
                 const std::string& column) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0' || errno == ERANGE) {
    throw InputError(where + ": line " + std::to_string(line) + ": " + column +
                     ": must be a number, got '" + cell + "'");
  }
  return v;
}

// A strict integer parse of one CSV cell; InputError naming the file, line and column.
int64_t ParseIntCell(const std::string& cell, const std::string& where, size_t line,
                     const std::string& column) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(cell.c_str(), &end, 10);
  if (cell.empty() || *end != '\0' || errno == ERANGE) {
    throw InputError(where + ": line " + std::to_string(line) + ": " + column +
                     ": must be an integer, got '" + cell + "'");
  }
  return static_cast<int64_t>(v);
}

// The index of `value` in `list`, or npos.
size_t IndexOf(const std::vector<std::string>& list, const std::string& value) {
  const auto it = std::find(list.begin(), list.end(), value);
  return it == list.end() ? std::string::npos : static_cast<size_t>(it - list.begin());
}

// The value of item `name` in a context ("a=1;b=2"), or "" when absent.
std::string ContextItem(const std::string& context, const std::string& name) {
  const std::string key = name + "=";
  for (size_t pos = 0; pos <= context.size();) {
    size_t end = context.find(';', pos);
    end = end == std::string::npos ? context.size() : end;
    if (context.compare(pos, key.size(), key) == 0) {
      return context.substr(pos + key.size(), end - pos - key.size());
    }
    pos = end + 1;
  }
  return "";
}

// What differs between a row's context in the file and this sweep's, e.g. "objective (file:
// cycles, this sweep: energy)".
std::string ContextDiff(const std::string& file, const std::string& now,
                        const std::string& network) {
  const std::vector<std::pair<std::string, std::string>> items = {
      {"arch", "the base architecture"}, {"tech", "its technology table"},
      {"objective", "the objective"},    {"search", "the mapper's search"},
      {"first_last_bits", "first_last_bits"},
      {"fidelity", "fidelity"},          {"data", "the data (data:, images:)"},
      {"network", "the network file of '" + network + "'"}};
  std::string out;
  for (const auto& [name, what] : items) {
    std::string a = ContextItem(file, name), b = ContextItem(now, name);
    if (name == "search") {  // written only when not the fast search (sweep.h, `contexts`)
      if (a.empty()) a = "fast";
      if (b.empty()) b = "fast";
    }
    if (a != b) {
      out += (out.empty() ? "" : ", ") + what + " (file: " + (a.empty() ? "?" : a) +
             ", this sweep: " + b + ")";
    }
  }
  return out.empty() ? "the context (file: '" + file + "', this sweep: '" + now + "')" : out;
}

}  // namespace

std::vector<std::string> SweepColumns(const SweepSpec& spec) {
  std::vector<std::string> c = {"config", "network", "precision"};
  for (const SweepAxis& a : spec.axes) {
    c.push_back(a.key);
  }
  for (const std::string& r : ResultColumns(spec)) {
    c.push_back(r);
  }
  c.push_back("within_constraints");
  c.push_back("pareto");
  c.push_back("context");
  return c;
}

std::string SweepCsvHeader(const SweepSpec& spec) { return CsvLine(SweepColumns(spec)); }

std::string SweepCsvLine(const SweepSpec& spec, const SweepRow& row,
                         std::optional<bool> within_constraints, std::optional<bool> pareto) {
  std::vector<std::string> cells = {std::to_string(row.index), row.network, row.precision};
  cells.insert(cells.end(), row.values.begin(), row.values.end());
  for (std::string& c : ResultCells(spec, row, FormatNumber)) {
    cells.push_back(std::move(c));
  }
  cells.push_back(within_constraints ? Bool(*within_constraints) : "");
  cells.push_back(pareto ? Bool(*pareto) : "");
  cells.push_back(row.context);
  return CsvLine(cells);
}

std::string SweepCsv(const SweepSpec& spec, const std::vector<SweepRow>& rows,
                     const SweepMarks& marks) {
  std::string out = SweepCsvHeader(spec);
  for (size_t i = 0; i < rows.size(); ++i) {
    out += SweepCsvLine(spec, rows[i], marks.within_constraints[i], marks.pareto[i]);
  }
  return out;
}

std::string SweepJsonHead(const SweepSpec& spec) {
  auto opt = [](const std::optional<double>& v) { return v ? JsonNumber(*v) : "null"; };
  const Constraints& c = spec.constraints;
  std::string out = "{\n";
  out += "  \"sweep\": " + JsonString(spec.file) + ",\n";
  out += "  \"name\": " + JsonString(spec.name) + ",\n";
  out += "  \"base\": " + JsonString(spec.base_name) + ",\n";
  out += "  \"objective\": " + JsonString(compiler::ObjectiveName(spec.objective)) + ",\n";
  out += "  \"fidelity\": " + Bool(spec.fidelity) + ",\n";
  if (spec.sample) {  // only sampled sweeps carry the key, so enumerated outputs stay as they were
    out += "  \"sample\": {\"method\": " +
           JsonString(sim::explore::SampleMethodName(spec.sample->method)) +
           ", \"count\": " + std::to_string(spec.sample->count) +
           ", \"seed\": " + std::to_string(spec.sample->seed) +
           ", \"points\": " + std::to_string(spec.points.size()) + "},\n";
  }
  out += "  \"constraints\": {\"max_area_mm2\": " + opt(c.max_area_mm2) +
         ", \"max_latency_s\": " + opt(c.max_latency_s) +
         ", \"max_energy_uj\": " + opt(c.max_energy_uj) +
         ", \"min_sqnr_db\": " + opt(c.min_sqnr_db) +
         (spec.data ? ", \"min_top1_pct\": " + opt(c.min_top1_pct) : std::string()) + "},\n";
  if (spec.fidelity) {
    // The networks whose fidelity is on synthetic weights: their SQNR compares precisions only.
    out += "  \"synthetic_weights\": [";
    bool first = true;
    for (size_t n = 0; n < spec.networks.size(); ++n) {
      if (models::HasSyntheticWeights(spec.nets[n * spec.precisions.size()])) {
        out += (first ? "" : ", ") + JsonString(spec.networks[n]);
        first = false;
      }
    }
    out += "],\n";
  }
  if (spec.data) {
    out += "  \"data\": " + JsonString(spec.data_name) + ",\n  \"images\": " +
           std::to_string(spec.images < 0 ? spec.data->test.size()
                                          : std::min(spec.images, spec.data->test.size())) +
           ",\n";
  }
  const std::vector<std::string> columns = SweepColumns(spec);
  out += "  \"columns\": [";
  for (size_t i = 0; i < columns.size(); ++i) {
    out += (i ? ", " : "") + JsonString(columns[i]);
  }
  out += "],\n  \"rows\": [";
  return out;
}

std::string SweepJsonRow(const SweepSpec& spec, const SweepRow& r, bool within_constraints,
                         bool pareto, bool first) {
  std::string out = std::string(first ? "" : ",") + "\n    {\"config\": " +
                    std::to_string(r.index) + ", \"network\": " + JsonString(r.network) +
                    ", \"precision\": " + JsonString(r.precision);
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    out += ", " + JsonString(spec.axes[a].key) + ": " +
           (spec.axes[a].numeric ? r.values[a] : JsonString(r.values[a]));
  }
  const std::vector<std::string> results = ResultColumns(spec);
  const std::vector<std::string> cells = ResultCells(spec, r, JsonNumber);
  for (size_t k = 0; k < results.size(); ++k) {
    const bool text = k < 2;  // status, reason
    const std::string cell =
        Optional(results[k]) && cells[k].empty() ? std::string("null") : cells[k];
    out += ", " + JsonString(results[k]) + ": " + (text ? JsonString(cell) : cell);
  }
  out += ", \"within_constraints\": " + Bool(within_constraints) +
         ", \"pareto\": " + Bool(pareto) + ", \"context\": " + JsonString(r.context) + "}";
  return out;
}

std::string SweepJsonTail(bool any_rows) { return any_rows ? "\n  ]\n}\n" : "]\n}\n"; }

std::string SweepJson(const SweepSpec& spec, const std::vector<SweepRow>& rows,
                      const SweepMarks& marks) {
  std::string out = SweepJsonHead(spec);
  for (size_t i = 0; i < rows.size(); ++i) {
    out += SweepJsonRow(spec, rows[i], marks.within_constraints[i], marks.pareto[i], i == 0);
  }
  return out + SweepJsonTail(!rows.empty());
}

std::optional<SweepRow> ParseSweepCsvRow(const SweepSpec& spec, const std::string& line,
                                         const std::string& path, size_t line_no) {
  const std::vector<std::string> columns = SweepColumns(spec);
  const size_t n_axes = spec.axes.size();
  std::vector<std::string> cells;
  if (!SplitCsvLine(line, &cells) || cells.size() != columns.size()) {
    throw InputError(path + ": line " + std::to_string(line_no) + ": expected " +
                     std::to_string(columns.size()) + " cells, got '" + line + "'");
  }
  SweepRow r;
  r.network = cells[1];
  r.precision = cells[2];
  r.values.assign(cells.begin() + 3, cells.begin() + 3 + static_cast<long>(n_axes));
  // The configuration index from the key (of a sampled sweep too: the sample's position).
  const size_t net = IndexOf(spec.networks, r.network);
  const size_t p = IndexOf(spec.precisions, r.precision);
  bool known = net != std::string::npos && p != std::string::npos;
  std::vector<size_t> value(n_axes);
  for (size_t a = 0; known && a < n_axes; ++a) {
    value[a] = IndexOf(spec.axes[a].values, r.values[a]);
    known = value[a] != std::string::npos;
  }
  const std::optional<size_t> index =
      known ? sim::explore::ConfigIndex(spec, net, p, value) : std::nullopt;
  if (!index) {
    return std::nullopt;
  }
  r.index = *index;
  r.context = cells.back();
  const std::string& now = spec.contexts.at(net);
  if (r.context != now) {
    throw InputError(path + ": line " + std::to_string(line_no) +
                     ": context: cannot resume: its rows differ from this sweep in " +
                     ContextDiff(r.context, now, r.network) +
                     "; start a new output file, or run without --resume");
  }
  size_t k = 3 + n_axes;
  auto integer = [&]() { return ParseIntCell(cells[k], path, line_no, columns[k]); };
  auto number = [&]() { return ParseCell(cells[k], path, line_no, columns[k]); };
  r.status = cells[k++];
  r.reason = cells[k++];
  r.cycles = integer();
  ++k;
  r.latency_s = number();
  ++k;
  r.inferences_per_s = number();
  ++k;
  r.utilization = number();
  ++k;
  r.energy_pj = number();
  k += 2;  // energy_uj is derived
  r.tops_per_watt = number();
  ++k;
  r.area_mm2 = number();
  ++k;
  r.dram_bytes = integer();
  ++k;
  auto optional_number = [&]() {
    const std::optional<double> v =
        cells[k].empty() ? std::nullopt : std::optional<double>(number());
    ++k;
    return v;
  };
  if (spec.fidelity) {
    if (spec.data) {
      r.top1_pct = optional_number();
      r.agreement_pct = optional_number();
    }
    r.sqnr_db = optional_number();
    r.sqnr_p5_db = optional_number();
  }
  if (r.status != "feasible" && r.status != "infeasible" && r.status != "invalid") {
    throw InputError(path + ": line " + std::to_string(line_no) +
                     ": status: must be feasible, infeasible or invalid, got '" + r.status + "'");
  }
  return r;
}

std::vector<std::optional<SweepRow>> ReadSweepCsv(const SweepSpec& spec, const std::string& path,
                                                  size_t* dropped) {
  std::string text = ReadTextFile(path, "the sweep output to resume from");
  // A shard's part file (SweepShardLine) starts with its shard line: its rows are resumable too.
  const std::string shard_line = "# quasar sweep shard ";
  size_t header_line = 1;
  if (text.compare(0, shard_line.size(), shard_line) == 0) {
    const size_t end = text.find('\n');
    text.erase(0, end == std::string::npos ? text.size() : end + 1);
    header_line = 2;
  }
  // One slot per configuration: resuming holds the rows it keeps (a sweep that runs does not).
  models::CheckAllocation(models::SaturatingMul(spec.ConfigCount(), sizeof(std::optional<SweepRow>)),
                          "reading back the rows of the sweep's " +
                              std::to_string(spec.ConfigCount()) + " configurations to resume");
  std::vector<std::optional<SweepRow>> rows(spec.ConfigCount());
  if (dropped) {
    *dropped = 0;
  }
  const std::string header = SweepCsvHeader(spec);
  if (text.compare(0, header.size(), header) != 0) {
    const std::string first = text.substr(0, text.find('\n'));
    throw InputError(path + ": cannot resume: its header is not this sweep's columns (" +
                     header.substr(0, header.size() - 1) + "), got '" + first + "'");
  }
  size_t pos = header.size(), line_no = header_line;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      break;  // a last line cut short by an interruption
    }
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::optional<SweepRow> r = ParseSweepCsvRow(spec, line, path, line_no);
    if (!r) {
      if (dropped) {
        ++*dropped;
      }
      continue;
    }
    if (!rows[r->index]) {
      rows[r->index] = std::move(r);
    }
  }
  return rows;
}

std::string FrontTable(const SweepSpec& spec, const std::vector<SweepRow>& rows, size_t limit) {
  sim::explore::SweepFronts fronts(spec);
  for (const SweepRow& r : rows) {
    fronts.Add(r);
  }
  return FrontTable(spec, fronts, limit);
}

std::string FrontTable(const SweepSpec& spec, const sim::explore::SweepFronts& fronts,
                       size_t limit) {
  std::string out;
  for (size_t n = 0; n < spec.networks.size(); ++n) {
    const std::string& network = spec.networks[n];
    const sim::explore::SweepFronts::Network figures = fronts.Of(n);
    std::vector<SweepRow> front = figures.front;
    std::sort(front.begin(), front.end(), [&](const SweepRow& x, const SweepRow& y) {
      if (x.latency_s != y.latency_s) return x.latency_s < y.latency_s;
      if (x.energy_pj != y.energy_pj) return x.energy_pj < y.energy_pj;
      if (x.area_mm2 != y.area_mm2) return x.area_mm2 < y.area_mm2;
      return x.index < y.index;
    });
    out += "Pareto front of " + network + ": " + std::to_string(front.size()) + " of " +
           std::to_string(figures.feasible) + " feasible configurations (" +
           std::to_string(figures.within) + " within the constraints); minimizing latency, " +
           "energy, area" + (spec.data ? ", -top-1" : spec.fidelity ? ", -SQNR" : "") + "\n";
    std::vector<std::string> head = {"config"};
    if (spec.precisions.size() > 1) {
      head.push_back("precision");
    }
    for (const SweepAxis& a : spec.axes) {
      head.push_back(a.key);
    }
    for (const char* h : {"latency ms", "energy uJ", "area mm2", "TOPS/W", "util %"}) {
      head.push_back(h);
    }
    if (spec.data) {
      head.push_back("top-1 %");
    }
    if (spec.fidelity) {
      head.push_back("SQNR dB");
      head.push_back("p5 dB");
    }
    std::vector<std::vector<std::string>> table = {head};
    for (size_t j = 0; j < front.size() && j < limit; ++j) {
      const SweepRow& r = front[j];
      std::vector<std::string> cells = {std::to_string(r.index)};
      if (spec.precisions.size() > 1) {
        cells.push_back(r.precision);
      }
      cells.insert(cells.end(), r.values.begin(), r.values.end());
      cells.push_back(Fixed(r.latency_s * 1e3, 4));
      cells.push_back(Fixed(r.energy_pj / 1e6, 3));
      cells.push_back(Fixed(r.area_mm2, 3));
      cells.push_back(Fixed(r.tops_per_watt, 3));
      cells.push_back(Fixed(r.utilization * 100, 1));
      if (spec.data) {
        cells.push_back(r.top1_pct ? Fixed(*r.top1_pct, 2) : "-");
      }
      if (spec.fidelity) {
        cells.push_back(r.sqnr_db ? Fixed(*r.sqnr_db, 2) : "-");
        cells.push_back(r.sqnr_p5_db ? Fixed(*r.sqnr_p5_db, 2) : "-");
      }
      table.push_back(std::move(cells));
    }
    std::vector<size_t> width(head.size(), 0);
    for (const auto& row : table) {
      for (size_t c = 0; c < row.size(); ++c) {
        width[c] = std::max(width[c], row[c].size());
      }
    }
    for (const auto& row : table) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        line += (c ? "  " : "") + std::string(width[c] - row[c].size(), ' ') + row[c];
      }
      out += line + "\n";
    }
    if (front.size() > limit) {
      out += "... " + std::to_string(front.size() - limit) + " more front rows in the output\n";
    }
  }
  return out;
}

}  // namespace quasar::report
