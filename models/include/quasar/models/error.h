#pragma once
// Error types shared by every Quasar library.
//
// InputError is for anything a user can fix (a bad file, key, value or shape): the CLI maps it to
// exit code 2 and prints its message, which names the file, the key path and the offending value.
// Everything else (std::logic_error, std::bad_alloc, ...) is an internal failure: exit code 1.

#include <stdexcept>
#include <string>
#include <vector>

namespace quasar {

// A problem with user input. `what()` is the full, user-facing message.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Collects every validation problem of one input before reporting, so users fix all at once.
// Each entry reads "<where>: <key.path>: <problem>, got <value>".
class ErrorList {
 public:
  explicit ErrorList(std::string where) : where_(std::move(where)) {}

  void Add(const std::string& key_path, const std::string& problem) {
    messages_.push_back(where_ + ": " + (key_path.empty() ? "" : key_path + ": ") + problem);
  }
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }

  // Throws an InputError listing every message, if there is any.
  void ThrowIfAny() const {
    if (messages_.empty()) {
      return;
    }
    std::string all;
    for (const auto& m : messages_) {
      all += (all.empty() ? "" : "\n") + m;
    }
    throw InputError(all);
  }

 private:
  std::string where_;
  std::vector<std::string> messages_;
};

}  // namespace quasar
