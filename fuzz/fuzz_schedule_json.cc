// Fuzz target: the schedule reader (docs/schedule-format.md), ScheduleFromJson on JSON text.
#include "fuzz_util.h"
#include "quasar/compiler/schedule_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors(
      [&] { quasar::compiler::ScheduleFromJson(quasar::fuzz::Text(data, size), "fuzz.json"); });
}
