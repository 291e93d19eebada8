// WriteTextFile (text_file.h): stdio, so that the reason of a failure (errno) is at hand.

#include "quasar/models/text_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "quasar/models/error.h"

namespace quasar {

void WriteTextFile(const std::string& path, const std::string& text, const std::string& what) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    throw InputError(what + ": cannot write " + path + ": " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;  // flushes: a full disk often fails only here
  if (!written || !closed) {
    const int e = !written ? write_errno : errno;
    throw InputError(what + ": cannot write " + path + ": " +
                     (e != 0 ? std::strerror(e) : "write error"));
  }
}

std::string ReadTextFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a directory, not " + (what == "file" ? "a file" : what));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(path + ": cannot open " + what);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw InputError(path + ": cannot read " + what);
  }
  return text.str();
}

bool IsRegularFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace quasar
