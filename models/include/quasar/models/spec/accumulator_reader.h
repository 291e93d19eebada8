#pragma once
// Reading of an `accumulator: {bits, overflow}` mapping, shared by the layer, network and
// architecture formats so the three validate it alike.

#include <string>

#include "quasar/models/accumulator.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {

// The fields of parent[key] that are present, validated (bits 8..64, overflow wrap|saturate);
// problems are recorded in the parent's ErrorList. Absent key: an empty override.
AccumulatorOverride ReadAccumulator(const MapReader& parent,
                                    const std::string& key = "accumulator");

}  // namespace quasar::models
