// Fuzz target: the SCALE-Sim topology reader (docs/scalesim.md), ParseScaleSimCsv on CSV text.
#include "fuzz_util.h"
#include "quasar/models/net/scalesim_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors([&] {
    quasar::models::ParseScaleSimCsv(quasar::fuzz::Text(data, size), "fuzz.csv", "fuzz");
  });
}
