#pragma once
// Labelled data for accuracy runs: a test split to evaluate on and a disjoint calibration split
// to quantize with, each a block of normalized float samples and their class labels.
//
// `--data` takes a dataset name (workloads/datasets/<name>.yaml: fashion-mnist, digits), a
// dataset file, or a path to the data itself:
//   *.idx / *-idx3-ubyte[.gz]  IDX images, with the labels file named by replacing "images" with
//                              "labels" and "idx3" with "idx1" (the MNIST naming);
//   *.npy                      an [N, C, H, W], [N, H, W] or [N, F] batch, labels in
//                              <stem>.labels.npy;
//   *.csv[.gz]                 one sample per row, the label in the last column;
//   a directory                PNG images (8-bit grey, grey+alpha dropped, RGB, RGBA dropped)
//                              listed with their labels in labels.csv ("file,label" rows).
// A bare path has no train split: its first `calibration_samples` samples calibrate and the rest
// are evaluated. A dataset file names both splits and the normalization (docs/datasets.md).

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/tensor.h"

namespace quasar::models {

// x = (raw * scale - mean[c]) / std[c], per channel c (one entry: every channel).
struct Normalization {
  double scale = 1.0;
  std::vector<double> mean{0.0};
  std::vector<double> std{1.0};
};

// Samples, row-major, each of sample_shape, already normalized; labels in [0, classes).
struct DataSplit {
  std::string source;  // where it was read, for messages
  Shape sample_shape;  // [C, H, W] or [F]
  std::vector<float> values;
  std::vector<int32_t> labels;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t sample_size() const;
  // Sample i as a network input of shape `shape` (e.g. [1, C, H, W]); the element counts must
  // agree (checked by CheckSamplesFit).
  FloatTensor Sample(int64_t i, const Shape& shape) const;
};

struct Dataset {
  std::string name;
  int classes = 0;        // 0 for a bare path: the network's output count
  DataSplit calibration;  // disjoint from `test`
  DataSplit test;
};

// The dataset directory: $QUASAR_DATASETS if set, else workloads/datasets of the source tree.
std::string DatasetDir();
// Dataset names (file stems of DatasetDir()), sorted.
std::vector<std::string> DatasetNames();

// How many samples of a bare data path calibrate when the user does not say (--calib-samples).
constexpr int kDefaultDataCalibrationSamples = 256;

// Loads a dataset by name, dataset file or data path (see above). `calibration_samples` is how
// many samples a bare path sets aside for calibration. Throws InputError naming the file (and
// key, or sample) for a missing or corrupt file, inconsistent sample shapes, a label count that
// differs from the sample count, or a label outside [0, classes).
Dataset LoadDataset(const std::string& name_or_path, int calibration_samples);

// InputError unless a sample of `split` fills a network input of `input_shape` ([1, ...] with
// the same dimensions after the batch, or the same element count for a flat [F] sample) and the
// network's output has `classes` elements (for a bare path: more than any label). `input` and `output` name them in the message.
void CheckDatasetFits(const Dataset& data, const std::string& input, const Shape& input_shape,
                      const std::string& output, const Shape& output_shape);

}  // namespace quasar::models
