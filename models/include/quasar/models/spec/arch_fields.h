#pragma once
// Every field of the accelerator format (docs/arch-format.md), declared once: its key path,
// kind, whether it is required, its unit and range, its accepted names, whether a sweep may vary
// it, a one-line description, and how to read and write it in an ArchSpec. The parser
// (arch_spec.cc), the writer (arch_spec_write.cc), the sweep axes and their validation
// (sim/explore) and `quasar arch --fields` (the key table of docs/arch-format.md, checked by a
// test) all read this table. A new field is one row here plus its member in ArchSpec.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {

enum class ArchFieldKind {
  kInt,   // an integer in [lo, hi]
  kReal,  // a number in [lo, hi], lo > 0
  kName,  // one of `names`
  kBool,  // true | false
  kText,  // free text (`non_empty`: not "")
};

using ArchValue = std::variant<int64_t, double, bool, std::string>;

struct ArchField {
  std::string key;  // key path, e.g. "mac.accumulator.bits"
  ArchFieldKind kind;
  bool required = false;
  double lo = 0, hi = 0;
  std::string unit;  // e.g. "bits"; for kReal also the unit its range message names
  std::vector<std::string> names;  // kName, in the enum's order
  bool power_of_two = false;       // kInt: also a power of two
  bool non_empty = false;          // kText
  bool sweepable = false;          // a sweep axis may vary it
  bool omit_empty = false;         // kText: the writer leaves it out when empty
  std::string doc;                 // one line, for the key table
  ArchValue (*get)(const ArchSpec&) = nullptr;
  void (*set)(ArchSpec*, const ArchValue&) = nullptr;
  // Whether a count can change with it: a layer's mapping, cycles or events, in any backend.
  // False for the fields that change only how the counts are priced or what values the
  // accumulators hold (the clock, the overflow mode): a sweep's configurations that differ only
  // in these share every mapping and evaluation (sim/explore's SharedCountsRun).
  bool counts = true;
};

// Every field, in the format's order (the order of the writer's keys and the parser's
// messages).
const std::vector<ArchField>& ArchFields();
// The field of `key`, or nullptr.
const ArchField* FindArchField(const std::string& key);

// The field's range or names as the key table shows them, e.g. "bits, 1..16" or "`os`, `ws`,
// `is`".
std::string ArchFieldRange(const ArchField& f);
// kReal: whether `v` is in the field's range (false for NaN), and the rule an error states,
// "must be a number >= 0.001 and <= 65536".
bool RealInRange(const ArchField& f, double v);
std::string RealRangeRule(const ArchField& f);
// The default value (ArchSpec{}'s) as the key table shows it, "" for required fields.
std::string ArchFieldDefault(const ArchField& f);
// The key table of docs/arch-format.md (Markdown), from ArchFields().
std::string ArchFieldsMarkdown();

// The shortest decimal text that reads back as exactly `v` ("0.1", not "0.10000000000000001";
// "700", not "700.0"): how the writer and the key table print numbers.
std::string ShortestNumber(double v);

}  // namespace quasar::models
