#pragma once
// The JSON form of a Schedule (docs/schedule-format.md): what `quasar compile` writes and every
// backend can read back. The round trip is exact: ScheduleFromJson(ScheduleToJson(s)) has every
// field of `s`. Enums are written as their names (LoopOrderName, ObjectiveName, LayerKindName).

#include <string>

#include "quasar/compiler/schedule.h"

namespace quasar::compiler {

// Text of a JSON document (pretty, 2-space indent, ending in a newline) with every field of the
// Schedule. Throws InputError if a string (a layer name, a warning) is not valid UTF-8.
std::string ScheduleToJson(const Schedule& s);

// Parses the text of ScheduleToJson back. Throws quasar::InputError listing every problem, each
// as "<where>: <json.path>: <problem>, got <value>" (e.g. "layers[3].tiling.order"): text that is
// not JSON, a missing key, a wrong type, an unknown or duplicate key, an unknown enum name, or a
// value out of range (version != 1, tile extents < 1, pack < 1, bits outside 1..64, negative
// sizes and counts).
Schedule ScheduleFromJson(const std::string& text, const std::string& where);

// Writes ScheduleToJson(s) to `path`; InputError naming the file if it cannot be written.
void SaveSchedule(const Schedule& s, const std::string& path);

// Reads and parses a schedule file; InputError naming the file if it cannot be read or is
// malformed.
Schedule LoadSchedule(const std::string& path);

}  // namespace quasar::compiler
