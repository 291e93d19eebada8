// Fuzz target: the IDX dataset reader (models/include/quasar/models/data/dataset.h), LoadDataset
// on an images file and the labels file it pairs with by the MNIST naming. The input holds both:
// a little-endian uint32 n, then n bytes of the images file, then the labels file (an input
// shorter than 4 bytes gives two empty files; n past the end gives an empty labels file).
#include <algorithm>

#include "fuzz_util.h"
#include "quasar/models/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t n = 0;
  if (size >= 4) {
    n = static_cast<size_t>(data[0]) | static_cast<size_t>(data[1]) << 8 |
        static_cast<size_t>(data[2]) << 16 | static_cast<size_t>(data[3]) << 24;
    data += 4;
    size -= 4;
  }
  n = std::min(n, size);
  const quasar::fuzz::TempFile images(quasar::fuzz::Text(data, n), "-images-idx3-ubyte");
  const quasar::fuzz::TempFile labels(quasar::fuzz::Text(data + n, size - n), "-labels-idx1-ubyte");
  return quasar::fuzz::AcceptInputErrors([&] { quasar::models::LoadDataset(images.path(), 1); });
}
