// Sharded sweeps (report/sweep.h, docs/sweep.md "Running on a cluster"): the part file that
// `quasar sweep --shard I/N` writes, and `quasar sweep-merge`, which reassembles the parts into
// the single-process sweep's CSV. The merge needs no sweep file: the part files carry the
// sweep's fingerprint, the shard and the configuration count, and each row its
// within_constraints mark; only the Pareto marks need every row, so they are recomputed here
// (sim::explore::ParetoMarks, the function MarkFront uses).

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

#include "quasar/models/error.h"
#include "quasar/report/sweep.h"
#include "quasar/report/text.h"

namespace quasar::report {

namespace {

// Splits "# quasar sweep shard I/N of T configurations, sweep H" (I, N, T: 1..18 decimal
// digits; H: 16 lowercase hex digits) into m[1..4]; false if the line has another form.
bool ParseShardLine(const std::string& line, std::string m[5]) {
  size_t at = 0;
  const auto literal = [&](const char* text) {
    const std::string t(text);
    if (line.compare(at, t.size(), t) != 0) {
      return false;
    }
    at += t.size();
    return true;
  };
  const auto field = [&](std::string* out, size_t min, size_t max, const char* digits) {
    const size_t end = std::min(line.find_first_not_of(digits, at), line.size());
    if (end - at < min || end - at > max) {
      return false;
    }
    *out = line.substr(at, end - at);
    at = end;
    return true;
  };
  const char* dec = "0123456789";
  return literal("# quasar sweep shard ") && field(&m[1], 1, 18, dec) && literal("/") &&
         field(&m[2], 1, 18, dec) && literal(" of ") && field(&m[3], 1, 18, dec) &&
         literal(" configurations, sweep ") && field(&m[4], 16, 16, "0123456789abcdef") &&
         at == line.size();
}

// One part file being merged.
struct Part {
  std::string path;
  size_t index = 0, count = 0, total = 0;
  std::string fingerprint, header;
};

// Reads one line without its '\n'; false at the end of the file. `cut` is set when the line
// has no '\n' (the last line of an interrupted write).
bool ReadLine(std::istream& in, std::string* line, bool* cut) {
  if (!std::getline(in, *line)) {
    return false;
  }
  *cut = in.eof();
  return true;
}

// Opens a part file and reads its shard line and header into `part`.
// (A pointer, not a stream by value: GCC 12 flags moving an ifstream, under the sanitizers, as
// a stringop-overflow.)
std::unique_ptr<std::ifstream> OpenPart(const std::string& path, Part* part) {
  auto owned = std::make_unique<std::ifstream>(path, std::ios::binary);
  std::ifstream& in = *owned;
  if (!in) {
    throw InputError(path + ": cannot read the shard's part file");
  }
  part->path = path;
  std::string line;
  bool cut = false;
  std::string m[5];  // the shard line's fields, m[1..4] as a regex's groups would number them
  if (!ReadLine(in, &line, &cut) || !ParseShardLine(line, m)) {
    throw InputError(path + ": line 1: not a part file of a sharded sweep (`quasar sweep --shard " +
                     "I/N` starts it with '# quasar sweep shard I/N of T configurations, sweep " +
                     "<hash>'), got '" + line + "'");
  }
  part->index = std::stoull(m[1]);
  part->count = std::stoull(m[2]);
  part->total = std::stoull(m[3]);
  part->fingerprint = m[4];
  if (part->count == 0 || part->index >= part->count) {
    throw InputError(path + ": line 1: shard must be I/N with I < N, got " + m[1] + "/" + m[2]);
  }
  if (!ReadLine(in, &part->header, &cut) || cut) {
    throw InputError(path + ": line 2: the CSV header is missing");
  }
  return owned;
}

// A strict number parse of a cell; InputError naming the file, line and column.
double Number(const std::string& cell, const Part& part, size_t line, const std::string& column) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0' || errno == ERANGE) {
    throw InputError(part.path + ": line " + std::to_string(line) + ": " + column +
                     ": must be a number, got '" + cell + "'");
  }
  return v;
}

std::string ShardName(const Part& p) {
  return std::to_string(p.index) + "/" + std::to_string(p.count);
}

}  // namespace

