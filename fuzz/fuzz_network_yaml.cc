// Fuzz target: the network file reader (docs/network-format.md), ParseNetwork on YAML text.
// Relative .npy paths resolve in tests/data/digits, where the seed digits_cnn.yaml's weights are.
#include "fuzz_util.h"
#include "quasar/models/net/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors([&] {
    quasar::models::ParseNetwork(quasar::fuzz::Text(data, size), "fuzz.yaml",
                                 QUASAR_SOURCE_DIR "/tests/data/digits");
  });
}
