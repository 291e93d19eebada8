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
};

// One channel with a latency per step that reads (writes are posted) and a bandwidth shared by
// reads and writes: latency (when it reads) + ceil((load + store) / bytes_per_cycle).
class LatencyBandwidthDram final : public DramModel {
 public:
  explicit LatencyBandwidthDram(const models::DramSpec& spec) : spec_(spec) {}
  int64_t StepCycles(int64_t load_bytes, int64_t store_bytes) const override;

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