std::string SweepFingerprint(const SweepSpec& spec) {
  std::string s = SweepCsvHeader(spec);
  const auto list = [&](const std::vector<std::string>& items) {
    for (const std::string& i : items) {
      s += i + '\x1f';
    }
    s += '\x1e';
  };
  list(spec.networks);
  list(spec.precisions);
  for (const sim::explore::SweepAxis& a : spec.axes) {
    s += a.key + '\x1d';
    list(a.values);
  }
  list(spec.contexts);
  if (spec.sample) {
    s += "sample=" + sim::explore::SampleText(*spec.sample) + '\x1e';
  }
  const auto bound = [&](const std::optional<double>& v) {
    s += (v ? FormatNumber(*v) : std::string("-")) + '\x1f';
  };
  const sim::explore::Constraints& c = spec.constraints;
  bound(c.max_area_mm2);
  bound(c.max_latency_s);
  bound(c.max_energy_uj);
  bound(c.min_sqnr_db);
  bound(c.min_top1_pct);
  return sim::explore::HashHex(s);
}

std::string SweepShardLine(const SweepSpec& spec, size_t index, size_t count) {
  return "# quasar sweep shard " + std::to_string(index) + "/" + std::to_string(count) + " of " +
         std::to_string(spec.ConfigCount()) + " configurations, sweep " + SweepFingerprint(spec) +
         "\n";
}

std::string SweepShardCsv(const SweepSpec& spec, const std::vector<SweepRow>& rows, size_t index,
                          size_t count) {
  std::string out = SweepShardLine(spec, index, count) + SweepCsvHeader(spec);
  for (const SweepRow& r : rows) {
    out += SweepCsvLine(spec, r, sim::explore::WithinConstraints(spec, r), std::nullopt);
  }
  return out;
}

