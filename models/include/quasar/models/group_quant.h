#pragma once
// Integer weights with per-group scales and zero points, as GPTQ and AWQ checkpoints store them:
// W[K, N] (K the reduction dimension) cut along K into groups of group_size (32, 64 and 128 are
// the usual; any positive size is accepted, and the last group is shorter when K % group_size
// != 0); each (group, output channel n) has a float scale and an integer zero point.
//
//   value(k, n) = (q(k, n) - zero(g, n)) * scale(g, n),   g = k / group_size
//
// Quantizer from float, per group, as AWQ's pseudo_quantize_tensor computes it
// (mit-han-lab/llm-awq, awq/quantize/quantizer.py), here in float32 arithmetic:
//   asymmetric: max_int = 2^b - 1, min_int = 0,
//               scale = max(max - min, 1e-5) / max_int,
//               zero  = clamp(-round(min / scale), 0, max_int),
//               q     = clamp(round(w / scale) + zero, 0, max_int);
//   symmetric:  max_int = 2^(b-1) - 1, min_int = -2^(b-1), zero = 0,
//               scale = max(max |w|, 1e-5) / max_int,
//               q     = clamp(round(w / scale), min_int, max_int);
// round is to nearest, ties to even (torch.round). Codes are unsigned (0..2^b-1) when
// asymmetric, signed two's complement values (-2^(b-1)..2^(b-1)-1) when symmetric.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quasar::models {

struct GroupQuantSpec {
  int bits = 4;          // 2..8
  int group_size = 128;  // along K
  bool symmetric = false;
};

struct GroupQuantWeights {
  GroupQuantSpec spec;
  int64_t k = 0;
  int64_t n = 0;
  std::vector<int32_t> codes;        // k * n, row-major [K][N]
  std::vector<float> scales;         // Groups() * n, row-major [group][N]
  std::vector<int32_t> zero_points;  // Groups() * n (all 0 when symmetric)

  int64_t Groups() const;
  int32_t Code(int64_t row, int64_t col) const { return codes[static_cast<size_t>(row * n + col)]; }
  float Scale(int64_t group, int64_t col) const {
    return scales[static_cast<size_t>(group * n + col)];
  }
  int32_t ZeroPoint(int64_t group, int64_t col) const {
    return zero_points[static_cast<size_t>(group * n + col)];
  }
};

// Smallest and largest code of the spec (0, 2^b-1 or -2^(b-1), 2^(b-1)-1).
int32_t GroupCodeMin(const GroupQuantSpec& spec);
int32_t GroupCodeMax(const GroupQuantSpec& spec);

// Throws InputError naming the value for bits outside 2..8 or a group size below 1.
void CheckGroupQuantSpec(const GroupQuantSpec& spec);
// Throws InputError when the sizes of codes/scales/zero points do not match k, n and the spec,
// or a code or zero point is outside the spec's range.
void CheckGroupQuantWeights(const GroupQuantWeights& w);

// The quantizer above over W[K, N] (row-major); throws InputError on a size mismatch or a
// non-finite weight (naming its row and column).
GroupQuantWeights QuantizeGroupWeights(const GroupQuantSpec& spec, const std::vector<float>& w,
                                       int64_t k, int64_t n);
// float32((q - zero) * scale) for every weight, row-major [K][N].
std::vector<float> DequantizeGroupWeights(const GroupQuantWeights& w);

// q - zero for every weight, row-major [K][N]: the integers a PE array multiplies (each group's
// scale applies to its sum), and the largest magnitude the spec's codes give them.
std::vector<int64_t> GroupWeightOffsets(const GroupQuantWeights& w);
int64_t GroupWeightOffsetMax(const GroupQuantSpec& spec);

}  // namespace quasar::models
