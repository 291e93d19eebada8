#pragma once
// Post-training calibration: choosing the clipping range of a float tensor for an integer grid
// (min/max, percentile, MSE and KL/entropy methods), collecting the values a tensor takes over a
// set of calibration samples (Observer), and turning ranges into affine QuantParams.
//
// Conventions: a range always contains 0, so that 0 is exactly representable (zero padding and
// ReLU need it). "Symmetric" means zero point 0 and range [-T, T] on the narrow signed grid
// [-qmax, qmax] (TFLite's int8 weights), or [0, T] on an unsigned grid. Every method here is
// deterministic: the same values give the same range on every platform and run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/int_type.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

// The rule that picks a clipping range from observed values.
enum class CalibMethod { kMinMax, kPercentile, kMse, kKl };

std::string CalibMethodName(CalibMethod m);  // "minmax", "percentile", "mse", "kl"
std::optional<CalibMethod> ParseCalibMethod(const std::string& name);
const char* CalibMethodChoices();  // "minmax, percentile, mse, kl", for error messages

// Parameters of the calibration methods.
struct CalibOptions {
  CalibMethod method = CalibMethod::kMinMax;
  // percentile method: keep this percentage of |x| (symmetric) or of each tail (asymmetric);
  // (0, 100].
  double percentile = 99.99;
  // mse and kl: histogram resolution, 1..2^20 (TensorRT's entropy calibrator uses 2048).
  int histogram_bins = 2048;
  // kl: at most one histogram bin per this many nonzero values (never fewer than 2 * num_levels
  // bins); 0 keeps exactly histogram_bins, as TensorRT does.
  int kl_min_values_per_bin = 16;
};

// A clipping range; always lo <= 0 <= hi.
struct Range {
  double lo = 0;
  double hi = 0;
};

// The integer limits a quantizer clamps into.
struct QLimits {
  int32_t lo = 0;
  int32_t hi = 0;
};

// Throws InputError unless `type` is a signed or unsigned linear type of 1..16 bits (and, when
// `symmetric`, not int1, whose symmetric grid [-0, 0] has no nonzero level).
void CheckCalibType(const IntType& type, bool symmetric);

// qmax of the symmetric grid: 2^(bits-1) - 1 for signed types, 2^bits - 1 for unsigned ones.
int64_t SymmetricQmax(const IntType& type);

// The legal range of the grid: symmetric signed [-qmax_sym, qmax_sym] (narrow: -2^(bits-1) is
// never produced), symmetric unsigned [0, 2^bits - 1], asymmetric [type.min(), type.max()].
QLimits GridLimits(const IntType& type, bool symmetric);

// Number of quantization levels on one side of zero that the KL method merges the histogram of
// |x| into: 2^(bits-1) for signed types (128 for int8, as TensorRT), 2^bits for unsigned ones.
int KlNumLevels(const IntType& type);

// TensorRT's entropy calibration on a histogram of |x| (bin 0 starts at 0, equal widths):
// returns the number of bins i in [num_levels, hist.size()] whose truncation minimises
// KL(P || Q), the first such i on ties. Returns hist.size() when it has fewer than num_levels
// bins (nothing to search) or no nonzero bin. The threshold is then (i + 0.5) * bin_width.
// Sources: Migacz, "8-bit Inference with TensorRT", GTC 2017 (the pseudocode), and MXNet
// python/mxnet/contrib/quantization.py (_get_optimal_threshold, _smooth_distribution) for the
// merge, expansion and eps = 1e-4 smoothing.
int64_t KlThresholdBins(const std::vector<double>& hist, int num_levels);

