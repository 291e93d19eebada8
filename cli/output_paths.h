#pragma once
// Paths checked when the command line is parsed, before any work (docs/reliability.md): a file
// the command could not read, or a report, schedule or directory it could not write, is refused
// at once with exit code 2, naming the option and the path, instead of failing after minutes of
// work. (Options taking a name or a path, such as --net and --arch, are resolved by their
// loaders, first thing in each command.)

#include <CLI/CLI.hpp>
#include <string>

namespace quasar::cli {

// A file the command reads: an existing regular file it may read.
const CLI::Validator& InputFile();

// A file the command writes: an existing regular file that is writable, or a new file in an
// existing, writable directory.
const CLI::Validator& OutputFile();

// A directory the command writes files into (creating it and its missing parents): an existing,
// writable directory, or a new one whose nearest existing ancestor is a writable directory.
const CLI::Validator& OutputDir();

// Flushes standard output: "" if every write to it succeeded, else why not (a full disk, or a
// closed pipe when SIGPIPE is ignored). main() turns a failure into a message and exit code 2.
std::string FlushStdout();

}  // namespace quasar::cli
