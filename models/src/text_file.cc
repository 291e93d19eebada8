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
  TextFileWriter out(path, what);
  out.Write(text);
  out.Close();
}

TextFileWriter::TextFileWriter(const std::string& path, const std::string& what)
    : path_(path), what_(what) {
  errno = 0;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    throw InputError(what + ": cannot write " + path + ": " + std::strerror(errno));
  }
}

TextFileWriter::~TextFileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void TextFileWriter::Fail(int error) {
  throw InputError(what_ + ": cannot write " + path_ + ": " +
                   (error != 0 ? std::strerror(error) : "write error"));
}

void TextFileWriter::Write(const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    Fail(errno);
  }
}

void TextFileWriter::Close() {
  if (file_ == nullptr) {
    return;
  }
  errno = 0;
  const bool closed = std::fclose(file_) == 0;  // flushes: a full disk often fails only here
  file_ = nullptr;
  if (!closed) {
    Fail(errno);
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
