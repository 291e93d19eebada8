#include "quasar/models/calib/calibration.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"
#include "quasar/models/rounding.h"
#include "range_internal.h"

namespace quasar::models {
namespace {

using detail::Num;

constexpr double kInf = std::numeric_limits<double>::infinity();

void CheckOptions(const CalibOptions& opt) {
  if (!(opt.percentile > 0.0 && opt.percentile <= 100.0)) {
    throw InputError("calibration percentile must be in (0, 100], got " + Num(opt.percentile));
  }
  if (opt.histogram_bins < 1 || opt.histogram_bins > (1 << 20)) {
    throw InputError("calibration histogram_bins must be in 1..1048576, got " +
                     std::to_string(opt.histogram_bins));
  }
}

// The quantity a symmetric grid clips: |x| on a signed grid, max(x, 0) on an unsigned one
// (negative values clamp to 0 there whatever the threshold).
std::vector<double> Magnitudes(const std::vector<float>& values, bool positive_part_only) {
  std::vector<double> a;
  a.reserve(values.size());
  for (float v : values) {
    a.push_back(positive_part_only ? std::max(0.0, double{v}) : std::fabs(double{v}));
  }
  return a;
}

// numpy.percentile's default ("linear"): interpolate at position p/100 * (n - 1) of the sorted
// values. `v` must be non-empty; it is sorted in place.
double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= v.size()) {
    return v.back();
  }
  return v[i] + (pos - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

// Counts of `a` (values in [lo, hi], hi > lo) in `bins` equal bins; exact zeros are left out
// (0 is on every candidate grid, so they never add error or information).
std::vector<double> Histogram(const std::vector<double>& a, double lo, double hi, int bins) {
  std::vector<double> h(static_cast<size_t>(bins), 0.0);
  const double per_unit = bins / (hi - lo);
  for (double v : a) {
    if (v == 0.0) {
      continue;
    }
    const double pos = std::floor((v - lo) * per_unit);
    const int64_t idx = std::clamp<int64_t>(static_cast<int64_t>(pos), 0, bins - 1);
    h[static_cast<size_t>(idx)] += 1.0;
  }
  return h;
}

// The (centre, count) pairs of the nonzero bins of a histogram whose bin 0 starts at `lo`.
std::vector<std::pair<double, double>> Centres(const std::vector<double>& h, double lo, double w) {
  std::vector<std::pair<double, double>> centres;
  for (size_t j = 0; j < h.size(); ++j) {
    if (h[j] > 0) {
      centres.emplace_back(lo + (static_cast<double>(j) + 0.5) * w, h[j]);
    }
  }
  return centres;
}

// Symmetric MSE search: the T = k * amax / bins minimising sum_j h_j (c_j - s * min(round(c_j/s),
// Q))^2 over bin centres c_j, s = T / Q (NVIDIA pytorch-quantization calib/histogram.py,
// _compute_amax_mse, evaluates bin centres weighted by counts the same way).
double MseSymmetric(const std::vector<double>& a, double amax, int64_t qmax, int bins) {
  const auto centres = Centres(Histogram(a, 0.0, amax, bins), 0.0, amax / bins);
  const double q = static_cast<double>(qmax);
  double best_t = amax, best_err = kInf;
  for (int k = 1; k <= bins; ++k) {
    const double t = amax * k / bins, s = t / q;
    double err = 0;
    for (const auto& [c, n] : centres) {
      const double d = c - s * std::min(RoundHalfAwayFromZero(c / s), q);
      err += n * d * d;
    }
    if (err < best_err) {
      best_err = err;
      best_t = t;
    }
  }
  return best_t;
}

// Asymmetric MSE search over alpha = k / bins applied to [mn, mx], on the affine grid of
// AffineParams (scale (hi-lo)/(qmax-qmin), z = round(qmin - lo/scale)). Returns alpha.
double MseAsymmetricAlpha(const std::vector<float>& values, double mn, double mx,
                          const IntType& type, int bins) {
  const std::vector<double> x(values.begin(), values.end());
  const auto centres = Centres(Histogram(x, mn, mx, bins), mn, (mx - mn) / bins);
  const double qmin = static_cast<double>(type.min()), qmax = static_cast<double>(type.max());
  double best_alpha = 1.0, best_err = kInf;
  for (int k = 1; k <= bins; ++k) {
    const double alpha = static_cast<double>(k) / bins;
    const double s = alpha * (mx - mn) / (qmax - qmin);
    const double z = std::clamp(RoundHalfAwayFromZero(qmin - alpha * mn / s), qmin, qmax);
    double err = 0;
    for (const auto& [c, n] : centres) {
      const double d = c - s * (std::clamp(RoundHalfAwayFromZero(c / s) + z, qmin, qmax) - z);
      err += n * d * d;
    }
    if (err < best_err) {
      best_err = err;
      best_alpha = alpha;
    }
  }
  return best_alpha;
}

// MXNet _smooth_distribution: zeros become eps, the nonzero entries give up the same total mass.
// Returns false where MXNet fails (all zero) or asserts (an entry would become <= 0).
bool Smooth(std::vector<double>& p) {
  constexpr double kEps = 1e-4;
  const auto n = static_cast<double>(p.size());
  const auto nonzeros =
      static_cast<double>(std::count_if(p.begin(), p.end(), [](double v) { return v != 0; }));
  if (nonzeros == 0) {
    return false;
  }
  const double eps1 = kEps * (n - nonzeros) / nonzeros;
  for (double& v : p) {
    v = v == 0 ? kEps : v - eps1;
    if (v <= 0) {
      return false;
    }
  }
  return true;
}

// KL(P || Q) after normalising both to sum 1 (scipy.stats.entropy(p, q), as MXNet calls it).
double KlDivergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    sp += p[k];
    sq += q[k];
  }
  double kl = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    const double pn = p[k] / sp, qn = q[k] / sq;
    kl += pn * std::log(pn / qn);
  }
  return kl;
}

