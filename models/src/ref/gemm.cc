#include "quasar/models/ref/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "kernel_checks.h"
#include "quasar/models/error.h"
#include "quasar/models/int128.h"

namespace quasar::models {
namespace {

int32_t ZeroPoint(const std::vector<int32_t>& zps, int64_t i) {
  return zps.size() == 1 ? zps[0] : zps[static_cast<size_t>(i)];
}

void CheckCommon(const std::vector<int32_t>& bias, const IntGemmParams& p, int64_t outputs) {
  Require(
      bias.empty() || static_cast<int64_t>(bias.size()) == outputs,
      "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(outputs));
  Require(p.weight_zero_points.size() == 1 ||
              static_cast<int64_t>(p.weight_zero_points.size()) == outputs,
          "weight zero points: expected 1 or " + std::to_string(outputs) + " entries, got " +
              std::to_string(p.weight_zero_points.size()));
  Require(p.accumulator.bits >= 8 && p.accumulator.bits <= 64,
          "accumulator bits must be in 8..64, got " + std::to_string(p.accumulator.bits));
}

// True when no partial sum bias + (any prefix of the products) can leave the accumulator: then
// wrap and saturate are identities and plain addition is bit-exact (docs/architecture.md,
// decision 4). `max_x` bounds |x - z_x| over the data, `max_sum_w` bounds sum_k |w - z_w| over
// the output columns.
bool ProvablyNoOverflow(const std::vector<int32_t>& bias, int64_t max_x, int64_t max_sum_w,
                        const AccumulatorSpec& acc) {
  int64_t max_bias = 0;
  for (int32_t b : bias) {
    max_bias = std::max<int64_t>(max_bias, std::abs(int64_t{b}));
  }
  const int128 bound = static_cast<int128>(max_x) * max_sum_w + max_bias;
  return bound <= acc.max() && -bound >= acc.min();
}

int64_t MaxAbsOffset(const int32_t* v, int64_t count, int32_t zero_point) {
  int64_t m = 0;
  for (int64_t i = 0; i < count; ++i) {
    m = std::max<int64_t>(m, std::abs(int64_t{v[i]} - zero_point));
  }
  return m;
}

// Dot products of rows of x with rows of w (both zero-point-subtracted), in T (int32 when the
// bound fits it, so the inner loop vectorizes; int64 otherwise).
template <typename T>
void FullyConnectedFast(const IntTensor& x, const IntTensor& w, const std::vector<int32_t>& bias,
                        const IntGemmParams& p, int64_t n, int64_t k, int64_t o,
                        Tensor<int64_t>* out) {
  std::vector<T> xs(static_cast<size_t>(k)), ws(static_cast<size_t>(o * k));
  for (int64_t oc = 0; oc < o; ++oc) {
    const int32_t zw = ZeroPoint(p.weight_zero_points, oc);
    for (int64_t i = 0; i < k; ++i) {
      ws[static_cast<size_t>(oc * k + i)] = static_cast<T>(w[oc * k + i] - zw);
    }
  }
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t i = 0; i < k; ++i) {
      xs[static_cast<size_t>(i)] = static_cast<T>(x[row * k + i] - p.input_zero_point);
    }
    for (int64_t oc = 0; oc < o; ++oc) {
      const T* wr = &ws[static_cast<size_t>(oc * k)];
      T acc = bias.empty() ? T{0} : static_cast<T>(bias[static_cast<size_t>(oc)]);
      for (int64_t i = 0; i < k; ++i) {
        acc += xs[static_cast<size_t>(i)] * wr[i];
      }
      (*out)[row * o + oc] = acc;
    }
  }
}

// One batch of a [M, K] x [K, N] product, row by row: out_row += a[i, kk] * (b[kk, :] - z_b),
// contiguous over N so the inner loop vectorizes.
template <typename T>
void MatMulFast(const int32_t* pa, const int32_t* pb, const std::vector<int32_t>& bias,
                const IntGemmParams& p, int64_t m, int64_t k, int64_t n, int64_t* out) {
  std::vector<T> bs(static_cast<size_t>(k * n)), row(static_cast<size_t>(n));
  for (int64_t kk = 0; kk < k; ++kk) {
    for (int64_t j = 0; j < n; ++j) {
      bs[static_cast<size_t>(kk * n + j)] =
          static_cast<T>(pb[kk * n + j] - ZeroPoint(p.weight_zero_points, j));
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      row[static_cast<size_t>(j)] =
          bias.empty() ? T{0} : static_cast<T>(bias[static_cast<size_t>(j)]);
    }
    for (int64_t kk = 0; kk < k; ++kk) {
      const T av = static_cast<T>(pa[i * k + kk] - p.input_zero_point);
      const T* br = &bs[static_cast<size_t>(kk * n)];
      for (int64_t j = 0; j < n; ++j) {
        row[static_cast<size_t>(j)] += av * br[j];
      }
    }
    for (int64_t j = 0; j < n; ++j) {
      out[i * n + j] = row[static_cast<size_t>(j)];
    }
  }
}

AccumulatorSpec Int32Accumulator() { return AccumulatorSpec{32, OverflowMode::kWrap}; }

}  // namespace

