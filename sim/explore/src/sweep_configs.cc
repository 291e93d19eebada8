// The configurations of a parsed sweep (sweep.h, docs/sweep.md): their count, the order of
// configurations (index <-> network, precision and value per axis), the accelerator and the
// accumulator of one configuration, and the networks prepared per MAC for its threads.

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_fields.h"

namespace quasar::sim::explore {

using models::ArchSpec;

size_t SweepSpec::ConfigCount() const {
  size_t n = networks.size() * precisions.size();
  if (sample) {
    return n * points.size();
  }
  for (const SweepAxis& a : axes) {
    n *= a.values.size();
  }
  return n;
}

SweepConfig ConfigAt(const SweepSpec& spec, size_t index) {
  SweepConfig c;
  c.index = index;
  size_t rest = index;
  if (spec.sample) {
    c.value = spec.points[rest % spec.points.size()];
    rest /= spec.points.size();
    c.precision = rest % spec.precisions.size();
    c.network = rest / spec.precisions.size();
    return c;
  }
  c.value.resize(spec.axes.size());
  for (size_t i = spec.axes.size(); i-- > 0;) {
    c.value[i] = rest % spec.axes[i].values.size();
    rest /= spec.axes[i].values.size();
  }
  c.precision = rest % spec.precisions.size();
  c.network = rest / spec.precisions.size();
  return c;
}

size_t SharedCountsRun(const SweepSpec& spec) {
  size_t run = 1;
  if (spec.sample) {
    return run;
  }
  for (size_t i = spec.axes.size(); i-- > 0;) {
    const models::ArchField* f = models::FindArchField(spec.axes[i].key);
    if (f == nullptr || f->counts) {
      break;
    }
    run *= spec.axes[i].values.size();
    if (run >= kMaxSharedRun) {
      return kMaxSharedRun;
    }
  }
  return std::max<size_t>(run, 1);
}

std::optional<size_t> ConfigIndex(const SweepSpec& spec, size_t network, size_t precision,
                                  const std::vector<size_t>& value) {
  const size_t pair = network * spec.precisions.size() + precision;
  if (spec.sample) {  // the points are distinct and in enumeration order (sweep_sample.h)
    const auto it = std::lower_bound(spec.points.begin(), spec.points.end(), value);
    if (it == spec.points.end() || *it != value) {
      return std::nullopt;
    }
    return pair * spec.points.size() + static_cast<size_t>(it - spec.points.begin());
  }
  size_t index = pair;
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    index = index * spec.axes[a].values.size() + value.at(a);
  }
  return index;
}

ArchSpec ArchFor(const SweepSpec& spec, const SweepConfig& config) {
  ArchSpec a = spec.base;
  for (size_t i = 0; i < spec.axes.size(); ++i) {
    a = WithAxisValue(a, spec.axes[i].key, spec.axes[i].values[config.value[i]]);
  }
  if (spec.axes.empty()) {
    return a;
  }
  // The arch format's own checks of the combination (a Bit Fusion MAC's widths, for one); each
  // value alone was checked against its field's range when the sweep file was read.
  models::CheckArchCombinations(a);
  return a;
}

models::AccumulatorSpec AccumulatorFor(const SweepSpec& spec, const SweepConfig& config) {
  ArchSpec a;
  a.mac.accumulator = spec.base.mac.accumulator;
  for (size_t i = 0; i < spec.axes.size(); ++i) {
    if (spec.axes[i].key.rfind("mac.accumulator.", 0) == 0) {
      a = WithAxisValue(a, spec.axes[i].key, spec.axes[i].values[config.value[i]]);
    }
  }
  return a.mac.accumulator;
}

std::shared_ptr<const std::vector<compiler::LayerSchedule>> PreparedNetworks::Get(
    size_t pair, const models::NetworkSpec& net, const models::ArchSpec& arch) {
  const std::string key = compiler::PrepareKey(arch);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = by_pair_.at(pair).find(key);
    if (it != by_pair_[pair].end()) {
      return it->second;
    }
  }
  auto layers = std::make_shared<std::vector<compiler::LayerSchedule>>();
  layers->reserve(net.layers.size());
  for (const models::NetLayer& layer : net.layers) {
    layers->push_back(compiler::PrepareLayer(layer, net, arch));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return by_pair_[pair].emplace(key, std::move(layers)).first->second;
}
}  // namespace quasar::sim::explore
