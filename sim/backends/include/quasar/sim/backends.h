#pragma once
// Every backend this build has, registered by name: analytical, systemc, and with the RTL
// (QUASAR_WITH_RTL) systemc-rtl-array and systemc-rtl-mac. `quasar backends` lists them.

#include "quasar/sim/core/backend.h"

namespace quasar::sim {

const BackendRegistry& BuiltinBackends();

}  // namespace quasar::sim
