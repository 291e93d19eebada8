#pragma once
// The golden-vs-hardware check, written once: runs a quantized network through the golden
// kernels and through a backend that moves values, and compares, for every layer, every output
// element bit for bit, the overflow counts, and the cycles against a timing reference (the
// analytical model's report of the same schedule). `quasar run --backend`, `quasar verify`, the
// cycle-model and RTL tests and the benchmarks all call RunChecked.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim {

// One layer's comparison.
struct LayerCheck {
  std::string name;
  int64_t compared = 0, mismatches = 0;  // every element mismatches when the shapes differ
  int64_t first_index = -1;              // flat index of the first mismatch, -1 if none
  int32_t expected = 0, actual = 0;
  // A network in number formats compares float32 tensors, bit for bit: then these hold the
  // first mismatch's values (a NaN equals a NaN of the same bits).
  bool floats = false;
  float expected_float = 0, actual_float = 0;
  int64_t first_cycle = -1;  // simulated cycle the first mismatching element was finished
  int64_t golden_overflows = 0, overflows = 0;
  int64_t reference_cycles = 0, cycles = 0;  // the timing reference's and the backend's

  // The first mismatch's values as text: an integer, or a float32's shortest decimal.
  std::string ExpectedText() const;
  std::string ActualText() const;
  // "" when the layer agrees on every element, its overflow count and its cycles; otherwise
  // what differs first, in that order, e.g. "layer c1: 3 of 864 elements differ".
  std::string Disagreement() const;
};

// One layer's output `y` against the golden `g`, every element: `same(g[j], y[j])` says whether
// element j agrees, and `first(&check, j)` records the first that does not; every element
// mismatches when the shapes differ.
template <typename T, typename Same, typename First>
LayerCheck CompareLayer(const std::string& name, const models::Tensor<T>& g,
                        const models::Tensor<T>& y, Same same, First first) {
  LayerCheck k;
  k.name = name;
  k.compared = g.size();
  if (g.shape != y.shape) {
    k.mismatches = g.size();
    k.first_index = 0;
    return k;
  }
  for (int64_t j = 0; j < g.size(); ++j) {
    if (!same(g[j], y[j]) && k.mismatches++ == 0) {
      k.first_index = j;
      first(&k, j);
    }
  }
  return k;
}

// The first layer's Disagreement that is not "", or "" when every layer agrees.
std::string FirstDisagreement(const std::vector<LayerCheck>& checks);

struct CheckedRun {
  models::QuantizedNetwork reference;  // as the golden kernels ran it (ReferenceForHardware)
  models::QuantizedRun golden;
  BackendRun run;
  // One per layer the backend ran, in network order; only RunOptions::array_layers when given.
  std::vector<LayerCheck> checks;
  int64_t simulated_macs = 0;  // MACs of the checked layers

  bool bit_exact() const;  // every element agrees
  // Every element, every overflow count and every layer's cycles agree; FirstDisagreement says
  // what does not ("" when all agree).
  bool agrees() const { return FirstDisagreement().empty(); }
  std::string FirstDisagreement() const;
};

// `qnet` as the accelerator computes it: every layer with the accelerator's accumulator, and
// binary convolutions adding one accumulator addition per XNOR-popcount lane group
// (LayerSpec::binary_lanes = the layer's pack) when the PE has lanes, one per product otherwise.
models::QuantizedNetwork ReferenceForHardware(models::QuantizedNetwork qnet,
                                              const compiler::Schedule& schedule,
                                              const models::ArchSpec& arch);

struct CheckJob {
  const models::QuantizedNetwork* qnet = nullptr;  // as quantized (any accumulator)
  const std::map<std::string, models::FloatTensor>* inputs = nullptr;  // float network inputs
  const compiler::Schedule* schedule = nullptr;  // compiled for `arch`, every layer feasible
  const models::ArchSpec* arch = nullptr;
  const models::CostTable* table = nullptr;
  const NetworkPerf* timing_reference = nullptr;  // per-layer cycles to compare with
  std::function<void(const std::string&)> progress = nullptr;  // "golden reference...", ...
};

// Runs ReferenceForHardware(qnet) through the golden kernels and `backend` (which must move
// values) from the same inputs, and compares them layer by layer: every element, the overflow
// counts and the cycles against the job's timing reference. Throws InputError as the backend
// does.
CheckedRun RunChecked(const Backend& backend, const CheckJob& job, const RunOptions& options);

}  // namespace quasar::sim
