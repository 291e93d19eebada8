#pragma once
// Private to the sweep sources: reading the `sweep:` mapping of a sweep file into axes, and
// applying an axis value to an ArchSpec (sweep_fields.cc holds the table of sweepable fields).

#include <string>

#include "quasar/models/spec/yaml_reader.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::sim::explore {

// Reads every key of `sweep` (a field's key path -> a value, a list or a range) into s->axes, in
// file order; records each problem (unknown field, value out of the arch format's range, repeated
// value, bad range) in `errors` under its key path.
void ReadAxes(const models::MapReader& sweep, SweepSpec* s, ErrorList* errors);

// Sets the field `key` of `a` to the canonical value `v` (as ReadAxes produced it).
void ApplyAxisValue(const std::string& key, const std::string& v, models::ArchSpec* a);

}  // namespace quasar::sim::explore
