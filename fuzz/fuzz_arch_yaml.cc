// Fuzz target: the accelerator reader (docs/arch-format.md), ParseArchSpec on YAML text.
#include "fuzz_util.h"
#include "quasar/models/spec/arch_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quasar::fuzz::AcceptInputErrors(
      [&] { quasar::models::ParseArchSpec(quasar::fuzz::Text(data, size), "fuzz.yaml"); });
}
