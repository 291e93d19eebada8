#pragma once
// The cycle model's clock: one simulated nanosecond is one accelerator cycle.

#include <systemc>

namespace quasar::sim::cycle {

// One accelerator cycle of simulated time (a function: an sc_time built during static
// initialization would fix SystemC's time resolution before main).
inline sc_core::sc_time CycleTime() { return sc_core::sc_time(1, sc_core::SC_NS); }

}  // namespace quasar::sim::cycle
