#pragma once
// Whole text files, checked: the one place where Quasar's reports, schedules, network files
// and plot scripts reach the disk, and where the text readers get a file's contents.

#include <string>

namespace quasar {

// Writes `text` to `path` (created or truncated), flushes and closes it, and throws InputError
// "<what>: cannot write <path>: <reason>" if any step fails (a missing directory, a full disk),
// so a lost output is never a success. `what` names the option or file kind ("--out", "network
// file").
void WriteTextFile(const std::string& path, const std::string& text, const std::string& what);

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
