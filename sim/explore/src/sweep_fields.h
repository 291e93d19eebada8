#pragma once
// Private to the sweep sources: reading the `sweep:` mapping of a sweep file into axes, and
// an ArchSpec with an axis value (the arch format's field table says which fields are sweepable).

#include <string>

#include "quasar/models/spec/yaml_reader.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::sim::explore {

// Reads every key of `sweep` (a field's key path -> a value, a list or a range) into s->axes, in
// file order; records each problem (unknown field, value out of the arch format's range, repeated
// value, bad range) in `errors` under its key path.
void ReadAxes(const models::MapReader& sweep, SweepSpec* s, ErrorList* errors);

// `base` with the field `key` set to the canonical value `v` (as ReadAxes produced it); not yet
// checked as a whole (ArchFor re-reads the result through the arch format).
models::ArchSpec WithAxisValue(const models::ArchSpec& base, const std::string& key,
                               const std::string& v);

}  // namespace quasar::sim::explore
