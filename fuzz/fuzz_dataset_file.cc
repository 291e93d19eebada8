// Fuzz target: the dataset file reader (docs/accuracy.md), LoadDataset on a dataset .yaml (it
// reads paths only). The data a file names are read as well, so seeds name small ones.
#include "fuzz_util.h"
#include "quasar/models/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const quasar::fuzz::TempFile file(quasar::fuzz::Text(data, size), ".yaml");
  return quasar::fuzz::AcceptInputErrors([&] { quasar::models::LoadDataset(file.path(), 1); });
}
