#include "rtl_test_util.h"

#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::test {

void RunInSystemCThread(const std::function<void()>& body) { sim::rtl::RunInSystemCThread(body); }

models::ArchSpec LoadPreset(const std::string& file) {
  return models::LoadArchSpec(std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + file);
}

}  // namespace quasar::test
