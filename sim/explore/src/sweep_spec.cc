// The sweep file (sweep.h, docs/sweep.md): parsing and validation of every top-level key (the
// `sweep:` axes are read by sweep_fields.cc, the sample drawn by sweep_sample.cc), the limit on
// the number of configurations, and the rows' contexts; the configurations of a parsed sweep are
// in sweep_configs.cc.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/spec/yaml_reader.h"
#include "quasar/sim/explore/sweep.h"
#include "quasar/sim/explore/text.h"
#include "quasar/models/text_file.h"
#include "sweep_fields.h"

namespace quasar::sim::explore {

using models::MapReader;
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxConfigs = 10000000;

// A name looked up in `dir`, or a path (anything with a '/' or the extension) relative to
// `base_dir`; empty when neither is a file.
std::string ResolvePath(const std::string& name, const std::string& base_dir,
                        const std::string& dir) {
  const fs::path p(name);
  if (name.find('/') != std::string::npos || p.has_extension()) {
    const fs::path full = p.is_absolute() ? p : fs::path(base_dir) / p;
    return IsRegularFile(full.string()) ? full.string() : std::string();
  }
  const fs::path named = fs::path(dir) / (name + ".yaml");
  return IsRegularFile(named.string()) ? named.string() : std::string();
}

// The whole contents of a file ("" when it cannot be read: the loader reports that).
std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every figure of a technology table, in a fixed order, for its fingerprint.
std::string TableText(const models::CostTable& t) {
  std::string out = t.name + ';' + t.node;
  for (const auto& [key, e] : t.entries) {
    out += ';' + key + '=' + FormatNumber(e.value) + e.unit;
    for (const auto& [x, y] : e.points) {
      out += ',' + FormatNumber(x) + ':' + FormatNumber(y);
    }
  }
  return out;
}

// networks x precisions x the axes' sizes, or nullopt as soon as it exceeds `limit` (so a
// product past 2^64 cannot wrap around to an accepted count).
std::optional<size_t> CappedCount(const SweepSpec& s, size_t limit) {
  std::vector<size_t> sizes = {s.networks.size(), s.precisions.size()};
  if (s.sample) {
    sizes.push_back(static_cast<size_t>(s.sample->count));
  } else {
    for (const SweepAxis& a : s.axes) {
      sizes.push_back(a.values.size());
    }
  }
  size_t n = 1;
  for (size_t k : sizes) {
    if (k == 0) {
      return 0;
    }
    if (n > limit / k) {
      return std::nullopt;
    }
    n *= k;
  }
  return n;
}

// `sample: {method, count, seed}` (sweep_sample.h); the points are drawn once the axes are read.
void ReadSample(const MapReader& root, SweepSpec* s) {
  auto m = root.Map("sample", false);
  if (!m) {
    return;
  }
  m->RejectUnknownKeys({"method", "count", "seed"});
  SweepSample sample;
  bool ok = true;
  if (auto method = m->String("method", true)) {
    if (auto parsed = ParseSampleMethod(*method)) {
      sample.method = *parsed;
    } else {
      m->Error("method", "must be random or lhs, got '" + *method + "'");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto count = m->Int("count", true)) {
    if (*count < 1 || static_cast<size_t>(*count) > kMaxConfigs) {
      m->Error("count", "must be in 1.." + std::to_string(kMaxConfigs) + ", got " +
                            std::to_string(*count));
      ok = false;
    }
    sample.count = *count;
  } else {
    ok = false;
  }
  if (auto seed = m->Int("seed", true)) {
    if (*seed < 0) {
      m->Error("seed", "must be an integer >= 0, got " + std::to_string(*seed));
      ok = false;
    }
    sample.seed = static_cast<uint64_t>(*seed);
  } else {
    ok = false;
  }
  if (s->axes.empty()) {
    root.Error("sample", "needs swept fields under `sweep:` to sample from");
    ok = false;
  }
  if (!ok) {
    return;
  }
  // `random` draws distinct points: at most the whole space.
  long double space = 1;
  std::vector<size_t> sizes;
  for (const SweepAxis& a : s->axes) {
    space *= static_cast<long double>(a.values.size());
    sizes.push_back(a.values.size());
  }
  if (sample.method == SampleMethod::kRandom && static_cast<long double>(sample.count) > space) {
    m->Error("count", "exceeds the " + std::to_string(static_cast<uint64_t>(space)) +
                          " points of the swept fields (enumerate them instead), got " +
                          std::to_string(sample.count));
    return;
  }
  s->sample = sample;
  s->points = DrawSample(sample, sizes);
}

void ReadConstraints(const MapReader& root, SweepSpec* s) {
  auto c = root.Map("constraints", false);
  if (!c) {
    return;
  }
  c->RejectUnknownKeys(
      {"max_area_mm2", "max_latency_s", "max_energy_uj", "min_sqnr_db", "min_top1_pct"});
  auto positive = [&](const char* key, std::optional<double>* out) {
    if (auto v = c->Double(key, false)) {
      if (!(*v > 0) || !std::isfinite(*v)) {
        c->Error(key, "must be a finite number > 0, got " + c->Get(key).Scalar());
      } else {
        *out = *v;
      }
    }
  };
  positive("max_area_mm2", &s->constraints.max_area_mm2);
  positive("max_latency_s", &s->constraints.max_latency_s);
  positive("max_energy_uj", &s->constraints.max_energy_uj);
  if (auto v = c->Double("min_sqnr_db", false)) {
    if (!std::isfinite(*v)) {
      c->Error("min_sqnr_db", "must be a finite number, got " + c->Get("min_sqnr_db").Scalar());
    } else if (!s->fidelity) {
      c->Error("min_sqnr_db", "needs fidelity: true, got " + c->Get("min_sqnr_db").Scalar());
    } else {
      s->constraints.min_sqnr_db = *v;
    }
  }
  if (auto v = c->Double("min_top1_pct", false)) {
    if (!(*v >= 0 && *v <= 100)) {
      c->Error("min_top1_pct", "must be a percentage in 0..100, got " +
                                   c->Get("min_top1_pct").Scalar());
    } else if (!s->data) {
      c->Error("min_top1_pct", "needs data: (a labelled dataset), got " +
                                   c->Get("min_top1_pct").Scalar());
    } else {
      s->constraints.min_top1_pct = *v;
    }
  }
}

// `data:` and `images:`: the labelled data of the fidelity runs, loaded once and checked against
// every network. A value with a '/' or an extension is a path relative to the sweep file.
void ReadData(const MapReader& root, const std::string& base_dir,
              const std::vector<models::NetworkSpec>& nets, const std::vector<std::string>& names,
              SweepSpec* s) {
  const auto images = root.Int("images", false);
  const auto data = root.String("data", false);
  if (images && (*images < 1 || !data)) {
    root.Error("images", std::string(data ? "must be >= 1" : "needs data:") + ", got " +
                             root.Get("images").Scalar());
  }
  if (!data) {
    return;
  }
  if (!s->fidelity) {
    root.Error("data", "needs fidelity: true, got '" + *data + "'");
    return;
  }
  const fs::path p(*data);
  const bool is_path = data->find('/') != std::string::npos || p.has_extension();
  const std::string where = is_path && p.is_relative() ? (fs::path(base_dir) / p).string() : *data;
  try {
    auto loaded = std::make_shared<models::Dataset>(
        models::LoadDataset(where, models::kDefaultDataCalibrationSamples));
    for (size_t i = 0; i < nets.size(); ++i) {
      try {
        models::CheckNetworkFitsData(nets[i], *loaded);
      } catch (const InputError& e) {
        root.Error("data", "network '" + names[i] + "': " + e.what());
      }
    }
    s->data = std::move(loaded);
    s->data_name = *data;
    s->images = images && *images >= 1 ? *images : -1;
  } catch (const InputError& e) {
    root.Error("data", e.what());
  }
}

// A fingerprint of the data a sweep evaluates on: the splits' sources, shapes and contents.
std::string DataText(const models::Dataset& d, int64_t images) {
  std::string out = d.name + ';' + std::to_string(d.classes) + ";images=" + std::to_string(images);
  for (const models::DataSplit* split : {&d.calibration, &d.test}) {
    out += ';' + split->source + ';' + std::to_string(split->size());
    out.append(reinterpret_cast<const char*>(split->values.data()),
               split->values.size() * sizeof(float));
    out.append(reinterpret_cast<const char*>(split->labels.data()),
               split->labels.size() * sizeof(int32_t));
  }
  return out;
}

}  // namespace

SweepSpec ParseSweep(const std::string& yaml_text, const std::string& where,
                     const std::string& base_dir, const SweepPaths& paths) {
  const YAML::Node node = models::LoadYamlText(yaml_text, where);
  ErrorList errors(where);
  SweepSpec s;
  s.file = where;
  s.eval_cache = std::make_shared<EvalCache>();
  if (!node.IsMap()) {
    errors.Add("", "a sweep file must be a YAML mapping, got " + models::Describe(node));
    errors.ThrowIfAny();
  }
  const MapReader root(node, "", &errors);
  root.RejectUnknownKeys({"version", "name", "description", "base", "networks", "precisions",
                          "first_last_bits", "objective", "search", "fidelity", "data", "images", "sweep",
                          "constraints", "sample"});
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + root.Get("version").Scalar());
  }
  s.name = root.String("name", false).value_or("");
  root.String("description", false);
  if (auto b = root.String("base", true)) {
    s.base_name = *b;
    const std::string path = ResolvePath(*b, base_dir, paths.accelerator_dir);
    if (path.empty()) {
      root.Error("base", "is neither an architecture file nor a preset of " +
                             paths.accelerator_dir + ", got '" + *b + "'");
    } else {
      try {
        s.base = models::LoadArchSpec(path);
      } catch (const InputError& e) {
        root.Error("base", e.what());
      }
    }
  }
  std::vector<models::NetworkSpec> loaded;
  std::vector<std::string> net_hashes;
  if (auto nets = root.StringList("networks", true)) {
    for (size_t i = 0; i < nets->size(); ++i) {
      const std::string& n = (*nets)[i];
      const std::string key = "networks[" + std::to_string(i) + "]";
      const std::string path = ResolvePath(n, base_dir, paths.zoo_dir);
      if (std::find(s.networks.begin(), s.networks.end(), n) != s.networks.end()) {
        errors.Add(key, "repeats an earlier network, got '" + n + "'");
      } else if (path.empty()) {
        errors.Add(key, "is neither a network file nor a network of the zoo " + paths.zoo_dir +
                            ", got '" + n + "'");
      } else {
        try {
          loaded.push_back(models::LoadNetwork(path));
          s.networks.push_back(n);
          net_hashes.push_back(HashHex(FileText(path)));
        } catch (const InputError& e) {
          errors.Add(key, e.what());
        }
      }
    }
  }
  std::vector<std::optional<std::pair<models::OperandOverride, models::OperandOverride>>> bits;
  s.precisions = root.StringList("precisions", false).value_or(std::vector<std::string>{});
  if (s.precisions.empty()) {
    s.precisions = {"default"};
  }
  for (size_t i = 0; i < s.precisions.size(); ++i) {
    const std::string& p = s.precisions[i];
    const std::string key = "precisions[" + std::to_string(i) + "]";
    bits.emplace_back();
    if (std::find(s.precisions.begin(), s.precisions.begin() + static_cast<long>(i), p) !=
        s.precisions.begin() + static_cast<long>(i)) {
      errors.Add(key, "repeats an earlier precision, got '" + p + "'");
    } else if (p != "default") {
      try {
        bits.back() = models::ParseBitsShorthand(p);
      } catch (const InputError& e) {
        errors.Add(key, e.what());
      }
    }
  }
  if (auto f = root.Int("first_last_bits", false)) {
    if (*f != 0 && (*f < 2 || *f > 16)) {
      root.Error("first_last_bits", "must be 0 (off) or in 2..16, got " + std::to_string(*f));
    } else {
      s.first_last_bits = static_cast<int>(*f);
    }
  }
  if (auto o = root.Choice("objective", compiler::ParseObjective, "cycles, energy or edp")) {
    s.objective = *o;
  }
  if (auto m = root.Choice("search", compiler::ParseMapperSearch,
                           "one of " + compiler::MapperSearchChoices())) {
    s.search = *m;
  }
  s.fidelity = root.Bool("fidelity", false).value_or(false);
  ReadData(root, base_dir, loaded, s.networks, &s);
  if (auto sweep = root.Map("sweep", false)) {
    ReadAxes(*sweep, &s, &errors);
  }
  ReadSample(root, &s);
  ReadConstraints(root, &s);
  if (errors.empty() && !CappedCount(s, kMaxConfigs)) {
    errors.Add("sweep", "gives more than " + std::to_string(kMaxConfigs) +
                            " configurations (the limit of a sweep)");
  }
  errors.ThrowIfAny();
  // Every (network, precision) pair with its resolved precision, as `--bits` and
  // `--first-last-bits` set them in `quasar run`.
  for (size_t n = 0; n < loaded.size(); ++n) {
    for (size_t p = 0; p < s.precisions.size(); ++p) {
      models::NetworkSpec net = loaded[n];
      if (bits[p]) {
        bits[p]->first.ApplyTo(&net.policy.weights);
        bits[p]->second.ApplyTo(&net.policy.activations);
      }
      if (s.first_last_bits) {
        net.policy.first_last_bits =
            *s.first_last_bits == 0 ? std::optional<int>() : std::optional<int>(*s.first_last_bits);
      }
      try {
        net = models::ResolvePrecision(std::move(net));
      } catch (const InputError& e) {
        errors.Add("precisions[" + std::to_string(p) + "]",
                   "network '" + s.networks[n] + "': " + e.what());
      }
      s.nets.push_back(std::move(net));
    }
  }
  try {
    s.table = models::LoadArchCostTable(s.base);
  } catch (const InputError& e) {
    errors.Add("base", e.what());
  }
  errors.ThrowIfAny();
  const std::string common =
      "arch=" + HashHex(models::ArchSpecToYaml(s.base)) + ";tech=" + HashHex(TableText(s.table)) +
      ";objective=" + compiler::ObjectiveName(s.objective) +
      (s.search == compiler::MapperSearch::kFast
           ? std::string()
           : ";search=" + compiler::MapperSearchName(s.search)) +
      ";first_last_bits=" +
      (s.first_last_bits ? std::to_string(*s.first_last_bits) : std::string("file")) +
      ";fidelity=" + (s.fidelity ? "true" : "false") +
      (s.data ? ";data=" + HashHex(DataText(*s.data, s.images)) : std::string());
  for (const std::string& h : net_hashes) {
    s.contexts.push_back(common + ";network=" + h);
  }
  s.prepared = std::make_shared<PreparedNetworks>(s.nets.size());
  return s;
}

SweepSpec LoadSweep(const std::string& path, const SweepPaths& paths) {
  if (!IsRegularFile(path)) {
    throw InputError(path + ": no such sweep file");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    throw InputError(path + ": cannot read the sweep file");
  }
  const std::string dir = fs::path(path).parent_path().string();
  return ParseSweep(text.str(), path, dir.empty() ? "." : dir, paths);
}

}  // namespace quasar::sim::explore
