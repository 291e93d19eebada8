// Path validators (output_paths.h). access(2) answers for the process's own rights,
// including read-only file systems (EROFS), which is what a later open would meet.

#include "output_paths.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace quasar::cli {
namespace {

namespace fs = std::filesystem;

// "" if `dir` is a directory this process can create entries in, else why not.
std::string WritableDir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return dir.string() + " does not exist";
  }
  if (!fs::is_directory(dir, ec)) {
    return dir.string() + " is not a directory";
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "cannot write into " + dir.string() + ": " + std::strerror(errno);
  }
  return "";
}

// The directory a relative or absolute path's last component lives in.
fs::path ParentOf(const fs::path& p) {
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

std::string CheckFile(const std::string& value) {
  if (value.empty()) {
    return "an empty path";
  }
  const fs::path p(value);
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) {
      return value + " is a directory, not a file";
    }
    if (::access(p.c_str(), W_OK) != 0) {
      return "cannot write " + value + ": " + std::strerror(errno);
    }
    return "";
  }
  const std::string why = WritableDir(ParentOf(p));
  return why.empty() ? "" : "cannot create " + value + ": " + why;
}

std::string CheckInputFile(const std::string& value) {
  if (value.empty()) {
    return "an empty path";
  }
  std::error_code ec;
  const fs::file_status st = fs::status(value, ec);
  if (!fs::exists(st)) {
    return "cannot read " + value + ": " + (ec ? ec.message() : "no such file");
  }
  if (fs::is_directory(st)) {
    return value + " is a directory, not a file";
  }
  if (::access(value.c_str(), R_OK) != 0) {
    return "cannot read " + value + ": " + std::strerror(errno);
  }
  return "";
}

std::string CheckDir(const std::string& value) {
  if (value.empty()) {
    return "an empty path";
  }
  fs::path p(value);
  std::error_code ec;
  if (fs::exists(p, ec)) {
    const std::string why = WritableDir(p);
    return why.empty() ? "" : value + ": " + why;
  }
  // The nearest existing ancestor must take the new directories.
  fs::path ancestor = fs::absolute(p, ec).parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, ec) && ancestor != ancestor.root_path()) {
    ancestor = ancestor.parent_path();
  }
  const std::string why = WritableDir(ancestor);
  return why.empty() ? "" : "cannot create " + value + ": " + why;
}

}  // namespace

const CLI::Validator& InputFile() {
  static const CLI::Validator v(
      [](std::string& value) { return CheckInputFile(value); }, "FILE (read)", "INPUT_FILE");
  return v;
}

const CLI::Validator& OutputFile() {
  static const CLI::Validator v(
      [](std::string& value) { return CheckFile(value); }, "FILE (written)", "OUTPUT_FILE");
  return v;
}

const CLI::Validator& OutputDir() {
  static const CLI::Validator v(
      [](std::string& value) { return CheckDir(value); }, "DIR (written)", "OUTPUT_DIR");
  return v;
}

std::string FlushStdout() {
  errno = 0;
  std::cout.flush();
  const bool ok = std::fflush(stdout) == 0 && !std::ferror(stdout) && !std::cout.fail();
  if (ok) {
    return "";
  }
  return errno != 0 ? std::strerror(errno) : "write error";
}

}  // namespace quasar::cli
