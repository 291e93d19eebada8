// Fuzz target: the layer spec reader (docs/layer-spec.md), ParseLayerSpec on YAML text.
#include "fuzz_util.h"
#include "quasar/models/spec/layer_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors(
      [&] { quasar::models::ParseLayerSpec(quasar::fuzz::Text(data, size), "fuzz.yaml"); });
}
