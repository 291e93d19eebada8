// The marks of a sweep's rows (sweep.h): whether each meets the constraints, and whether it is on
// its network's Pareto front.

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "quasar/sim/explore/pareto.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::sim::explore {

FrontObjective FrontObjectiveOf(const SweepSpec& spec) {
  return spec.data       ? FrontObjective::kTop1
         : spec.fidelity ? FrontObjective::kSqnr
                         : FrontObjective::kNone;
}

bool WithinConstraints(const SweepSpec& spec, const SweepRow& r) {
  return r.feasible() && MeetsConstraints(spec.constraints, r.area_mm2, r.latency_s,
                                          r.energy_pj / 1e6, r.sqnr_db, r.top1_pct);
}

std::vector<double> FrontPoint(const SweepRow& r, FrontObjective fourth) {
  std::vector<double> p = {r.latency_s, r.energy_pj, r.area_mm2};
  if (fourth == FrontObjective::kTop1) {
    p.push_back(r.top1_pct ? -*r.top1_pct : std::nan(""));  // maximize top-1
  } else if (fourth == FrontObjective::kSqnr) {
    p.push_back(r.sqnr_db ? -*r.sqnr_db : std::nan(""));  // maximize SQNR
  }
  return p;
}

std::vector<bool> ParetoMarks(const std::vector<SweepRow>& rows,
                              const std::vector<bool>& candidate, FrontObjective fourth) {
  std::map<std::string, std::vector<size_t>> by_network;
  for (size_t i = 0; i < rows.size(); ++i) {
    by_network[rows[i].network].push_back(i);
  }
  std::vector<bool> marks(rows.size(), false);
  for (const auto& [network, members] : by_network) {
    std::vector<std::vector<double>> points;
    std::vector<bool> cand;
    for (size_t i : members) {
      points.push_back(FrontPoint(rows[i], fourth));
      cand.push_back(candidate[i]);
    }
    const std::vector<bool> front = ParetoFront(points, cand);
    for (size_t j = 0; j < members.size(); ++j) {
      marks[members[j]] = front[j];
    }
  }
  return marks;
}

SweepFronts::SweepFronts(const SweepSpec& spec)
    : spec_(spec),
      fourth_(FrontObjectiveOf(spec)),
      feasible_(spec.networks.size(), 0),
      within_(spec.networks.size(), 0),
      fronts_(spec.networks.size()) {}

void SweepFronts::Add(const SweepRow& row) {
  const auto it = std::find(spec_.networks.begin(), spec_.networks.end(), row.network);
  if (it == spec_.networks.end()) {
    throw std::logic_error("SweepFronts: a row of network '" + row.network +
                           "', which the sweep does not name");
  }
  const size_t n = static_cast<size_t>(it - spec_.networks.begin());
  feasible_[n] += row.feasible() ? 1 : 0;
  if (WithinConstraints(spec_, row)) {
    ++within_[n];
    fronts_[n].Add(FrontPoint(row, fourth_), row);
  }
  sorted_ = false;
}

SweepFronts::Network SweepFronts::Of(size_t network) const {
  Network out;
  out.feasible = feasible_.at(network);
  out.within = within_.at(network);
  for (const auto& m : fronts_.at(network).members()) {
    out.front.push_back(m.payload);
  }
  std::sort(out.front.begin(), out.front.end(),
            [](const SweepRow& a, const SweepRow& b) { return a.index < b.index; });
  return out;
}

bool SweepFronts::OnFront(size_t index) const {
  if (!sorted_) {
    on_front_.clear();
    for (const auto& front : fronts_) {
      for (const auto& m : front.members()) {
        on_front_.push_back(m.payload.index);
      }
    }
    std::sort(on_front_.begin(), on_front_.end());
    sorted_ = true;
  }
  return std::binary_search(on_front_.begin(), on_front_.end(), index);
}

SweepMarks MarkFront(const SweepSpec& spec, const std::vector<SweepRow>& rows) {
  SweepFronts fronts(spec);
  for (const SweepRow& r : rows) {
    fronts.Add(r);
  }
  SweepMarks m;
  m.within_constraints.resize(rows.size());
  m.pareto.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    m.within_constraints[i] = WithinConstraints(spec, rows[i]);
    m.pareto[i] = fronts.OnFront(rows[i].index);
  }
  return m;
}

}  // namespace quasar::sim::explore
