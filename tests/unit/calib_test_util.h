#pragma once
// Seeded float samples and option helpers shared by the calibration tests.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "quasar/models/calib/calibration.h"

namespace quasar::test {

constexpr double kPi = 3.14159265358979323846;

inline double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1p-53; }

// Laplace(0, 1) by inverse CDF: heavy tails.
inline std::vector<float> Laplace(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) {
    const double u = Uniform01(rng) - 0.5;
    x = static_cast<float>(u < 0 ? std::log1p(2 * u) : -std::log1p(-2 * u));
  }
  return v;
}

// N(0, 1) by Box-Muller.
inline std::vector<float> Gaussian(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) {
    const double u1 = 1.0 - Uniform01(rng), u2 = Uniform01(rng);
    x = static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2));
  }
  return v;
}

inline models::CalibOptions Method(models::CalibMethod m) {
  models::CalibOptions opt;
  opt.method = m;
  return opt;
}

}  // namespace quasar::test
