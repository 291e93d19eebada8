#include "quasar/models/fidelity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/requant.h"

namespace quasar::models {
namespace {

void RequireFinite(const FloatTensor& t, const std::string& what) {
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i])) {
      throw InputError("SQNR: " + what + " element " + std::to_string(i) + " is " +
                       std::to_string(t[i]) + ", expected a finite value");
    }
  }
}

}  // namespace

double SqnrDb(const FloatTensor& reference, const FloatTensor& test) {
  if (reference.shape != test.shape) {
    throw InputError("SQNR: reference shape " + ShapeToString(reference.shape) +
                     " differs from test shape " + ShapeToString(test.shape));
  }
  RequireFinite(reference, "reference");
  RequireFinite(test, "test");
  double signal = 0.0;
  double noise = 0.0;
  for (int64_t i = 0; i < reference.size(); ++i) {
    const double r = reference[i];
    const double e = r - static_cast<double>(test[i]);
    signal += r * r;
    noise += e * e;
  }
  if (noise == 0.0) {
    return std::numeric_limits<double>::infinity();
  }
  if (signal == 0.0) {
    return -std::numeric_limits<double>::infinity();
  }
  return 10.0 * std::log10(signal / noise);
}

FloatTensor DequantizeTensor(const IntTensor& q, const QuantParams& p, int channel_axis) {
  if (p.scales.empty() || p.zero_points.empty()) {
    throw InputError("dequantize: quantization parameters need at least one scale and zero point");
  }
  CheckValues(q, p.type, "dequantize input");
  FloatTensor out(q.shape);
  if (p.scales.size() == 1 && p.zero_points.size() == 1) {
    for (int64_t i = 0; i < q.size(); ++i) {
      out[i] = Dequantize(q[i], p.scales[0], p.zero_points[0]);
    }
    return out;
  }
  const int rank = q.rank();
  if (channel_axis < -rank || channel_axis >= rank) {
    throw InputError("dequantize: channel axis " + std::to_string(channel_axis) + " is outside [" +
                     std::to_string(-rank) + ", " + std::to_string(rank) + ") for shape " +
                     ShapeToString(q.shape));
  }
  const int axis = channel_axis < 0 ? channel_axis + rank : channel_axis;
  const int64_t channels = q.dim(axis);
  for (const auto& [what, count] : {std::pair<const char*, size_t>{"scales", p.scales.size()},
                                    {"zero points", p.zero_points.size()}}) {
    if (count != 1 && static_cast<int64_t>(count) != channels) {
      throw InputError("dequantize: " + std::to_string(count) + " " + what + " for " +
                       std::to_string(channels) + " channels along axis " + std::to_string(axis) +
                       " of shape " + ShapeToString(q.shape) + ", expected 1 or " +
                       std::to_string(channels));
    }
  }
  int64_t inner = 1;
  for (int d = axis + 1; d < rank; ++d) {
    inner *= q.dim(d);
  }
  for (int64_t i = 0; i < q.size(); ++i) {
    const int64_t c = (i / inner) % channels;
    out[i] = Dequantize(q[i], p.scale(c), p.zero_point(c));
  }
  return out;
}

double MeanFiniteSqnrDb(const std::vector<double>& sqnr_db) {
  double sum = 0;
  int64_t n = 0;
  for (double v : sqnr_db) {
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : std::numeric_limits<double>::infinity();
}

double SqnrPercentile5Db(const std::vector<double>& sqnr_db) {
  if (sqnr_db.empty()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::vector<double> v = sqnr_db;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(0.05 * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

}  // namespace quasar::models
