// Datasets by name, dataset file or data path: the split files, the normalization and the checks
// that a dataset fits a network. The readers themselves are one file per format (readers.h).

#include "quasar/models/data/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "quasar/models/error.h"
#include "quasar/models/spec/yaml_reader.h"
#include "readers.h"

namespace quasar::models {
namespace fs = std::filesystem;
using data::RawData;
using data::Rows;

namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string Dims(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(s[i]);
  }
  return out + "]";
}

int64_t Count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    n *= d;
  }
  return n;
}

// Reads a data path in whichever form it has; `labels` empty: the form's own labels file.
RawData ReadData(const std::string& path, std::string labels, Rows rows) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return data::ReadPngFolder(path, rows);
  }
  if (!fs::exists(path, ec)) {
    throw InputError(path + ": no such file or directory");
  }
  if (EndsWith(path, ".npy")) {
    return data::ReadNpyBatch(path, labels.empty() ? data::NpyLabelsPath(path) : labels, rows);
  }
  if (EndsWith(path, ".csv") || EndsWith(path, ".csv.gz")) {
    return data::ReadCsv(path, rows);
  }
  if (path.find("idx") != std::string::npos) {
    if (labels.empty()) {
      labels = data::IdxLabelsPath(path);
      if (labels.empty() || labels == path) {
        throw InputError(path + ": cannot name its labels file (an IDX images file is called "
                         "*images*; or give the labels in a dataset file)");
      }
    }
    return data::ReadIdx(path, labels, rows);
  }
  throw InputError(path + ": not a dataset (a name, a dataset .yaml, IDX images, a .npy batch, "
                   "a .csv or a folder of PNG images with labels.csv)");
}

// Normalizes raw values and checks the labels against `classes` (0: not known yet).
DataSplit Finish(RawData raw, const Normalization& norm, int classes, const std::string& source) {
  DataSplit s;
  s.source = source;
  s.sample_shape = raw.sample_shape;
  const int64_t size = Count(raw.sample_shape);
  const int64_t channels = raw.sample_shape.size() == 3 ? raw.sample_shape[0] : 1;
  const int64_t plane = size / channels;
  for (const auto* list : {&norm.mean, &norm.std}) {
    if (list->size() != 1 && static_cast<int64_t>(list->size()) != channels) {
      throw InputError(source + ": normalize has " + std::to_string(list->size()) +
                       " entries for samples of " + std::to_string(channels) + " channels");
    }
  }
  s.values = std::move(raw.values);
  for (size_t i = 0; i < s.values.size(); ++i) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(i) % size) / plane);
    const double mean = norm.mean.size() == 1 ? norm.mean[0] : norm.mean[c];
    const double sd = norm.std.size() == 1 ? norm.std[0] : norm.std[c];
    s.values[i] = static_cast<float>((s.values[i] * norm.scale - mean) / sd);
  }
  s.labels = std::move(raw.labels);
  if (classes > 0) {
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (s.labels[i] >= classes) {
        throw InputError(source + ": sample " + std::to_string(i) + " has label " +
                         std::to_string(s.labels[i]) + ", outside the " +
                         std::to_string(classes) + " classes [0, " + std::to_string(classes) +
                         ")");
      }
    }
  }
  return s;
}

struct SplitFile {
  std::string data, labels;
  Rows rows;
  Shape shape;  // empty: as read
};

std::optional<SplitFile> ReadSplit(const MapReader& m, const std::string& key,
                                   const fs::path& base) {
  auto split = m.Map(key, true);
  if (!split) {
    return std::nullopt;
  }
  split->RejectUnknownKeys({"data", "labels", "rows", "shape"});
  SplitFile f;
  auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (base / p).string(); };
  if (auto d = split->String("data", true)) {
    f.data = resolve(*d);
  }
  if (auto l = split->String("labels", false)) {
    f.labels = resolve(*l);
  }
  if (auto r = split->IntList("rows", false)) {
    if (r->size() != 2 || (*r)[0] < 0 || (*r)[1] <= (*r)[0]) {
      split->Error("rows", "is [begin, end) with 0 <= begin < end");
    } else {
      f.rows = {(*r)[0], (*r)[1], -1};
    }
  }
  if (auto s = split->IntList("shape", false)) {
    if (s->empty() || std::any_of(s->begin(), s->end(), [](int64_t d) { return d <= 0; })) {
      split->Error("shape", "is a list of positive dimensions");
    } else {
      f.shape = *s;
    }
  }
  return f;
}

