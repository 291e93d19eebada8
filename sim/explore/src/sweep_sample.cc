// Sampled sweeps (sweep_sample.h).
//
// random: Floyd's algorithm draws `count` distinct indices of [0, space) with one generator call
// each (J. Bentley and B. Floyd, "Programming Pearls: A Sample of Brilliance", Commun. ACM 30(9),
// 1987); a space too large for 64 bits draws points axis by axis instead, redrawing repeats.
// lhs: Latin hypercube sampling (M. D. McKay, R. J. Beckman and W. J. Conover, "A Comparison of
// Three Methods for Selecting Values of Input Variables in the Analysis of Output from a Computer
// Code", Technometrics 21(2), 1979): on each axis, [0, 1) is cut into `count` equal strata, a
// random permutation assigns one stratum to each point, the point falls uniformly within it, and
// the position maps to the value index floor(position * values).

#include "quasar/sim/explore/sweep_sample.h"

#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <unordered_set>

namespace quasar::sim::explore {
namespace {

// A uniform integer in [0, n), n >= 1, by rejection (no modulo bias).
uint64_t Below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                         std::numeric_limits<uint64_t>::max() % n;  // a multiple of n
  uint64_t x = rng();
  while (x >= limit) {
    x = rng();
  }
  return x % n;
}

// A uniform double in [0, 1): the top 53 bits.
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1p-53; }

// The product of the sizes, if it fits in 64 bits.
std::optional<uint64_t> SpaceSize(const std::vector<size_t>& sizes) {
  uint64_t n = 1;
  for (size_t k : sizes) {
    if (k != 0 && n > std::numeric_limits<uint64_t>::max() / k) {
      return std::nullopt;
    }
    n *= k;
  }
  return n;
}

// Index -> one value index per axis, the last axis fastest (as ConfigAt decodes).
std::vector<size_t> Decode(uint64_t index, const std::vector<size_t>& sizes) {
  std::vector<size_t> point(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    point[i] = static_cast<size_t>(index % sizes[i]);
    index /= sizes[i];
  }
  return point;
}

std::vector<std::vector<size_t>> Random(const SweepSample& s, const std::vector<size_t>& sizes,
                                        std::mt19937_64& rng) {
  const auto count = static_cast<uint64_t>(s.count);
  if (const std::optional<uint64_t> space = SpaceSize(sizes)) {
    std::unordered_set<uint64_t> chosen;
    chosen.reserve(count);
    for (uint64_t j = *space - count; j < *space; ++j) {
      const uint64_t t = Below(rng, j + 1);
      chosen.insert(chosen.count(t) ? j : t);
    }
    std::vector<uint64_t> sorted(chosen.begin(), chosen.end());
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::vector<size_t>> points;
    points.reserve(sorted.size());
    for (uint64_t index : sorted) {
      points.push_back(Decode(index, sizes));
    }
    return points;
  }
  std::set<std::vector<size_t>> chosen;  // ordered as the enumeration is
  while (chosen.size() < count) {
    std::vector<size_t> point(sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      point[i] = static_cast<size_t>(Below(rng, sizes[i]));
    }
    chosen.insert(std::move(point));
  }
  return {chosen.begin(), chosen.end()};
}

std::vector<std::vector<size_t>> LatinHypercube(const SweepSample& s,
                                                const std::vector<size_t>& sizes,
                                                std::mt19937_64& rng) {
  const auto n = static_cast<size_t>(s.count);
  std::vector<std::vector<size_t>> points(n, std::vector<size_t>(sizes.size()));
  std::vector<size_t> strata(n);
  for (size_t axis = 0; axis < sizes.size(); ++axis) {
    for (size_t j = 0; j < n; ++j) {
      strata[j] = j;
    }
    for (size_t j = n; j > 1; --j) {  // Fisher-Yates
      std::swap(strata[j - 1], strata[static_cast<size_t>(Below(rng, j))]);
    }
    for (size_t j = 0; j < n; ++j) {
      const double position = (static_cast<double>(strata[j]) + Unit(rng)) / static_cast<double>(n);
      const auto v = static_cast<size_t>(position * static_cast<double>(sizes[axis]));
      points[j][axis] = std::min(v, sizes[axis] - 1);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

}  // namespace

std::string SampleMethodName(SampleMethod m) {
  return m == SampleMethod::kRandom ? "random" : "lhs";
}

std::optional<SampleMethod> ParseSampleMethod(const std::string& name) {
  for (SampleMethod m : {SampleMethod::kRandom, SampleMethod::kLatinHypercube}) {
    if (SampleMethodName(m) == name) {
      return m;
    }
  }
  return std::nullopt;
}

std::string SampleText(const SweepSample& s) {
  return SampleMethodName(s.method) + " count=" + std::to_string(s.count) +
         " seed=" + std::to_string(s.seed);
}

std::vector<std::vector<size_t>> DrawSample(const SweepSample& s,
                                            const std::vector<size_t>& axis_sizes) {
  std::mt19937_64 rng(s.seed);
  return s.method == SampleMethod::kRandom ? Random(s, axis_sizes, rng)
                                           : LatinHypercube(s, axis_sizes, rng);
}

}  // namespace quasar::sim::explore
