#pragma once
// Cycle counts are int64_t, and every one the simulators report (a step, a layer, a network) is at
// most kMaxCycles = 2^53: about 104 days at 1 GHz, and the largest range in which a double holds
// every integer, so the ratios and JSON numbers made from counts stay exact. A count made from a
// rate (bytes / bytes_per_cycle, elements / elements_per_cycle) or by adding counts goes through
// these functions, so a count past the bound is an InputError that names the figure and the rate
// that made it, never a wrapped, negative or undefined number (docs/reliability.md, "Physical
// figures"). The accelerator format's lower bounds on rates (arch_fields.cc) keep real networks far
// below it.

#include <cstdint>
#include <string>

namespace quasar::sim {

inline constexpr int64_t kMaxCycles = int64_t{1} << 53;

// ceil(amount / per_cycle): the cycles to move or process `amount` `unit`s ("bytes", "elements")
// at `per_cycle` of them per cycle; `rate_key` names the accelerator field the rate comes from,
// e.g. "dram.bytes_per_cycle". 0 for no amount.
int64_t CyclesAtRate(int64_t amount, double per_cycle, const char* unit, const char* rate_key);

// a + b for counts in [0, kMaxCycles]; `what` names the sum for the message, e.g. "the layer's
// cycles".
int64_t AddCycles(int64_t a, int64_t b, const char* what);

// Throws the InputError of a count past kMaxCycles; `what` names it.
[[noreturn]] void ThrowTooManyCycles(const std::string& what);

}  // namespace quasar::sim
