#pragma once
// The data readers behind LoadDataset, one file each. Each returns raw sample values (pixels as
// 0..255, CSV numbers as written) and labels; dataset.cc normalizes and splits them. Every error
// is an InputError that starts with the file it concerns.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quasar/models/tensor.h"

namespace quasar::models::data {

struct RawData {
  Shape sample_shape;
  std::vector<float> values;  // size() * product(sample_shape), row-major
  std::vector<int32_t> labels;
};

// Which samples to keep: [begin, end), end < 0 meaning all, and at most `limit` of them (< 0: no
// limit). Readers that can stop early do.
struct Rows {
  int64_t begin = 0;
  int64_t end = -1;
  int64_t limit = -1;
};

// The end of `rows` in a file of `n` samples; InputError naming `source` if [begin, end) does not
// fit.
int64_t EndOf(Rows rows, int64_t n, const std::string& source);

// A whole file, gunzipped when it is gzip data (zlib reads plain files unchanged). InputError
// for a missing file, a directory, or a corrupt or truncated gzip stream.
std::vector<unsigned char> ReadFileBytes(const std::string& path);

// Calls f(line, line_number) for every line of `text` ('\n' or "\r\n" ends, numbered from 1).
void ForEachLine(const std::string& text,
                 const std::function<void(const std::string&, int64_t)>& f);

// A file read in order, gunzipped as it goes, for readers that stop early.
class GzInput {
 public:
  explicit GzInput(std::string path);  // InputError as ReadFileBytes
  ~GzInput();
  GzInput(const GzInput&) = delete;
  GzInput& operator=(const GzInput&) = delete;
  // Reads exactly `n` bytes; InputError naming `what` if the file ends first or is corrupt.
  void Read(void* out, size_t n, const std::string& what);
  void Skip(uint64_t n, const std::string& what);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* file_;  // gzFile
};

// IDX files (yann.lecun.com/exdb/mnist, "THE IDX FILE FORMAT"): magic 0x0000 + type byte + rank
// byte, big-endian int32 dimensions, then the data; unsigned bytes (type 0x08) only. Images are
// [N, H, W] (one channel) or [N, C, H, W]; labels [N].
RawData ReadIdx(const std::string& images, const std::string& labels, Rows rows);
// The labels file an IDX images file pairs with by the MNIST naming ("images" -> "labels",
// "idx3" -> "idx1"); empty when the name has no "images" in it.
std::string IdxLabelsPath(const std::string& images);

// A .npy batch [N, ...] (float32 or integer) and its labels [N] (integer).
RawData ReadNpyBatch(const std::string& samples, const std::string& labels, Rows rows);
// <stem>.labels.npy beside <stem>.npy.
std::string NpyLabelsPath(const std::string& samples);

// Comma-separated numbers, one sample per row, the class label last (a non-negative integer);
// gzip-compressed if the file is. Samples are [F].
RawData ReadCsv(const std::string& path, Rows rows);

// A directory of PNG images and labels.csv ("file,label" per row, an optional "file,label"
// header), every image of one size: grey images give [1, H, W], colour ones [3, H, W].
RawData ReadPngFolder(const std::string& dir, Rows rows);

// Keeps rows [begin, end) of `d` (end < 0: to the end); InputError naming `source` if the range
// does not fit.
void SliceRows(RawData* d, Rows rows, const std::string& source);

}  // namespace quasar::models::data
