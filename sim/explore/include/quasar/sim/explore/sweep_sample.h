#pragma once
// Sampling a sweep space too big to enumerate (docs/sweep.md, "Sampling"): a sweep file's
// `sample: {method: random|lhs, count: N, seed: S}` picks N points of the swept axes' product;
// every network and precision is then evaluated at each point. The points depend only on the
// method, count, seed and the axes' value counts, so a seed always gives the same sweep, on any
// machine (the generator is std::mt19937_64, whose sequence the C++ standard fixes, and the
// draws from it are the project's own, not the library's distributions).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quasar::sim::explore {

enum class SampleMethod {
  kRandom,          // distinct points, uniformly at random without replacement
  kLatinHypercube,  // each axis cut into N equal strata, one point per stratum of every axis
};

// "random", "lhs".
std::string SampleMethodName(SampleMethod m);
std::optional<SampleMethod> ParseSampleMethod(const std::string& name);

struct SweepSample {
  SampleMethod method = SampleMethod::kRandom;
  int64_t count = 0;
  uint64_t seed = 0;
};

// "random count=N seed=S": the sample's identity, for fingerprints and messages.
std::string SampleText(const SweepSample& s);

// The sampled points, each one value index per axis (axis i has axis_sizes[i] values), distinct
// and in the enumeration's order (the last axis fastest). `random` gives exactly `count` points
// (the caller checks count <= the space's size); `lhs` gives at most `count`: when an axis has
// fewer values than strata, two strata can land on the same point, kept once.
std::vector<std::vector<size_t>> DrawSample(const SweepSample& s,
                                            const std::vector<size_t>& axis_sizes);

}  // namespace quasar::sim::explore