// The KL threshold of magnitudes `a` for a grid of `levels` levels on one side of zero.
// A histogram needs data in its bins: with few values (a classifier's ten logits over a few
// samples) 2048 bins hold isolated spikes and the divergence search degenerates to a threshold
// near zero. Unless min_per_bin is 0, Quasar therefore uses at most one bin per min_per_bin
// nonzero values, and never fewer than 2 * levels bins; with plentiful data this is TensorRT's
// 2048.
double KlThreshold(const std::vector<double>& a, double amax, int levels, int bins,
                   int min_per_bin) {
  int eff_bins = bins;
  if (min_per_bin > 0) {
    const auto nonzero =
        static_cast<int64_t>(std::count_if(a.begin(), a.end(), [](double v) { return v != 0.0; }));
    eff_bins = static_cast<int>(
        std::min<int64_t>(bins, std::max<int64_t>(2 * int64_t{levels}, nonzero / min_per_bin)));
  }
  const std::vector<double> h = Histogram(a, 0.0, amax, eff_bins);
  const int64_t i = KlThresholdBins(h, levels);
  return std::min((static_cast<double>(i) + 0.5) * amax / eff_bins, amax);
}

}  // namespace

namespace detail {

std::string Num(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

Range RangeOf(const std::vector<float>& values, double mn, double mx, const IntType& type,
              bool symmetric, const CalibOptions& opt) {
  CheckCalibType(type, symmetric);
  CheckOptions(opt);
  mn = std::min(mn, 0.0);
  mx = std::max(mx, 0.0);
  const bool is_unsigned = type.kind == IntKind::kUnsigned;
  if (symmetric) {
    const double amax = is_unsigned ? mx : std::max(-mn, mx);
    if (amax == 0 || values.empty()) {
      return Range{};
    }
    double t = amax;
    std::vector<double> a;
    if (opt.method != CalibMethod::kMinMax) {
      a = Magnitudes(values, is_unsigned);
    }
    switch (opt.method) {
      case CalibMethod::kMinMax:
        break;
      case CalibMethod::kPercentile:
        t = Percentile(a, opt.percentile);
        break;
      case CalibMethod::kMse:
        t = MseSymmetric(a, amax, SymmetricQmax(type), opt.histogram_bins);
        break;
      case CalibMethod::kKl:
        t = KlThreshold(a, amax, KlNumLevels(type), opt.histogram_bins, opt.kl_min_values_per_bin);
        break;
    }
    return is_unsigned ? Range{0.0, t} : Range{-t, t};
  }
  if ((mn == 0 && mx == 0) || values.empty()) {
    return Range{};
  }
  switch (opt.method) {
    case CalibMethod::kMinMax:
      break;
    case CalibMethod::kPercentile: {
      std::vector<double> x(values.begin(), values.end());
      const double hi = Percentile(x, opt.percentile);
      const double lo = Percentile(x, 100.0 - opt.percentile);
      return Range{std::min(lo, 0.0), std::max(hi, 0.0)};
    }
    case CalibMethod::kMse: {
      const double alpha = MseAsymmetricAlpha(values, mn, mx, type, opt.histogram_bins);
      return Range{alpha * mn, alpha * mx};
    }
    case CalibMethod::kKl: {
      // One-sided data (a ReLU output) spreads the whole asymmetric grid over [0, T]: 2^bits
      // levels, as an unsigned grid, not the 2^(bits-1) of one side of a signed one.
      const int levels = mn == 0 ? KlNumLevels(IntType::Unsigned(type.bits)) : KlNumLevels(type);
      const double t = KlThreshold(Magnitudes(values, false), std::max(-mn, mx), levels,
                                   opt.histogram_bins, opt.kl_min_values_per_bin);
      return Range{std::max(mn, -t), std::min(mx, t)};
    }
  }
  return Range{mn, mx};
}

}  // namespace detail

constexpr EnumTable<CalibMethod, 4> kCalibMethods = {{{CalibMethod::kMinMax, "minmax"},
                                                     {CalibMethod::kPercentile, "percentile"},
                                                     {CalibMethod::kMse, "mse"},
                                                     {CalibMethod::kKl, "kl"}}};

std::string CalibMethodName(CalibMethod m) { return EnumName(kCalibMethods, m); }

std::optional<CalibMethod> ParseCalibMethod(const std::string& name) {
  return ParseEnum(kCalibMethods, name);
}

const char* CalibMethodChoices() {
  static const std::string choices = EnumChoices(kCalibMethods);
  return choices.c_str();
}

void CheckCalibType(const IntType& type, bool symmetric) {
  const bool linear = type.kind == IntKind::kSigned || type.kind == IntKind::kUnsigned;
  if (!linear || type.bits < 1 || type.bits > 16) {
    throw InputError("calibration needs a signed or unsigned type of 1..16 bits, got " +
                     type.Name());
  }
  if (symmetric && type == IntType::Signed(1)) {
    throw InputError("a symmetric grid needs at least 2 bits when signed, got int1");
  }
}

int64_t SymmetricQmax(const IntType& type) {
  return type.kind == IntKind::kUnsigned ? (int64_t{1} << type.bits) - 1
                                         : (int64_t{1} << (type.bits - 1)) - 1;
}

QLimits GridLimits(const IntType& type, bool symmetric) {
  if (symmetric && type.kind == IntKind::kSigned) {
    const auto q = static_cast<int32_t>(SymmetricQmax(type));
    return {-q, q};
  }
  return {static_cast<int32_t>(type.min()), static_cast<int32_t>(type.max())};
}

int KlNumLevels(const IntType& type) {
  return type.kind == IntKind::kUnsigned ? 1 << type.bits : 1 << (type.bits - 1);
}

int64_t KlThresholdBins(const std::vector<double>& hist, int num_levels) {
  if (num_levels < 1) {
    throw std::invalid_argument("KlThresholdBins: num_levels must be >= 1");
  }
  const size_t n = hist.size(), levels = static_cast<size_t>(num_levels);
  if (n < levels || std::all_of(hist.begin(), hist.end(), [](double v) { return v == 0; })) {
    return static_cast<int64_t>(n);
  }
  double outliers = 0;  // the mass beyond the first i bins, for i = levels first
  for (size_t k = levels; k < n; ++k) {
    outliers += hist[k];
  }
  size_t best_i = n;
  double best_kl = kInf;
  for (size_t i = levels; i <= n; ++i) {
    // P: the first i bins, the clipped mass added to the last one.
    std::vector<double> p(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(i));
    p[i - 1] += outliers;
    // Q: the first i bins (without the outliers) merged into `levels` groups of i / levels bins
    // (the last group takes the remainder), each group's mass spread evenly over the bins where
    // P is nonzero.
    std::vector<double> q(i, 0.0);
    const size_t merged = i / levels;
    for (size_t g = 0; g < levels; ++g) {
      const size_t start = g * merged, stop = g + 1 == levels ? i : start + merged;
      double sum = 0, nonzero = 0;
      for (size_t k = start; k < stop; ++k) {
        sum += hist[k];
        nonzero += p[k] != 0 ? 1 : 0;
      }
      for (size_t k = start; k < stop && nonzero > 0; ++k) {
        q[k] = p[k] != 0 ? sum / nonzero : 0.0;
      }
    }
    const double kl = Smooth(p) && Smooth(q) ? KlDivergence(p, q) : kInf;
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
    if (i < n) {
      outliers -= hist[i];
    }
  }
  return static_cast<int64_t>(best_i);
}

Range ChooseRange(std::vector<float> values, const IntType& type, bool symmetric,
                  const CalibOptions& opt) {
  double mn = 0, mx = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw InputError("calibration value " + std::to_string(i) + " is not finite, got " +
                       Num(values[i]));
    }
    mn = std::min(mn, double{values[i]});
    mx = std::max(mx, double{values[i]});
  }
  return detail::RangeOf(values, mn, mx, type, symmetric, opt);
}

