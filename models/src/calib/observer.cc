// Observer: the values one tensor takes over the calibration samples, per tensor or per channel.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "quasar/models/calib/calibration.h"
#include "quasar/models/error.h"
#include "range_internal.h"

namespace quasar::models {

using detail::Num;

Observer::Observer(bool per_channel, int channel_axis, int64_t max_values_per_channel)
    : per_channel_(per_channel), channel_axis_(channel_axis), max_kept_(max_values_per_channel) {
  if (max_values_per_channel < 1) {
    throw InputError("observer max_values_per_channel must be >= 1, got " +
                     std::to_string(max_values_per_channel));
  }
  if (per_channel && channel_axis < 0) {
    throw InputError("observer channel axis must be >= 0, got " + std::to_string(channel_axis));
  }
  if (!per_channel) {
    channels_.resize(1);
  }
}

void Observer::Observe(const FloatTensor& t) {
  const std::string where = "calibration tensor " + ShapeToString(t.shape);
  if (t.size() != NumElements(t.shape)) {
    throw InputError(where + " holds " + std::to_string(t.size()) + " values, its shape needs " +
                     std::to_string(NumElements(t.shape)));
  }
  if (per_channel_ && channel_axis_ >= t.rank()) {
    throw InputError(where + ": channel axis " + std::to_string(channel_axis_) +
                     " is beyond its rank " + std::to_string(t.rank()));
  }
  if (per_channel_ && t.dim(channel_axis_) == 0) {
    throw InputError(where + " has no channel along axis " + std::to_string(channel_axis_));
  }
  if (observed_) {
    bool same = t.rank() == static_cast<int>(shape_.size());
    for (int d = 0; same && d < t.rank(); ++d) {
      const bool batch = d == 0 && !(per_channel_ && channel_axis_ == 0);
      same = batch || t.dim(d) == shape_[static_cast<size_t>(d)];
    }
    if (!same) {
      throw InputError(where + " differs from the first sample's shape " + ShapeToString(shape_) +
                       " (only dimension 0, the batch, may change" +
                       (per_channel_ ? ", and not when it is the channel axis)" : ")"));
    }
  }
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i])) {
      throw InputError(where + ": value " + std::to_string(i) + " is not finite, got " + Num(t[i]));
    }
  }
  if (!observed_) {
    observed_ = true;
    shape_ = t.shape;
    if (per_channel_) {
      channels_.resize(static_cast<size_t>(t.dim(channel_axis_)));
    }
  }
  int64_t inner = t.size(), num_channels = 1;
  if (per_channel_) {
    num_channels = t.dim(channel_axis_);
    inner = 1;
    for (int d = channel_axis_ + 1; d < t.rank(); ++d) {
      inner *= t.dim(d);
    }
  }
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t[i];
    Channel& ch = channels_[static_cast<size_t>((i / inner) % num_channels)];
    ch.min = ch.count == 0 ? v : std::min(ch.min, v);
    ch.max = ch.count == 0 ? v : std::max(ch.max, v);
    ch.sum_abs += std::fabs(v);
    if (ch.count % ch.stride == 0) {
      // kept[m] is the value at stream position m * stride; doubling the stride keeps the even m.
      ch.kept.push_back(t[i]);
      if (static_cast<int64_t>(ch.kept.size()) > max_kept_) {
        ch.stride *= 2;
        for (size_t m = 0; 2 * m < ch.kept.size(); ++m) {
          ch.kept[m] = ch.kept[2 * m];
        }
        ch.kept.resize((ch.kept.size() + 1) / 2);
      }
    }
    ++ch.count;
  }
}

int64_t Observer::channels() const { return static_cast<int64_t>(channels_.size()); }

std::vector<Range> Observer::Ranges(const IntType& type, bool symmetric,
                                    const CalibOptions& opt) const {
  if (!observed_) {
    throw InputError("observer has no calibration sample: call Observe before Ranges");
  }
  std::vector<Range> ranges;
  for (const Channel& ch : channels_) {
    ranges.push_back(detail::RangeOf(ch.kept, ch.min, ch.max, type, symmetric, opt));
  }
  return ranges;
}

const Observer::Channel& Observer::At(int64_t channel) const {
  if (channel < 0 || channel >= channels()) {
    throw std::out_of_range("observer channel " + std::to_string(channel) + " of " +
                            std::to_string(channels()));
  }
  return channels_[static_cast<size_t>(channel)];
}

double Observer::MeanAbs(int64_t channel) const {
  const Channel& ch = At(channel);
  return ch.count == 0 ? 0.0 : ch.sum_abs / static_cast<double>(ch.count);
}
double Observer::Min(int64_t channel) const { return At(channel).min; }
double Observer::Max(int64_t channel) const { return At(channel).max; }
int64_t Observer::Count(int64_t channel) const { return At(channel).count; }
int64_t Observer::Stride(int64_t channel) const { return At(channel).stride; }
const std::vector<float>& Observer::KeptValues(int64_t channel) const { return At(channel).kept; }

}  // namespace quasar::models
