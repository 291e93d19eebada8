// Fuzz target: the SCALE-Sim accelerator reader (docs/scalesim.md), ParseScaleSimConfig on .cfg
// text.
#include "fuzz_util.h"
#include "quasar/models/spec/scalesim_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors(
      [&] { quasar::models::ParseScaleSimConfig(quasar::fuzz::Text(data, size), "fuzz.cfg"); });
}