QuantParams AffineParams(const std::vector<Range>& ranges, const IntType& type, bool symmetric) {
  if (ranges.empty()) {
    throw InputError("AffineParams needs at least one range, got none");
  }
  CheckCalibType(type, symmetric);
  const bool is_unsigned = type.kind == IntKind::kUnsigned;
  const double qmin = static_cast<double>(type.min()), qmax = static_cast<double>(type.max());
  QuantParams qp;
  qp.type = type;
  qp.scales.clear();
  qp.zero_points.clear();
  for (size_t c = 0; c < ranges.size(); ++c) {
    const Range& r = ranges[c];
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo > 0 || r.hi < 0) {
      throw InputError("calibration range of channel " + std::to_string(c) +
                       " must be finite with lo <= 0 <= hi, got [" + Num(r.lo) + ", " + Num(r.hi) +
                       "]");
    }
    const double s = symmetric ? (is_unsigned ? r.hi : std::max(-r.lo, r.hi)) /
                                     static_cast<double>(SymmetricQmax(type))
                               : (r.hi - r.lo) / (qmax - qmin);
    float sf = s == 0 ? 1.0f : static_cast<float>(s);
    if (!std::isfinite(sf)) {
      throw InputError("calibration range of channel " + std::to_string(c) +
                       " is too wide for a float scale, got [" + Num(r.lo) + ", " + Num(r.hi) +
                       "]");
    }
    sf = std::max(sf, FLT_MIN);
    const double z =
        symmetric ? 0.0 : std::clamp(RoundHalfAwayFromZero(qmin - r.lo / double{sf}), qmin, qmax);
    qp.scales.push_back(sf);
    qp.zero_points.push_back(static_cast<int32_t>(z));
  }
  return qp;
}

}  // namespace quasar::models
