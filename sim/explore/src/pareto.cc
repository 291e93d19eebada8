// Pareto fronts (pareto.h): dominance, the non-dominated subset of a point set, and the
// constraints a design must meet to enter the front.

#include "quasar/sim/explore/pareto.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace quasar::sim::explore {

bool Dominates(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw std::logic_error("Dominates: points with different numbers of objectives");
  }
  bool strictly_better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) {
      return false;
    }
    strictly_better = strictly_better || a[i] < b[i];
  }
  return strictly_better;
}

std::vector<bool> ParetoFront(const std::vector<std::vector<double>>& points,
                              const std::vector<bool>& candidate) {
  if (!candidate.empty() && candidate.size() != points.size()) {
    throw std::logic_error("ParetoFront: one candidate flag per point expected");
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < points.size(); ++i) {
    const bool has_nan =
        std::any_of(points[i].begin(), points[i].end(), [](double v) { return std::isnan(v); });
    if ((candidate.empty() || candidate[i]) && !has_nan) {
      order.push_back(i);
    }
  }
  // Lexicographic order: a point can only be dominated by one before it (a dominating point is
  // no larger in every objective, hence lexicographically smaller unless equal, and an equal
  // point does not dominate). So one pass against the front found so far suffices.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return points[a] < points[b]; });
  std::vector<bool> on_front(points.size(), false);
  std::vector<size_t> front;
  for (size_t i : order) {
    const bool dominated = std::any_of(front.begin(), front.end(),
                                       [&](size_t f) { return Dominates(points[f], points[i]); });
    if (!dominated) {
      front.push_back(i);
      on_front[i] = true;
    }
  }
  return on_front;
}

bool MeetsConstraints(const Constraints& c, double area_mm2, double latency_s, double energy_uj,
                      std::optional<double> sqnr_db, std::optional<double> top1_pct) {
  if (c.max_area_mm2 && !(area_mm2 <= *c.max_area_mm2)) {
    return false;
  }
  if (c.max_latency_s && !(latency_s <= *c.max_latency_s)) {
    return false;
  }
  if (c.max_energy_uj && !(energy_uj <= *c.max_energy_uj)) {
    return false;
  }
  if (c.min_sqnr_db && !(sqnr_db && *sqnr_db >= *c.min_sqnr_db)) {
    return false;
  }
  if (c.min_top1_pct && !(top1_pct && *top1_pct >= *c.min_top1_pct)) {
    return false;
  }
  return true;
}

}  // namespace quasar::sim::explore
