#pragma once
// What does not fit a PE array (its operand lanes, its register, its adder chains), as distinct
// from what a network cannot be: the commands name the architecture file before it, and the
// ArchSpec key that sets the width when one does (`key`, e.g. "mac.accumulator"; "" for the C++
// array's lanes or a built-in adder chain).

#include <string>
#include <utility>

#include "quasar/models/error.h"

namespace quasar::sim::cycle {

class ArrayFitError : public InputError {
 public:
  explicit ArrayFitError(const std::string& message, std::string key = "")
      : InputError(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

}  // namespace quasar::sim::cycle
