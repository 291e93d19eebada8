#pragma once
// The source tree's zoo networks and accelerator presets by name, for unit tests.

#include <string>

#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::test {

inline models::NetworkSpec Zoo(const std::string& name) {
  return models::LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/" + name +
                             ".yaml");
}

inline models::ArchSpec Preset(const std::string& name) {
  return models::LoadArchSpec(std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + name +
                              ".yaml");
}

}  // namespace quasar::test
