#include "quasar/models/ref/gemm.h"

#include <string>

#include "quasar/models/error.h"

namespace quasar::models {
namespace {

void Require(bool ok, const std::string& message) {
  if (!ok) {
    throw InputError(message);
  }
}

int32_t ZeroPoint(const std::vector<int32_t>& zps, int64_t i) {
  return zps.size() == 1 ? zps[0] : zps[static_cast<size_t>(i)];
}

void CheckCommon(const std::vector<int32_t>& bias, const IntGemmParams& p, int64_t outputs) {
  Require(bias.empty() || static_cast<int64_t>(bias.size()) == outputs,
          "bias has " + std::to_string(bias.size()) + " entries, expected " +
              std::to_string(outputs));
  Require(p.weight_zero_points.size() == 1 ||
              static_cast<int64_t>(p.weight_zero_points.size()) == outputs,
          "weight zero points: expected 1 or " + std::to_string(outputs) + " entries, got " +
              std::to_string(p.weight_zero_points.size()));
  Require(p.accumulator.bits >= 8 && p.accumulator.bits <= 64,
          "accumulator bits must be in 8..64, got " + std::to_string(p.accumulator.bits));
}

}  // namespace

Tensor<int64_t> FullyConnectedAccumulate(const IntTensor& x, const IntTensor& w,
                                         const std::vector<int32_t>& bias,
                                         const IntGemmParams& params, KernelStats* stats) {
  Require(x.rank() >= 1 && w.rank() == 2,
          "fully connected needs x [N, K] and w [O, K], got " + ShapeToString(x.shape) + " and " +
              ShapeToString(w.shape));
  const int64_t n = x.rank() == 1 ? 1 : x.dim(0);
  const int64_t k = x.size() / (n == 0 ? 1 : n);
  const int64_t o = w.dim(0);
  Require(w.dim(1) == k, "fully connected: x has " + std::to_string(k) +
                             " features per row but w " + ShapeToString(w.shape) + " expects " +
                             std::to_string(w.dim(1)));
  CheckCommon(bias, params, o);
  Tensor<int64_t> out({n, o});
  int64_t events = 0;
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t oc = 0; oc < o; ++oc) {
      const int64_t zw = ZeroPoint(params.weight_zero_points, oc);
      int64_t acc = bias.empty() ? 0
                                 : AccumulateLoad(bias[static_cast<size_t>(oc)],
                                                  params.accumulator, &events);
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

Tensor<int64_t> MatMulAccumulate(const IntTensor& a, const IntTensor& b,
                                 const std::vector<int32_t>& bias, const IntGemmParams& params,
                                 KernelStats* stats) {
  Require(a.rank() >= 2 && b.rank() >= 2,
          "matmul needs rank >= 2 operands, got " + ShapeToString(a.shape) + " and " +
              ShapeToString(b.shape));
  const int64_t m = a.dim(a.rank() - 2);
  const int64_t k = a.dim(a.rank() - 1);
  const int64_t n = b.dim(b.rank() - 1);
  Require(b.dim(b.rank() - 2) == k, "matmul: inner dimensions differ: " + ShapeToString(a.shape) +
                                        " x " + ShapeToString(b.shape));
  const Shape batch_a(a.shape.begin(), a.shape.end() - 2);
  const Shape batch_b(b.shape.begin(), b.shape.end() - 2);
  Require(b.rank() == 2 || batch_a == batch_b,
          "matmul: batch dimensions differ: " + ShapeToString(a.shape) + " x " +
              ShapeToString(b.shape));
  CheckCommon(bias, params, n);
  const int64_t batches = NumElements(batch_a);
  Shape out_shape = batch_a;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor<int64_t> out(out_shape);
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
