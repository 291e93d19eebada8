// Fuzz target: the CSV dataset reader (models/include/quasar/models/data/dataset.h), LoadDataset
// on a .csv file (it reads paths only), one sample set aside for calibration.
#include "fuzz_util.h"
#include "quasar/models/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const quasar::fuzz::TempFile file(quasar::fuzz::Text(data, size), ".csv");
  return quasar::fuzz::AcceptInputErrors([&] { quasar::models::LoadDataset(file.path(), 1); });
}
