#pragma once
// Helpers shared by the .npy tests: temporary files, raw bytes and error messages.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>
#include "quasar/models/error.h"
#include "quasar/models/npy.h"

namespace quasar::models::npy_test {


namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("quasar_test_npy_" + std::to_string(random()) + "_" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::string Bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s += static_cast<char>(v);
  return s;
}

inline void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A .npy file built by hand: magic, version `major`.0, header length, `dict` padded with spaces
// and '\n' so the data starts at a multiple of `align`, then `data`.
inline std::string NpyFile(const std::string& dict, const std::string& data, int major = 1,
                    size_t align = 64) {
  const size_t len_size = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + len_size + header.size() + 1) % align != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t k = 0; k < len_size; ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

// The message of the InputError `fn` throws; fails the test if it throws nothing.
inline std::string InputErrorMessage(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

// The message of the InputError ReadNpy throws for a file holding `bytes`.
inline std::string ReadError(const TempDir& dir, const std::string& bytes) {
  const std::string path = dir.File("bad.npy");
  WriteFileBytes(path, bytes);
  const std::string message = InputErrorMessage([&] { ReadNpy(path); });
  CHECK_THAT(message, Contains(path));
  return message;
}

inline uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

}  // namespace quasar::models::npy_test
