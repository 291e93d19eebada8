#include "quasar/sim/backends.h"

#include "quasar/sim/analytical.h"
#include "quasar/sim/cycle/cycle_model.h"
#if QUASAR_WITH_RTL
#include "quasar/sim/rtl/rtl_models.h"
#endif

namespace quasar::sim {

const BackendRegistry& BuiltinBackends() {
  static const BackendRegistry registry = [] {
    BackendRegistry r;
    RegisterAnalyticalBackend(&r);
    cycle::RegisterCycleBackend(&r);
#if QUASAR_WITH_RTL
    rtl::RegisterRtlBackends(&r);
#endif
    return r;
  }();
  return registry;
}

}  // namespace quasar::sim
