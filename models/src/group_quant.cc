#include "quasar/models/group_quant.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/int_math.h"

namespace quasar::models {
namespace {

// AWQ's lower bound on the range (or max |w|) so that an all-equal group keeps a finite scale.
constexpr float kMinRange = 1e-5f;

// Round to nearest, ties to even (the default floating-point rounding mode), as torch.round.
float RoundEven(float x) { return std::nearbyint(x); }

std::string Where(int64_t row, int64_t col) {
  return "(" + std::to_string(row) + ", " + std::to_string(col) + ")";
}

void QuantizeGroup(const std::vector<float>& w, int64_t g, int64_t col, GroupQuantWeights& out) {
  const GroupQuantSpec& s = out.spec;
  const int64_t begin = g * s.group_size;
  const int64_t end = std::min<int64_t>(out.k, begin + s.group_size);
  float lo = w[static_cast<size_t>(begin * out.n + col)];
  float hi = lo;
  for (int64_t r = begin; r < end; ++r) {
    const float v = w[static_cast<size_t>(r * out.n + col)];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const auto min_code = static_cast<float>(GroupCodeMin(s));
  const auto max_code = static_cast<float>(GroupCodeMax(s));
  float scale = 0.0f;
  float zero = 0.0f;
  if (s.symmetric) {
    scale = std::max(std::max(std::fabs(lo), std::fabs(hi)), kMinRange) / max_code;
  } else {
    scale = std::max(hi - lo, kMinRange) / max_code;
    zero = std::clamp(-RoundEven(lo / scale), min_code, max_code);
  }
  out.scales[static_cast<size_t>(g * out.n + col)] = scale;
  out.zero_points[static_cast<size_t>(g * out.n + col)] = static_cast<int32_t>(zero);
  for (int64_t r = begin; r < end; ++r) {
    const float v = w[static_cast<size_t>(r * out.n + col)];
    const float q = std::clamp(RoundEven(v / scale) + zero, min_code, max_code);
    out.codes[static_cast<size_t>(r * out.n + col)] = static_cast<int32_t>(q);
  }
}

}  // namespace

int64_t GroupQuantWeights::Groups() const {
  return spec.group_size < 1 ? 0 : CeilDiv(k, spec.group_size);
}

int32_t GroupCodeMin(const GroupQuantSpec& s) {
  return s.symmetric ? -(int32_t{1} << (s.bits - 1)) : 0;
}

int32_t GroupCodeMax(const GroupQuantSpec& s) {
  return s.symmetric ? (int32_t{1} << (s.bits - 1)) - 1 : (int32_t{1} << s.bits) - 1;
}

void CheckGroupQuantSpec(const GroupQuantSpec& s) {
  if (s.bits < 2 || s.bits > 8) {
    throw InputError("group quantization: bits must be in 2..8, got " + std::to_string(s.bits));
  }
  if (s.group_size < 1) {
    throw InputError("group quantization: group size must be at least 1, got " +
                     std::to_string(s.group_size));
  }
}

void CheckGroupQuantWeights(const GroupQuantWeights& w) {
  CheckGroupQuantSpec(w.spec);
  const auto expect = [](const char* what, size_t got, int64_t want) {
    if (static_cast<int64_t>(got) != want) {
      throw InputError("group-quantized weights: " + std::string(what) + " has " +
                       std::to_string(got) + " entries, expected " + std::to_string(want));
    }
  };
  expect("codes", w.codes.size(), w.k * w.n);
  expect("scales", w.scales.size(), w.Groups() * w.n);
  expect("zero points", w.zero_points.size(), w.Groups() * w.n);
  const int32_t lo = GroupCodeMin(w.spec);
  const int32_t hi = GroupCodeMax(w.spec);
  const auto in_range = [&](const std::vector<int32_t>& v, const char* what) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] < lo || v[i] > hi) {
        throw InputError("group-quantized weights: " + std::string(what) + " " +
                         std::to_string(v[i]) + " at " +
                         Where(static_cast<int64_t>(i) / w.n, static_cast<int64_t>(i) % w.n) +
                         " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
      }
    }
  };
  in_range(w.codes, "code");
  in_range(w.zero_points, "zero point");
}

GroupQuantWeights QuantizeGroupWeights(const GroupQuantSpec& spec, const std::vector<float>& w,
                                       int64_t k, int64_t n) {
  CheckGroupQuantSpec(spec);
  if (k < 0 || n < 0 || static_cast<int64_t>(w.size()) != k * n) {
    throw InputError("group quantization: " + std::to_string(w.size()) + " weights for a " +
                     std::to_string(k) + " x " + std::to_string(n) + " matrix");
  }
  for (size_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i])) {
      throw InputError("group quantization: weight " +
                       Where(static_cast<int64_t>(i) / n, static_cast<int64_t>(i) % n) +
                       " is not finite");
    }
  }
  GroupQuantWeights out;
  out.spec = spec;
  out.k = k;
  out.n = n;
  out.codes.assign(w.size(), 0);
  out.scales.assign(static_cast<size_t>(out.Groups() * n), 0.0f);
  out.zero_points.assign(static_cast<size_t>(out.Groups() * n), 0);
  for (int64_t g = 0; g < out.Groups(); ++g) {
    for (int64_t col = 0; col < n; ++col) {
      QuantizeGroup(w, g, col, out);
    }
  }
  return out;
}

std::vector<float> DequantizeGroupWeights(const GroupQuantWeights& w) {
  CheckGroupQuantWeights(w);
  std::vector<float> out(w.codes.size());
  for (int64_t r = 0; r < w.k; ++r) {
    const int64_t g = r / w.spec.group_size;
    for (int64_t col = 0; col < w.n; ++col) {
      const auto offset = static_cast<float>(w.Code(r, col) - w.ZeroPoint(g, col));
      out[static_cast<size_t>(r * w.n + col)] = offset * w.Scale(g, col);
    }
  }
  return out;
}

std::vector<int64_t> GroupWeightOffsets(const GroupQuantWeights& w) {
  CheckGroupQuantWeights(w);
  std::vector<int64_t> out(w.codes.size());
  for (int64_t r = 0; r < w.k; ++r) {
    const int64_t g = r / w.spec.group_size;
    for (int64_t col = 0; col < w.n; ++col) {
      out[static_cast<size_t>(r * w.n + col)] = w.Code(r, col) - w.ZeroPoint(g, col);
    }
  }
  return out;
}

int64_t GroupWeightOffsetMax(const GroupQuantSpec& spec) {
  return int64_t{GroupCodeMax(spec)} - GroupCodeMin(spec);
}

}  // namespace quasar::models
