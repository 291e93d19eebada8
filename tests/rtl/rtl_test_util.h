#pragma once
// Shared by the RTL tests: running test code inside a SystemC thread (the Verilated models are
// driven through signals and delta cycles, which only a SystemC process may wait for), and the
// architecture presets the built-in RTL arrays were made from.

#include <functional>
#include <string>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::test {

// Elaborates a module whose one thread runs `body`, then runs the simulation until it returns.
// Models `body` uses must have been built before (during elaboration). Rethrows what `body`
// threw. SystemC elaborates once per process: call this once per test case.
void RunInSystemCThread(const std::function<void()>& body);

// workloads/accelerators/<file> of the source tree.
models::ArchSpec LoadPreset(const std::string& file);

}  // namespace quasar::test