// Reads one split of a dataset file, `limit` samples at most (< 0: all).
DataSplit LoadSplit(const SplitFile& f, const Normalization& norm, int classes, int64_t limit,
                    const std::string& where, const std::string& hint) {
  Rows rows = f.rows;
  rows.limit = limit;
  RawData raw;
  try {
    raw = ReadData(f.data, f.labels, rows);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (" + where + hint + ")");
  }
  if (!f.shape.empty()) {
    if (Count(f.shape) != Count(raw.sample_shape)) {
      throw InputError(where + ": shape " + Dims(f.shape) + " does not hold the " +
                       Dims(raw.sample_shape) + " samples of " + f.data);
    }
    raw.sample_shape = f.shape;
  }
  return Finish(std::move(raw), norm, classes, f.data);
}

Dataset LoadDatasetFile(const std::string& path, int calibration_samples) {
  const YAML::Node root = LoadYamlFile(path);
  ErrorList errors(path);
  MapReader m(root, "", &errors);
  m.RejectUnknownKeys({"version", "name", "classes", "source", "package", "normalize", "train",
                       "test"});
  if (auto v = m.Int("version", true); v && *v != 1) {
    m.Error("version", "must be 1, got " + std::to_string(*v));
  }
  Dataset d;
  d.name = m.String("name", true).value_or("");
  if (auto c = m.Int("classes", true)) {
    if (*c < 2 || *c > 100000) {
      m.Error("classes", "is in [2, 100000], got " + std::to_string(*c));
    } else {
      d.classes = static_cast<int>(*c);
    }
  }
  const std::string package = m.String("package", false).value_or("");
  m.String("source", false);
  Normalization norm;
  if (auto n = m.Map("normalize", false)) {
    n->RejectUnknownKeys({"scale", "mean", "std"});
    norm.scale = n->Double("scale", false).value_or(1.0);
    if (auto mean = n->DoubleList("mean", false)) {
      norm.mean = *mean;
    }
    if (auto sd = n->DoubleList("std", false)) {
      norm.std = *sd;
      for (double s : norm.std) {
        if (!(s > 0)) {
          n->Error("std", "entries are positive, got " + std::to_string(s));
        }
      }
    }
    if (!(norm.scale > 0) || norm.mean.empty() || norm.std.empty()) {
      n->Error("scale", "scale is positive and mean/std have at least one entry");
    }
  }
  const fs::path base = fs::path(path).parent_path();
  const auto train = ReadSplit(m, "train", base);
  const auto test = ReadSplit(m, "test", base);
  errors.ThrowIfAny();
  const std::string hint = package.empty() ? "" : "; the Debian package " + package + " has it";
  d.calibration =
      LoadSplit(*train, norm, d.classes, calibration_samples, path + ": train", hint);
  d.test = LoadSplit(*test, norm, d.classes, -1, path + ": test", hint);
  if (d.calibration.sample_shape != d.test.sample_shape) {
    throw InputError(path + ": train samples are " + Dims(d.calibration.sample_shape) +
                     ", test samples " + Dims(d.test.sample_shape));
  }
  return d;
}

}  // namespace

int64_t DataSplit::sample_size() const { return Count(sample_shape); }

FloatTensor DataSplit::Sample(int64_t i, const Shape& shape) const {
  FloatTensor t(shape);
  const int64_t n = sample_size();
  std::copy(values.begin() + i * n, values.begin() + (i + 1) * n, t.data.begin());
  return t;
}

