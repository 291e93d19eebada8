// IDX files, the format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist, "THE IDX FILE
// FORMAT"): two zero bytes, a type byte (0x08: unsigned byte), a rank byte, the dimensions as
// big-endian 32-bit integers, then the data in row-major order. Only the samples asked for are
// decompressed.

#include <algorithm>
#include <cstdio>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "readers.h"

namespace quasar::models::data {
namespace {

// Reads the header; returns the dimensions.
Shape ReadHeader(GzInput* in) {
  unsigned char magic[4];
  in->Read(magic, 4, "the IDX header");
  if (magic[0] != 0 || magic[1] != 0) {
    throw InputError(in->path() + ": not an IDX file (it does not start with two zero bytes)");
  }
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    throw InputError(in->path() + ": IDX data type " + type +
                     " is not supported (unsigned byte, 0x08, only)");
  }
  if (magic[3] == 0 || magic[3] > 4) {
    throw InputError(in->path() + ": IDX rank " + std::to_string(magic[3]) +
                     " is not 1 (labels), 3 ([N, H, W]) or 4 ([N, C, H, W])");
  }
  Shape dims(magic[3]);
  for (int64_t& d : dims) {
    unsigned char b[4];
    in->Read(b, 4, "the IDX dimensions");
    d = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
    if (d <= 0 || d > (int64_t{1} << 24)) {
      throw InputError(in->path() + ": IDX dimension " + std::to_string(d) +
                       " is outside [1, 2^24]");
    }
  }
  return dims;
}

// A bound on what a header may promise (2^40 bytes, 1 TiB), so that the product of its
// dimensions (each up to 2^24) cannot overflow.
constexpr int64_t kMaxIdxBytes = int64_t{1} << 40;

// The bytes per sample of `dims` ([N, ...]); InputError naming the file past kMaxIdxBytes.
int64_t SampleBytes(const Shape& dims, const std::string& path) {
  int64_t size = 1;
  for (size_t i = 1; i < dims.size(); ++i) {
    if (dims[i] > kMaxIdxBytes / size) {  // checked before multiplying, so it cannot overflow
      throw InputError(path + ": IDX samples of more than 2^40 bytes");
    }
    size *= dims[i];
  }
  return size;
}

// Reads `rows` of an [N, ...] file; `size` bytes per row. The buffer grows as the data arrive,
// so a header promising more than the file holds fails at the end of the file, having allocated
// no more than the file held.
std::vector<unsigned char> ReadRows(GzInput* in, int64_t n, int64_t size, Rows rows) {
  const int64_t end = EndOf(rows, n, in->path());
  const std::string what = "the data (the header promises " + std::to_string(n) +
                           " samples of " + std::to_string(size) + " bytes)";
  if (size > 0 && n > kMaxIdxBytes / size) {
    throw InputError(in->path() + ": " + what + ": more than 2^40 bytes");
  }
  const size_t total = static_cast<size_t>((end - rows.begin) * size);
  // The rows are held as bytes, then as one 4-byte value each (RawData).
  CheckAllocation(SaturatingMul(total, 1 + sizeof(float)),
                  in->path() + ": reading and converting " + std::to_string(end - rows.begin) +
                      " samples of " + std::to_string(size) + " bytes");
  in->Skip(static_cast<uint64_t>(rows.begin * size), "the data");
  constexpr size_t kChunk = size_t{1} << 24;
  std::vector<unsigned char> bytes;
  while (bytes.size() < total) {
    const size_t at = bytes.size();
    bytes.resize(at + std::min(kChunk, total - at));
    in->Read(bytes.data() + at, bytes.size() - at, what);
  }
  return bytes;
}

}  // namespace

std::string IdxLabelsPath(const std::string& images) {
  const size_t slash = images.find_last_of('/');
  const size_t start = slash == std::string::npos ? 0 : slash + 1;
  std::string labels = images;
  const size_t at = labels.find("images", start);
  if (at == std::string::npos) {
    return "";
  }
  labels.replace(at, 6, "labels");
  const size_t idx3 = labels.find("idx3", start);
  if (idx3 != std::string::npos) {
    labels.replace(idx3, 4, "idx1");
  }
  return labels;
}

RawData ReadIdx(const std::string& images, const std::string& labels, Rows rows) {
  RawData d;
  {
    GzInput in(images);
    const Shape dims = ReadHeader(&in);
    if (dims.size() != 3 && dims.size() != 4) {
      throw InputError(images + ": IDX images have rank 3 ([N, H, W]) or 4 ([N, C, H, W]), got " +
                       std::to_string(dims.size()));
    }
    d.sample_shape.assign(dims.begin() + 1, dims.end());
    if (d.sample_shape.size() == 2) {
      d.sample_shape.insert(d.sample_shape.begin(), 1);
    }
    const int64_t size = SampleBytes(dims, images);
    const auto bytes = ReadRows(&in, dims[0], size, rows);
    d.values.assign(bytes.begin(), bytes.end());
    GzInput lin(labels);
    const Shape ldims = ReadHeader(&lin);
    if (ldims.size() != 1) {
      throw InputError(labels + ": IDX labels have rank 1, got " + std::to_string(ldims.size()));
    }
    if (ldims[0] != dims[0]) {
      throw InputError(labels + ": " + std::to_string(ldims[0]) + " labels for the " +
                       std::to_string(dims[0]) + " images of " + images);
    }
    const auto lbytes = ReadRows(&lin, ldims[0], 1, rows);
    d.labels.assign(lbytes.begin(), lbytes.end());
  }
  return d;
}

}  // namespace quasar::models::data