Shape FullyConnectedOutputShape(const Shape& x, const Shape& w) {
  Require(!x.empty() && w.size() == 2, "fully connected needs x [N, K] and w [O, K], got " +
                                           ShapeToString(x) + " and " + ShapeToString(w));
  const int64_t n = x.size() == 1 ? 1 : x[0];
  const int64_t k = NumElements(x) / (n == 0 ? 1 : n);
  Require(w[1] == k, "fully connected: x has " + std::to_string(k) + " features per row but w " +
                         ShapeToString(w) + " expects " + std::to_string(w[1]));
  return {n, w[0]};
}

Tensor<int64_t> FullyConnectedAccumulate(const IntTensor& x, const IntTensor& w,
                                         const std::vector<int32_t>& bias,
                                         const IntGemmParams& params, KernelStats* stats) {
  Tensor<int64_t> out(FullyConnectedOutputShape(x.shape, w.shape));
  const int64_t n = out.dim(0), o = out.dim(1), k = w.dim(1);
  CheckCommon(bias, params, o);
  int64_t max_sum_w = 0;
  for (int64_t oc = 0; oc < o; ++oc) {
    int64_t sum = 0;
    const int32_t zw = ZeroPoint(params.weight_zero_points, oc);
    for (int64_t i = 0; i < k; ++i) {
      sum += std::abs(int64_t{w[oc * k + i]} - zw);
    }
    max_sum_w = std::max(max_sum_w, sum);
  }
  const int64_t max_x = MaxAbsOffset(x.data.data(), x.size(), params.input_zero_point);
  if (ProvablyNoOverflow(bias, max_x, max_sum_w, params.accumulator)) {
    if (ProvablyNoOverflow(bias, max_x, max_sum_w, Int32Accumulator())) {
      FullyConnectedFast<int32_t>(x, w, bias, params, n, k, o, &out);
    } else {
      FullyConnectedFast<int64_t>(x, w, bias, params, n, k, o, &out);
    }
    if (stats != nullptr) {
      stats->Record(n * o * k, 0, out);
    }
    return out;
  }
  int64_t events = 0;
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t oc = 0; oc < o; ++oc) {
      const int64_t zw = ZeroPoint(params.weight_zero_points, oc);
      int64_t acc =
          bias.empty() ? 0
                       : AccumulateLoad(bias[static_cast<size_t>(oc)], params.accumulator, &events);
      for (int64_t i = 0; i < k; ++i) {
        const int64_t product =
            (int64_t{x[row * k + i]} - params.input_zero_point) * (int64_t{w[oc * k + i]} - zw);
        acc = AccumulateAdd(acc, product, params.accumulator, &events);
      }
      out[row * o + oc] = acc;
    }
  }
  if (stats != nullptr) {
    stats->Record(n * o * k, events, out);
  }
  return out;
}

