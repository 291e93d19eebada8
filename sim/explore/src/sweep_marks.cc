// The marks of a sweep's rows (sweep.h): whether each meets the constraints, and whether it is on
// its network's Pareto front.

#include <cmath>
#include <string>
#include <vector>

#include "quasar/sim/explore/pareto.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::sim::explore {

SweepMarks MarkFront(const SweepSpec& spec, const std::vector<SweepRow>& rows) {
  SweepMarks m;
  m.within_constraints.resize(rows.size());
  m.pareto.assign(rows.size(), false);
  for (size_t i = 0; i < rows.size(); ++i) {
    const SweepRow& r = rows[i];
    m.within_constraints[i] =
        r.feasible() &&
        MeetsConstraints(spec.constraints, r.area_mm2, r.latency_s, r.energy_pj / 1e6, r.sqnr_db,
                         r.top1_pct);
  }
  for (const std::string& network : spec.networks) {
    std::vector<size_t> members;
    std::vector<std::vector<double>> points;
    std::vector<bool> candidate;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].network != network) {
        continue;
      }
      const SweepRow& r = rows[i];
      std::vector<double> p = {r.latency_s, r.energy_pj, r.area_mm2};
      if (spec.data) {
        p.push_back(r.top1_pct ? -*r.top1_pct : std::nan(""));  // maximize top-1
      } else if (spec.fidelity) {
        p.push_back(r.sqnr_db ? -*r.sqnr_db : std::nan(""));  // maximize SQNR
      }
      members.push_back(i);
      points.push_back(std::move(p));
      candidate.push_back(m.within_constraints[i]);
    }
    const std::vector<bool> front = ParetoFront(points, candidate);
    for (size_t j = 0; j < members.size(); ++j) {
      m.pareto[members[j]] = front[j];
    }
  }
  return m;
}

}  // namespace quasar::sim::explore
