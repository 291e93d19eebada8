// Whole-file reads, gzip or not, and the row slicing every reader shares.

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "readers.h"

namespace quasar::models::data {

std::vector<unsigned char> ReadFileBytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a directory, expected a file");
  }
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) {
    throw InputError(path + ": cannot open");
  }
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  const uint64_t limit = MemoryLimit();
  for (;;) {
    const int n = gzread(f.get(), chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      throw InputError(path + ": corrupt gzip data (" + gzerror(f.get(), &code) + ")");
    }
    if (n == 0) {
      break;
    }
    // Checked as the (decompressed) bytes arrive: a gzip stream may expand a thousandfold.
    if (bytes.size() + static_cast<size_t>(n) > limit) {
      CheckAllocation(bytes.size() + static_cast<size_t>(n),
                      path + ": the contents (decompressed, read so far)", limit);
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  int code = 0;
  const char* message = gzerror(f.get(), &code);
  if (code != Z_OK) {  // a truncated stream ends with Z_BUF_ERROR, not a failed read
    throw InputError(path + ": corrupt or truncated gzip data (" + message + ")");
  }
  return bytes;
}

void ForEachLine(const std::string& text,
                 const std::function<void(const std::string&, int64_t)>& f) {
  int64_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) {
      eol = text.size();
    }
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    f(line, ++line_no);
  }
}

GzInput::GzInput(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) {
    throw InputError(path_ + ": is a directory, expected a file");
  }
  file_ = gzopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    throw InputError(path_ + ": cannot open");
  }
}

GzInput::~GzInput() { gzclose(static_cast<gzFile>(file_)); }

void GzInput::Read(void* out, size_t n, const std::string& what) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const unsigned step = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    const int got = gzread(static_cast<gzFile>(file_), p, step);
    if (got <= 0) {
      int code = 0;
      const char* message = gzerror(static_cast<gzFile>(file_), &code);
      throw InputError(path_ + ": " +
                       (got < 0 || code != Z_OK ? std::string("corrupt gzip data (") + message +
                                                      ") in " + what
                                                : "ends inside " + what));
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
}

void GzInput::Skip(uint64_t n, const std::string& what) {
  unsigned char chunk[1 << 16];
  while (n > 0) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, sizeof chunk));
    Read(chunk, step, what);
    n -= step;
  }
}

int64_t EndOf(Rows rows, int64_t n, const std::string& source) {
  const int64_t end = rows.end < 0 ? n : rows.end;
  if (rows.begin < 0 || rows.begin > end || end > n) {
    throw InputError(source + ": rows [" + std::to_string(rows.begin) + ", " +
                     std::to_string(end) + ") do not fit its " + std::to_string(n) + " samples");
  }
  return rows.limit < 0 ? end : std::min(end, rows.begin + rows.limit);
}

void SliceRows(RawData* d, Rows rows, const std::string& source) {
  const int64_t end = EndOf(rows, static_cast<int64_t>(d->labels.size()), source);
  int64_t size = 1;
  for (int64_t dim : d->sample_shape) {
    size *= dim;
  }
  d->labels.assign(d->labels.begin() + rows.begin, d->labels.begin() + end);
  d->values.assign(d->values.begin() + rows.begin * size, d->values.begin() + end * size);
}

}  // namespace quasar::models::data
