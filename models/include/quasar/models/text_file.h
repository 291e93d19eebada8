#pragma once
// Writing a whole text file, checked: the one place where Quasar's reports, schedules, network
// files and plot scripts reach the disk.

#include <string>

namespace quasar {

// Writes `text` to `path` (created or truncated), flushes and closes it, and throws InputError
// "<what>: cannot write <path>: <reason>" if any step fails (a missing directory, a full disk),
// so a lost output is never a success. `what` names the option or file kind ("--out", "network
// file").
void WriteTextFile(const std::string& path, const std::string& text, const std::string& what);

}  // namespace quasar
