// Fuzz target: the sweep file reader (docs/sweep.md), ParseSweep on YAML text as if read from
// workloads/sweeps/, with the zoo and the accelerator presets of the source tree.
#include "fuzz_util.h"
#include "quasar/sim/explore/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const quasar::sim::explore::SweepPaths paths{
      QUASAR_SOURCE_DIR "/workloads/networks", QUASAR_SOURCE_DIR "/workloads/accelerators"};
  return quasar::fuzz::AcceptInputErrors([&] {
    quasar::sim::explore::ParseSweep(quasar::fuzz::Text(data, size), "fuzz.yaml",
                                     QUASAR_SOURCE_DIR "/workloads/sweeps", paths);
  });
}
