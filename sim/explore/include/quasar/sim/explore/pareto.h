#pragma once
// Pareto fronts for design-space sweeps: which points no other point beats in every objective.
// Pure functions on plain numbers (every objective minimized), used by `quasar sweep`
// (sweep.h) over latency, energy, area and, with fidelity, the negated SQNR.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace quasar::sim::explore {

// True when `a` dominates `b`: no worse in every objective and strictly better in at least one
// (all minimized). Both must have the same number of objectives. Identical points do not
// dominate each other.
bool Dominates(const std::vector<double>& a, const std::vector<double>& b);

// The non-dominated points among the candidates: result[i] is true when candidate[i] is true,
// point i has no NaN objective, and no other such point dominates it. Duplicates (identical
// objective vectors) are all on the front or all off it. `candidate` may be empty (every point
// is a candidate); otherwise it has one entry per point. Deterministic: the result depends only
// on the values, not on the order of the points. O(n log n + n · f · d) for a front of f points
// in d objectives.
std::vector<bool> ParetoFront(const std::vector<std::vector<double>>& points,
                              const std::vector<bool>& candidate = {});

// The Pareto front of a stream of points, kept as they arrive, each with a payload `T` (e.g. its
// row). After any sequence of Add calls it holds exactly the points ParetoFront would mark among
// them: dominance is a strict partial order (irreflexive and transitive), so a point that leaves
// was dominated by one that is, or that left for a point that is, and the non-dominated set does
// not depend on the order of arrival. Memory is proportional to the front, not to the stream;
// each Add costs O(f · d) for a front of f points in d objectives.
template <typename T>
class IncrementalFront {
 public:
  struct Member {
    std::vector<double> point;
    T payload;
  };

  // Offers a point; returns whether it is on the front of the points offered so far. A point
  // with a NaN objective never is. Members the point dominates leave the front.
  bool Add(std::vector<double> point, T payload) {
    if (std::any_of(point.begin(), point.end(), [](double v) { return std::isnan(v); })) {
      return false;
    }
    for (const Member& m : members_) {
      if (Dominates(m.point, point)) {
        return false;
      }
    }
    members_.erase(std::remove_if(members_.begin(), members_.end(),
                                  [&](const Member& m) { return Dominates(point, m.point); }),
                   members_.end());
    members_.push_back({std::move(point), std::move(payload)});
    return true;
  }

  // The front, in order of arrival.
  const std::vector<Member>& members() const { return members_; }

 private:
  std::vector<Member> members_;
};

// Upper bounds (and a lower bound for SQNR) a design must meet to enter the front; an absent
// bound does not constrain.
struct Constraints {
  std::optional<double> max_area_mm2;
  std::optional<double> max_latency_s;
  std::optional<double> max_energy_uj;
  std::optional<double> min_sqnr_db;
  std::optional<double> min_top1_pct;  // top-1 accuracy, percent (sweeps with data)

  bool empty() const {
    return !max_area_mm2 && !max_latency_s && !max_energy_uj && !min_sqnr_db && !min_top1_pct;
  }
};

// Whether a design with these figures meets every bound of `c`. A bound on SQNR with no SQNR
// known (`sqnr_db` empty) is not met, nor one on top-1 with no top-1 known. Bounds are
// inclusive.
bool MeetsConstraints(const Constraints& c, double area_mm2, double latency_s, double energy_uj,
                      std::optional<double> sqnr_db, std::optional<double> top1_pct = std::nullopt);

}  // namespace quasar::sim::explore
