// .npy batches: samples [N, ...] (float32 or an integer dtype) and labels [N] in a second file.

#include "quasar/models/error.h"
#include "quasar/models/npy.h"
#include "readers.h"

namespace quasar::models::data {

std::string NpyLabelsPath(const std::string& samples) {
  const std::string ext = ".npy";
  const bool has_ext =
      samples.size() > ext.size() && samples.compare(samples.size() - ext.size(), 4, ext) == 0;
  return (has_ext ? samples.substr(0, samples.size() - ext.size()) : samples) + ".labels.npy";
}

RawData ReadNpyBatch(const std::string& samples, const std::string& labels, Rows rows) {
  const NpyArray x = ReadNpy(samples);
  if (x.shape.size() < 2) {
    throw InputError(samples + ": a batch has shape [N, ...], got rank " +
                     std::to_string(x.shape.size()));
  }
  RawData d;
  d.sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  if (d.sample_shape.size() == 2) {  // [N, H, W]: one channel
    d.sample_shape.insert(d.sample_shape.begin(), 1);
  }
  if (x.dtype == NpyDtype::kFloat32) {
    d.values = x.floats;
  } else {
    d.values.assign(x.ints.begin(), x.ints.end());
  }
  const NpyArray y = ReadNpy(labels);
  if (y.dtype == NpyDtype::kFloat32 || y.shape.size() != 1) {
    throw InputError(labels + ": labels are a rank-1 integer array, got " +
                     NpyDtypeName(y.dtype) + " of rank " + std::to_string(y.shape.size()));
  }
  if (y.shape[0] != x.shape[0]) {
    throw InputError(labels + ": " + std::to_string(y.shape[0]) + " labels for the " +
                     std::to_string(x.shape[0]) + " samples of " + samples);
  }
  for (size_t i = 0; i < y.ints.size(); ++i) {
    if (y.ints[i] < 0 || y.ints[i] > (1 << 24)) {
      throw InputError(labels + ": label " + std::to_string(i) + " is " +
                       std::to_string(y.ints[i]) + ", not a class index");
    }
  }
  d.labels.assign(y.ints.begin(), y.ints.end());
  SliceRows(&d, rows, samples);
  return d;
}

}  // namespace quasar::models::data
