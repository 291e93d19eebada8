// The analytical model behind the Backend interface.

#include <chrono>

#include "quasar/sim/analytical.h"

namespace quasar::sim {
namespace {

class AnalyticalBackend final : public Backend {
 public:
  BackendRun Run(const Job& job, const RunOptions&) const override {
    const auto t0 = std::chrono::steady_clock::now();
    BackendRun r;
    r.perf = EvaluateSchedule(*job.schedule, *job.arch, *job.table);
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }
  std::string Title(const models::ArchSpec&) const override { return "analytical model"; }
};

}  // namespace

void RegisterAnalyticalBackend(BackendRegistry* registry) {
  registry->Add({"analytical",
                 "closed-form timing and events per fold and tile (docs/analytical-model.md)",
                 /*moves_values=*/false, /*concurrent=*/true, /*timing_reference=*/true,
                 /*rtl_mode=*/"",
                 [] { return std::make_unique<AnalyticalBackend>(); }});
}

}  // namespace quasar::sim