// The range of one set of values for a target grid (`type`, `symmetric`), by `opt.method`:
//  - minmax: [min(x, 0), max(x, 0)]; symmetric T = max|x|.
//  - percentile: symmetric T = the p-th percentile of |x|; asymmetric lo = the (100-p)-th and
//    hi = the p-th percentile of x, widened to include 0. Percentiles interpolate linearly
//    between order statistics at position p/100 * (n - 1) (numpy.percentile's default).
//  - mse: the clip minimising the mean squared quantization error on the target grid, estimated
//    on a histogram (bin centres weighted by counts, as NVIDIA pytorch-quantization's
//    calib/histogram.py _compute_amax_mse; the idea of clipping to minimise MSE is Banner et al.,
//    "Post training 4-bit quantization of convolutional networks for rapid-deployment" (ACIQ),
//    NeurIPS 2019). Symmetric: candidates T = k * max|x| / bins, k = 1..bins. Asymmetric:
//    candidates alpha * [min, max] with alpha = k / bins, so a ReLU output (min 0) is clipped
//    only at the top. The smallest candidate wins ties.
//  - kl: KlThresholdBins on a histogram of |x| with `histogram_bins` bins over [0, max|x|] and
//    num_levels = KlNumLevels(type); T = min((i + 0.5) * bin_width, max|x|). Sparse data gets
//    fewer bins: at most one per kl_min_values_per_bin nonzero values, never fewer than
//    2 * num_levels (so a handful of values cannot produce a histogram of isolated spikes). An
//    asymmetric grid over one-sided data (min 0) searches 2^bits levels, as the whole grid then
//    covers [0, T]. Exact zeros are left out of the histogram as ncnn's calibrator does (they are
//    exact at any threshold and would otherwise dominate bin 0 of a ReLU output). Asymmetric:
//    [max(min, -T), min(max, T)].
// On an unsigned symmetric grid ([0, T]) negative values clamp to 0 whatever T is, so T is chosen
// from max(x, 0) rather than |x|. Empty input or all-zero values give Range{0, 0}.
// Throws InputError for a non-finite value, an unsupported type or invalid options.
Range ChooseRange(std::vector<float> values, const IntType& type, bool symmetric,
                  const CalibOptions& opt);

// Affine parameters from ranges (one per channel, or one). Symmetric: z = 0, scale = T / qmax_sym
// with T = max(-lo, hi) (signed) or hi (unsigned). Asymmetric: scale = (hi - lo) / (qmax - qmin),
// z = clamp(round_half_away(qmin - lo / scale), qmin, qmax), computed with the float scale, so that
// lo and hi land within half a step of qmin and qmax and 0 is exactly q = z. A zero-width range
// gives scale 1 (every value quantizes to z exactly). Scales are float, finite and > 0 (a scale
// below the smallest normal float is raised to it). Throws InputError for no ranges, a range that
// is not finite, not lo <= 0 <= hi, or too wide for a float scale, or an unsupported type.
QuantParams AffineParams(const std::vector<Range>& ranges, const IntType& type, bool symmetric);

// Collects the values one tensor takes over a set of calibration samples, per tensor or per
// channel (channel = index along `channel_axis`, e.g. 1 for NCHW activations, 0 for OIHW weights).
// Keeps the exact min, max and mean |x| of each channel, and a deterministic bounded subsample for
// the percentile, mse and kl methods: the values whose position in the channel's stream (in
// observation order, row-major within a tensor) is a multiple of a stride k; k starts at 1 and
// doubles whenever more than `max_values_per_channel` would be kept. The subsample therefore does
// not depend on how the samples were batched into Observe calls, and uses no random numbers.
class Observer {
 public:
  // Throws InputError if max_values_per_channel < 1 or channel_axis < 0.
  Observer(bool per_channel, int channel_axis, int64_t max_values_per_channel = 1 << 18);

  // Adds one sample. The first call fixes the shape; later calls must have the same rank and
  // the same dimensions except dimension 0 (the batch), which may vary unless it is the channel
  // axis. Throws InputError on a changed shape or channel count, a channel axis beyond the rank,
  // no channel (size 0 along the axis), data whose size does not match the shape, or a
  // non-finite value; the observer is unchanged then.
  void Observe(const FloatTensor& t);

  int64_t channels() const;  // 1 when per tensor; 0 before the first Observe when per channel

  // One range per channel (or one), by ChooseRange's rules, using the exact min/max and the
  // subsample. Throws InputError if nothing has been observed.
  std::vector<Range> Ranges(const IntType& type, bool symmetric, const CalibOptions& opt) const;

  double MeanAbs(int64_t channel) const;  // exact mean |x| over every observed value
  double Min(int64_t channel) const;      // exact minimum (0 before any value)
  double Max(int64_t channel) const;      // exact maximum (0 before any value)
  int64_t Count(int64_t channel) const;   // values observed
  int64_t Stride(int64_t channel) const;  // current subsampling stride k (a power of two)
  const std::vector<float>& KeptValues(int64_t channel) const;  // the subsample

 private:
  struct Channel {
    double min = 0, max = 0, sum_abs = 0;
    int64_t count = 0;
    int64_t stride = 1;
    std::vector<float> kept;
  };
  const Channel& At(int64_t channel) const;  // throws std::out_of_range on a bad index

  bool per_channel_;
  int channel_axis_;
  int64_t max_kept_;
  bool observed_ = false;
  Shape shape_;  // of the first sample
  std::vector<Channel> channels_;
};

}  // namespace quasar::models
