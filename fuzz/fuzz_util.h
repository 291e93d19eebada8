#pragma once
// Shared by the fuzz targets: run a reader on the fuzzer's bytes and accept the reader's
// documented error for bad input (quasar::InputError, models/include/quasar/models/error.h).
// Anything else escapes LLVMFuzzerTestOneInput: libFuzzer (and the replay driver) then stop on
// an uncaught exception, which is the finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "quasar/models/error.h"

namespace quasar::fuzz {

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Calls f(); an InputError is the expected outcome of a bad input and is swallowed.
template <typename F>
int AcceptInputErrors(F&& f) {
  try {
    f();
  } catch (const InputError&) {
  }
  return 0;
}

// A file holding `bytes` for readers that only take a path, removed on destruction. One per
// process and suffix (the name carries the process id), so parallel fuzz jobs do not collide.
class TempFile {
 public:
  TempFile(const std::string& bytes, const std::string& suffix) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/quasar_fuzz_" +
            std::to_string(::getpid()) + suffix;
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace quasar::fuzz
