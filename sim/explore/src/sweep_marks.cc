// The marks of a sweep's rows (sweep.h): whether each meets the constraints, and whether it is on
// its network's Pareto front.

#include <cmath>
#include <map>
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
      const SweepRow& r = rows[i];
      std::vector<double> p = {r.latency_s, r.energy_pj, r.area_mm2};
      if (fourth == FrontObjective::kTop1) {
        p.push_back(r.top1_pct ? -*r.top1_pct : std::nan(""));  // maximize top-1
      } else if (fourth == FrontObjective::kSqnr) {
        p.push_back(r.sqnr_db ? -*r.sqnr_db : std::nan(""));  // maximize SQNR
      }
      points.push_back(std::move(p));
      cand.push_back(candidate[i]);
    }
    const std::vector<bool> front = ParetoFront(points, cand);
    for (size_t j = 0; j < members.size(); ++j) {
      marks[members[j]] = front[j];
    }
  }
  return marks;
}

SweepMarks MarkFront(const SweepSpec& spec, const std::vector<SweepRow>& rows) {
  SweepMarks m;
  m.within_constraints.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    m.within_constraints[i] = WithinConstraints(spec, rows[i]);
  }
  m.pareto = ParetoMarks(rows, m.within_constraints, FrontObjectiveOf(spec));
  return m;
}

}  // namespace quasar::sim::explore