size_t MergeSweepShards(const std::vector<std::string>& paths, std::ostream& out) {
  if (paths.empty()) {
    throw InputError("sweep-merge: no part files given");
  }
  // Pass 1: check the parts belong together, and read the figures the front needs.
  std::vector<Part> parts(paths.size());
  std::map<size_t, size_t> by_shard;  // shard index -> position in `parts`
  for (size_t k = 0; k < paths.size(); ++k) {
    Part& p = parts[k];
    OpenPart(paths[k], &p);
    const Part& first = parts[0];
    if (p.fingerprint != first.fingerprint || p.total != first.total || p.header != first.header) {
      throw InputError(p.path + ": comes from another sweep than " + first.path + " (sweep " +
                       p.fingerprint + " of " + std::to_string(p.total) + " configurations, not " +
                       first.fingerprint + " of " + std::to_string(first.total) + ")");
    }
    if (p.count != first.count) {
      throw InputError(p.path + ": shard " + ShardName(p) + ", but " + first.path + " is shard " +
                       ShardName(first) + ": the parts must come from one --shard I/N split");
    }
    const auto [it, added] = by_shard.emplace(p.index, k);
    if (!added) {
      throw InputError(p.path + ": shard " + ShardName(p) + " again (also " +
                       parts[it->second].path + ")");
    }
  }
  const size_t count = parts[0].count, total = parts[0].total;
  for (size_t i = 0; i < count; ++i) {
    if (!by_shard.count(i)) {
      throw InputError("sweep-merge: shard " + std::to_string(i) + "/" + std::to_string(count) +
                       " is missing (" + std::to_string(parts.size()) + " of " +
                       std::to_string(count) + " part files given)");
    }
  }
  std::vector<std::string> columns;
  SplitCsvLine(parts[0].header, &columns);
  const auto column = [&](const std::string& name) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) {
        return static_cast<long>(i);
      }
    }
    return -1L;
  };
  const long c_config = column("config"), c_network = column("network"),
             c_latency = column("latency_s"), c_energy = column("energy_pj"),
             c_area = column("area_mm2"), c_sqnr = column("sqnr_db"), c_top1 = column("top1_pct"),
             c_within = column("within_constraints"), c_pareto = column("pareto");
  if (c_config != 0 || c_network < 0 || c_latency < 0 || c_energy < 0 || c_area < 0 ||
      c_within < 0 || c_pareto < 0) {
    throw InputError(parts[0].path + ": line 2: not a sweep's CSV header, got '" +
                     parts[0].header + "'");
  }
  const sim::explore::FrontObjective fourth = c_top1 >= 0   ? sim::explore::FrontObjective::kTop1
                                              : c_sqnr >= 0 ? sim::explore::FrontObjective::kSqnr
                                                            : sim::explore::FrontObjective::kNone;
  std::vector<SweepRow> rows(total);
  std::vector<bool> candidate(total, false);
  std::vector<std::string> cells;
  for (Part& p : parts) {
    const std::unique_ptr<std::ifstream> opened = OpenPart(p.path, &p);
    std::ifstream& in = *opened;
    std::string line;
    bool cut = false;
    size_t expected = p.index, line_no = 2;
    while (ReadLine(in, &line, &cut)) {
      ++line_no;
      const std::string where = p.path + ": line " + std::to_string(line_no) + ": ";
      if (cut) {
        throw InputError(where + "cut short (no line break at the end of the file)");
      }
      if (!SplitCsvLine(line, &cells) || cells.size() != columns.size()) {
        throw InputError(where + "expected " + std::to_string(columns.size()) + " cells, got '" +
                         line + "'");
      }
      if (expected >= total || cells[0] != std::to_string(expected)) {
        throw InputError(where + "config: shard " + ShardName(p) + " of " +
                         std::to_string(total) + " configurations expects " +
                         (expected >= total ? std::string("no more rows")
                                            : "configuration " + std::to_string(expected)) +
                         ", got '" + cells[0] + "'");
      }
      const std::string& within = cells[static_cast<size_t>(c_within)];
      if ((within != "true" && within != "false") || !cells[static_cast<size_t>(c_pareto)].empty()) {
        throw InputError(where + "within_constraints must be true or false and pareto empty " +
                         "in a part file, got '" + within + "' and '" +
                         cells[static_cast<size_t>(c_pareto)] + "'");
      }
      SweepRow& r = rows[expected];
      r.index = expected;
      r.network = cells[static_cast<size_t>(c_network)];
      r.latency_s = Number(cells[static_cast<size_t>(c_latency)], p, line_no, "latency_s");
      r.energy_pj = Number(cells[static_cast<size_t>(c_energy)], p, line_no, "energy_pj");
      r.area_mm2 = Number(cells[static_cast<size_t>(c_area)], p, line_no, "area_mm2");
      const auto optional = [&](long c, const char* name) -> std::optional<double> {
        if (c < 0 || cells[static_cast<size_t>(c)].empty()) {
          return std::nullopt;
        }
        return Number(cells[static_cast<size_t>(c)], p, line_no, name);
      };
      r.sqnr_db = optional(c_sqnr, "sqnr_db");
      r.top1_pct = optional(c_top1, "top1_pct");
      candidate[expected] = within == "true";
      expected += count;
    }
    if (expected < total) {
      throw InputError(p.path + ": shard " + ShardName(p) + " ends at line " +
                       std::to_string(line_no) + " before configuration " +
                       std::to_string(expected) + " of " + std::to_string(total) +
                       " (an incomplete part file)");
    }
  }
  const std::vector<bool> pareto = sim::explore::ParetoMarks(rows, candidate, fourth);
  rows.clear();
  rows.shrink_to_fit();

  // Pass 2: the rows in configuration order (configuration c is shard c % N's next row), with
  // the Pareto mark filled in.
  std::vector<std::unique_ptr<std::ifstream>> in(count);
  for (const Part& p : parts) {
    Part again;
    in[p.index] = OpenPart(p.path, &again);
  }
  out << parts[0].header << '\n';
  std::string line;
  bool cut = false;
  for (size_t c = 0; c < total; ++c) {
    if (!ReadLine(*in[c % count], &line, &cut) || !SplitCsvLine(line, &cells) ||
        cells.size() != columns.size()) {
      throw InputError(parts[by_shard.at(c % count)].path + ": changed while being merged");
    }
    cells[static_cast<size_t>(c_pareto)] = pareto[c] ? "true" : "false";
    out << CsvLine(cells);
  }
  return total;
}

}  // namespace quasar::report
