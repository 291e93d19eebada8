// Fuzz target: the .npy reader (models/include/quasar/models/npy.h), ReadNpy on a file (it reads
// paths only), then the conversion to the tensor its dtype gives.
#include "fuzz_util.h"
#include "quasar/models/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const quasar::fuzz::TempFile file(quasar::fuzz::Text(data, size), ".npy");
  return quasar::fuzz::AcceptInputErrors([&] {
    const quasar::models::NpyArray a = quasar::models::ReadNpy(file.path());
    if (a.dtype == quasar::models::NpyDtype::kFloat32) {
      quasar::models::ToFloatTensor(a, file.path());
    } else {
      quasar::models::ToIntTensor(a, file.path());
    }
  });
}