Shape MatMulOutputShape(const Shape& a, const Shape& b) {
  Require(a.size() >= 2 && b.size() >= 2,
          "matmul needs rank >= 2 operands, got " + ShapeToString(a) + " and " + ShapeToString(b));
  const int64_t k = a[a.size() - 1];
  Require(b[b.size() - 2] == k,
          "matmul: inner dimensions differ: " + ShapeToString(a) + " x " + ShapeToString(b));
  const Shape batch_a(a.begin(), a.end() - 2);
  const Shape batch_b(b.begin(), b.end() - 2);
  Require(b.size() == 2 || batch_a == batch_b,
          "matmul: batch dimensions differ: " + ShapeToString(a) + " x " + ShapeToString(b));
  Shape out = batch_a;
  out.push_back(a[a.size() - 2]);
  out.push_back(b[b.size() - 1]);
  return out;
}

Tensor<int64_t> MatMulAccumulate(const IntTensor& a, const IntTensor& b,
                                 const std::vector<int32_t>& bias, const IntGemmParams& params,
                                 KernelStats* stats) {
  const Shape out_shape = MatMulOutputShape(a.shape, b.shape);
  const int64_t m = a.dim(a.rank() - 2);
  const int64_t k = a.dim(a.rank() - 1);
  const int64_t n = b.dim(b.rank() - 1);
  CheckCommon(bias, params, n);
  const int64_t batches = NumElements(Shape(a.shape.begin(), a.shape.end() - 2));
  Tensor<int64_t> out(out_shape);
  int64_t max_sum_b = 0;  // over the columns of every batch of b
  for (int64_t bt = 0; bt < (b.rank() == 2 ? 1 : batches); ++bt) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      const int32_t zb = ZeroPoint(params.weight_zero_points, j);
      for (int64_t kk = 0; kk < k; ++kk) {
        sum += std::abs(int64_t{b.data[static_cast<size_t>((bt * k + kk) * n + j)]} - zb);
      }
      max_sum_b = std::max(max_sum_b, sum);
    }
  }
  const int64_t max_a = MaxAbsOffset(a.data.data(), a.size(), params.input_zero_point);
  if (ProvablyNoOverflow(bias, max_a, max_sum_b, params.accumulator)) {
    const bool fits32 = ProvablyNoOverflow(bias, max_a, max_sum_b, Int32Accumulator());
    for (int64_t bt = 0; bt < batches; ++bt) {
      const int32_t* pa = &a.data[static_cast<size_t>(bt * m * k)];
      const int32_t* pb = &b.data[static_cast<size_t>(b.rank() == 2 ? 0 : bt * k * n)];
      int64_t* po = &out.data[static_cast<size_t>(bt * m * n)];
      if (fits32) {
        MatMulFast<int32_t>(pa, pb, bias, params, m, k, n, po);
      } else {
        MatMulFast<int64_t>(pa, pb, bias, params, m, k, n, po);
      }
    }
    if (stats != nullptr) {
      stats->Record(batches * m * n * k, 0, out);
    }
    return out;
  }
  int64_t events = 0;
  for (int64_t bt = 0; bt < batches; ++bt) {
    const int32_t* pa = &a.data[static_cast<size_t>(bt * m * k)];
    const int32_t* pb = &b.data[static_cast<size_t>(b.rank() == 2 ? 0 : bt * k * n)];
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const int64_t zb = ZeroPoint(params.weight_zero_points, j);
        int64_t acc = bias.empty() ? 0
                                   : AccumulateLoad(bias[static_cast<size_t>(j)],
                                                    params.accumulator, &events);
        for (int64_t kk = 0; kk < k; ++kk) {
          const int64_t product =
              (int64_t{pa[i * k + kk]} - params.input_zero_point) * (int64_t{pb[kk * n + j]} - zb);
          acc = AccumulateAdd(acc, product, params.accumulator, &events);
        }
        out[(bt * m + i) * n + j] = acc;
      }
    }
  }
  if (stats != nullptr) {
    stats->Record(batches * m * n * k, events, out);
  }
  return out;
}

}  // namespace quasar::models