std::string DatasetDir() {
  if (const char* env = std::getenv("QUASAR_DATASETS"); env && *env) {
    return env;
  }
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/datasets";
}

std::vector<std::string> DatasetNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(DatasetDir(), ec)) {
    if (e.path().extension() == ".yaml") {
      names.push_back(e.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Dataset LoadDataset(const std::string& name_or_path, int calibration_samples) {
  std::error_code ec;
  if (!fs::exists(name_or_path, ec)) {
    const std::string file = DatasetDir() + "/" + name_or_path + ".yaml";
    if (name_or_path.find('/') == std::string::npos && fs::exists(file, ec)) {
      return LoadDatasetFile(file, calibration_samples);
    }
    std::string names;
    for (const auto& n : DatasetNames()) {
      names += (names.empty() ? "" : ", ") + n;
    }
    throw InputError("--data " + name_or_path + ": no such file, and not a dataset name (" +
                     names + ")");
  }
  if (EndsWith(name_or_path, ".yaml") || EndsWith(name_or_path, ".yml")) {
    return LoadDatasetFile(name_or_path, calibration_samples);
  }
  // A bare path: no train split, so the first samples calibrate and the rest are evaluated;
  // pixels of IDX and PNG data scale to [0, 1], other data is taken as it is.
  RawData raw = ReadData(name_or_path, "", {});
  const int64_t n = static_cast<int64_t>(raw.labels.size());
  if (n <= calibration_samples) {
    throw InputError(name_or_path + ": " + std::to_string(n) + " samples, not more than the " +
                     std::to_string(calibration_samples) + " set aside for calibration");
  }
  Normalization norm;
  std::error_code dir_ec;
  if (fs::is_directory(name_or_path, dir_ec) || name_or_path.find("idx") != std::string::npos) {
    norm.scale = 1.0 / 255.0;
  }
  Dataset d;  // classes 0: the network's output count, checked by CheckDatasetFits
  d.name = fs::path(name_or_path).filename().string();
  RawData calib = raw;
  data::SliceRows(&calib, {0, calibration_samples, -1}, name_or_path);
  data::SliceRows(&raw, {calibration_samples, n, -1}, name_or_path);
  d.calibration = Finish(std::move(calib), norm, 0, name_or_path);
  d.test = Finish(std::move(raw), norm, 0, name_or_path);
  return d;
}

void CheckDatasetFits(const Dataset& data, const std::string& input, const Shape& input_shape,
                      const std::string& output, const Shape& output_shape) {
  const Shape& s = data.test.sample_shape;
  const bool same_dims = input_shape.size() == s.size() + 1 && input_shape[0] == 1 &&
                         std::equal(s.begin(), s.end(), input_shape.begin() + 1);
  const bool flat = s.size() == 1 && Count(input_shape) == s[0];
  if (!same_dims && !flat) {
    throw InputError(data.test.source + ": samples are " + Dims(s) + ", the network input '" +
                     input + "' is " + Dims(input_shape) + " (image size or channel count differ)");
  }
  if (data.classes == 0) {  // a bare path: every label must name one of the outputs
    for (const DataSplit* split : {&data.calibration, &data.test}) {
      for (size_t i = 0; i < split->labels.size(); ++i) {
        if (split->labels[i] >= Count(output_shape)) {
          throw InputError(split->source + ": a label " + std::to_string(split->labels[i]) +
                           " for the network output '" + output + "' of " +
                           std::to_string(Count(output_shape)) + " classes " +
                           Dims(output_shape));
        }
      }
    }
  } else if (Count(output_shape) != data.classes) {
    throw InputError(data.test.source + ": " + std::to_string(data.classes) +
                     " classes, the network output '" + output + "' has " +
                     std::to_string(Count(output_shape)) + " values " + Dims(output_shape));
  }
}

}  // namespace quasar::models
