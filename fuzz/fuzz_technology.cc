// Fuzz target: the technology cost table reader (docs/energy-area.md), ParseCostTable on YAML
// text as if read from workloads/technology/ (so a `base:` names the bundled tables).
#include "fuzz_util.h"
#include "quasar/models/cost/cost_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors([&] {
    quasar::models::ParseCostTable(quasar::fuzz::Text(data, size),
                                   QUASAR_SOURCE_DIR "/workloads/technology/fuzz.yaml",
                                   QUASAR_SOURCE_DIR "/workloads/technology");
  });
}
