// The ArchSpec fields a sweep may vary (sweep.h, docs/sweep.md): those the arch format's field
// table (models/spec/arch_fields.h) marks sweepable, with its kinds, ranges and names; reading
// one axis of values (a value, a list or a range) with messages naming the key path and value,
// and an ArchSpec with one value changed.

#include "sweep_fields.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "quasar/models/error.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/sim/explore/text.h"

namespace quasar::sim::explore {

using models::ArchSpec;
using models::MapReader;

namespace {

using Field = models::ArchField;
using Kind = models::ArchFieldKind;

// A sweepable field of the arch format, or nullptr.
const Field* FindField(const std::string& key) {
  const Field* f = models::FindArchField(key);
  return f != nullptr && f->sweepable ? f : nullptr;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

constexpr size_t kMaxAxisValues = 10000;

// Checks one value of `f` read from `node`; records a problem under `path` and returns nullopt,
// or returns its canonical text.
std::optional<std::string> ReadValue(const Field& f, const YAML::Node& node,
                                     const std::string& path, ErrorList* errors) {
  if (!node.IsScalar()) {
    errors->Add(path, "must be a single value, got " + models::Describe(node));
    return std::nullopt;
  }
  const std::string raw = node.Scalar();
  if (f.kind == Kind::kName) {
    if (std::find(f.names.begin(), f.names.end(), raw) == f.names.end()) {
      errors->Add(path, "must be " + Join(f.names, ", ") + ", got '" + raw + "'");
      return std::nullopt;
    }
    return raw;
  }
  if (f.kind == Kind::kBool) {
    bool b = false;
    if (!YAML::convert<bool>::decode(node, b)) {
      errors->Add(path, "must be true or false, got " + models::Describe(node));
      return std::nullopt;
    }
    return std::string(b ? "true" : "false");
  }
  if (f.kind == Kind::kInt) {
    int64_t v = 0;
    if (!YAML::convert<int64_t>::decode(node, v)) {
      errors->Add(path, "must be an integer, got " + models::Describe(node));
      return std::nullopt;
    }
    if (v < f.lo || v > f.hi) {
      errors->Add(path,
                  "must be in " + FormatNumber(f.lo) + ".." + FormatNumber(f.hi) + ", got " + raw);
      return std::nullopt;
    }
    return std::to_string(v);
  }
  double v = 0;
  if (!YAML::convert<double>::decode(node, v)) {
    errors->Add(path, "must be a number, got " + models::Describe(node));
    return std::nullopt;
  }
  if (!models::RealInRange(f, v)) {
    errors->Add(path, models::RealRangeRule(f) + ", got " + raw);
    return std::nullopt;
  }
  return FormatNumber(v);
}

// `v` rounded to 15 significant decimal digits, which every decimal a range file can give
// (from, step, factor) holds exactly: a range's values are the decimals one would write
// (100 + 8954 * 0.1 is 995.4, not 995.4000000000001; 100 * 1.1 is 110, not 110.00000000000001).
double RangeValue(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return std::strtod(buf, nullptr);
}

// A range {from, to, step} or {from, to, factor} of a numeric field; empty on error.
std::vector<std::string> ReadRange(const Field& f, const MapReader& m, const std::string& path,
                                   ErrorList* errors) {
  m.RejectUnknownKeys({"from", "to", "step", "factor"});
  const auto from = m.Double("from", true);
  const auto to = m.Double("to", true);
  const bool has_step = m.Has("step"), has_factor = m.Has("factor");
  if (has_step == has_factor) {
    errors->Add(path, std::string("a range {from, to, step | factor} needs exactly one of step or "
                                  "factor, got ") +
                          (has_step ? "both" : "neither"));
    return {};
  }
  const auto by = m.Double(has_step ? "step" : "factor", true);
  if (!from || !to || !by) {
    return {};
  }
  const std::string by_key = has_step ? "step" : "factor";
  if (!std::isfinite(*from) || !std::isfinite(*to) || *from > *to) {
    m.Error("to", "must be finite and >= from (" + FormatNumber(*from) + "), got " +
                      m.Get("to").Scalar());
    return {};
  }
  if (f.kind == Kind::kInt) {  // rounding a fraction could repeat or drop values
    auto whole = [&](const char* key, double v) {
      if (v != std::floor(v)) {
        m.Error(key, "must be an integer for an integer field, got " + m.Get(key).Scalar());
      }
      return v == std::floor(v);
    };
    const bool from_ok = whole("from", *from), to_ok = whole("to", *to);
    if (!from_ok || !to_ok) {
      return {};
    }
  }
  const bool integer_step = f.kind != Kind::kInt || *by == std::floor(*by);
  if (!std::isfinite(*by) || (has_step ? *by <= 0 : *by <= 1) || !integer_step) {
    m.Error(by_key, std::string("must be ") + (f.kind == Kind::kInt ? "an integer " : "a number ") +
                        (has_step ? "> 0" : "> 1") + ", got " + m.Get(by_key).Scalar());
    return {};
  }
  std::vector<double> raw;
  const double tolerance = 1e-9 * std::max(1.0, std::fabs(*to));
  if (has_step) {
    const double n = std::floor((*to - *from) / *by + 1e-9);
    for (double i = 0; i <= n && raw.size() <= kMaxAxisValues; ++i) {
      raw.push_back(RangeValue(*from + i * *by));
    }
  } else {
    if (*from <= 0) {
      m.Error("from", "must be > 0 with factor, got " + m.Get("from").Scalar());
      return {};
    }
    for (double v = *from; v <= *to + tolerance && raw.size() <= kMaxAxisValues; v *= *by) {
      raw.push_back(RangeValue(v));
    }
  }
  if (raw.size() > kMaxAxisValues) {
    errors->Add(path, "gives more than " + std::to_string(kMaxAxisValues) + " values");
    return {};
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    const double v = f.kind == Kind::kInt ? std::round(raw[i]) : raw[i];
    const std::string item = path + "[" + std::to_string(i) + "]";
    if (auto s = ReadValue(f, YAML::Node(FormatNumber(v)), item, errors)) {
      if (std::find(out.begin(), out.end(), *s) != out.end()) {
        errors->Add(item, "repeats an earlier value of the range (too small a step), got " + *s +
                              " (from " + FormatNumber(raw[i]) + ")");
        return {};
      }
      out.push_back(*s);
    } else {
      return {};
    }
  }
  return out;
}

}  // namespace

void ReadAxes(const MapReader& sweep, SweepSpec* s, ErrorList* errors) {
  sweep.RejectDuplicateKeys();
  for (const std::string& key : sweep.Keys()) {
    const Field* f = FindField(key);
    if (!f) {
      sweep.Error(key, "unknown field (sweepable: " + Join(SweepableKeys(), ", ") + ")");
      continue;
    }
    const YAML::Node n = sweep.Get(key);
    SweepAxis axis{key, {}, f->kind == Kind::kInt || f->kind == Kind::kReal};
    bool ok = true;
    if (n.IsMap()) {
      if (!axis.numeric) {
        sweep.Error(key, "a range needs a numeric field, got " + models::Describe(n));
        continue;
      }
      axis.values =
          ReadRange(*f, MapReader(n, sweep.PathOf(key), errors), sweep.PathOf(key), errors);
      ok = !axis.values.empty();
    } else if (n.IsSequence()) {
      if (n.size() == 0) {
        sweep.Error(key, "must list at least one value, got []");
        continue;
      }
      for (size_t i = 0; i < n.size(); ++i) {
        const std::string path = sweep.PathOf(key) + "[" + std::to_string(i) + "]";
        auto v = ReadValue(*f, n[i], path, errors);
        if (!v) {
          ok = false;
        } else if (std::find(axis.values.begin(), axis.values.end(), *v) != axis.values.end()) {
          errors->Add(path, "repeats an earlier value, got " + n[i].Scalar());
          ok = false;
        } else {
          axis.values.push_back(*v);
        }
      }
    } else {
      auto v = ReadValue(*f, n, sweep.PathOf(key), errors);
      ok = v.has_value();
      if (v) {
        axis.values.push_back(*v);
      }
    }
    if (ok) {
      s->axes.push_back(std::move(axis));
    }
  }
}

std::vector<std::string> SweepableKeys() {
  std::vector<std::string> keys;
  for (const Field& f : models::ArchFields()) {
    if (f.sweepable) {
      keys.push_back(f.key);
    }
  }
  return keys;
}

ArchSpec WithAxisValue(const ArchSpec& base, const std::string& key, const std::string& v) {
  const Field* f = FindField(key);
  if (f == nullptr) {
    throw std::logic_error("WithAxisValue: not a sweepable field: " + key);
  }
  ArchSpec a = base;
  switch (f->kind) {
    case Kind::kInt:
      f->set(&a, static_cast<int64_t>(std::stoll(v)));
      break;
    case Kind::kReal:
      f->set(&a, std::strtod(v.c_str(), nullptr));
      break;
    case Kind::kBool:
      f->set(&a, v == "true");
      break;
    case Kind::kName:
    case Kind::kText:
      f->set(&a, v);
      break;
  }
  return a;
}

}  // namespace quasar::sim::explore
