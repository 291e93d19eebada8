#pragma once
// Whole text files, checked: the one place where Quasar's reports, schedules, network files
// and plot scripts reach the disk, and where the text readers get a file's contents.

#include <cstdio>
#include <string>

namespace quasar {

// Writes `text` to `path` (created or truncated), flushes and closes it, and throws InputError
// "<what>: cannot write <path>: <reason>" if any step fails (a missing directory, a full disk),
// so a lost output is never a success. `what` names the option or file kind ("--out", "network
// file").
void WriteTextFile(const std::string& path, const std::string& text, const std::string& what);

// The same for a text written in pieces (outputs too large to hold whole): the file is created
// or truncated on construction; Write appends; Close flushes and closes. Each throws the same
// InputError as WriteTextFile on failure. A writer destroyed without Close closes the file and
// reports nothing (an error path already under way).
class TextFileWriter {
 public:
  TextFileWriter(const std::string& path, const std::string& what);
  ~TextFileWriter();
  TextFileWriter(const TextFileWriter&) = delete;
  TextFileWriter& operator=(const TextFileWriter&) = delete;
  void Write(const std::string& text);
  void Close();

 private:
  [[noreturn]] void Fail(int error);
  std::string path_, what_;
  std::FILE* file_ = nullptr;
};

// The whole contents of the file at `path`. InputError "<path>: is a directory, not <what>",
// "<path>: cannot open <what>" or "<path>: cannot read <what>" otherwise (`what`: "file", "the
// SCALE-Sim configuration", ...), never a stream exception.
std::string ReadTextFile(const std::string& path, const std::string& what);

// Whether `path` names a regular file (following links), or anything. False on any error,
// never an exception: a name too long for the file system (ENAMETOOLONG), a component that is
// not a directory or denied (std::filesystem's throwing forms made those internal errors).
bool IsRegularFile(const std::string& path);
bool PathExists(const std::string& path);

}  // namespace quasar
