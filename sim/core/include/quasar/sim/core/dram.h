#pragma once
// The off-chip memory as the backends see it: how many cycles one pipeline step's DRAM
// transfers take. Every backend asks the same DramModel, so their DRAM timing cannot drift
// apart; a new memory model is a new implementation plus one line in DramModels().

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::sim {

// Contract: StepCycles is a pure function of its arguments and the spec the model was made
// from; 0 for a step that moves nothing.
class DramModel {
 public:
  virtual ~DramModel() = default;
  // Cycles of one pipeline step that reads `load_bytes` and writes `store_bytes`.
  virtual int64_t StepCycles(int64_t load_bytes, int64_t store_bytes) const = 0;
  // A lower bound of the sum of StepCycles over any steps that read `load_bytes` and write
  // `store_bytes` in all, `load_steps` or more of them reading. The mapper's bound uses it to
  // skip tilings that cannot win (analytical.h, BoundGemm); 0 is always a valid answer.
  virtual int64_t MinCycles(int64_t load_steps, int64_t load_bytes, int64_t store_bytes) const {
    (void)load_steps, (void)load_bytes, (void)store_bytes;
    return 0;
  }
};

// One channel with a latency per step that reads (writes are posted) and a bandwidth shared by
// reads and writes: latency (when it reads) + ceil((load + store) / bytes_per_cycle).
class LatencyBandwidthDram final : public DramModel {
 public:
  explicit LatencyBandwidthDram(const models::DramSpec& spec) : spec_(spec) {}
  int64_t StepCycles(int64_t load_bytes, int64_t store_bytes) const override;
  // load_steps latencies + (load + store) / bytes_per_cycle, rounded down and less one cycle, so
  // that floating-point rounding of the steps' ceilings cannot put it above their sum.
  int64_t MinCycles(int64_t load_steps, int64_t load_bytes, int64_t store_bytes) const override;

 private:
  models::DramSpec spec_;
};

struct DramModelInfo {
  std::string name, description;
  std::function<std::unique_ptr<DramModel>(const models::DramSpec&)> make;
};
// The DRAM models, by name; the first is the default.
const std::vector<DramModelInfo>& DramModels();
// The default DRAM model for `spec`.
std::unique_ptr<DramModel> MakeDramModel(const models::DramSpec& spec);

}  // namespace quasar::sim
