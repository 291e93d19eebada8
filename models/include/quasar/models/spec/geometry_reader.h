#pragma once
// Reading of window geometry (kernel, stride, dilation, padding) shared by the layer and network
// formats, with the same validation and messages in both.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "quasar/models/ref/conv2d.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {

// The largest extent (dimension, channel count, window, stride, padding) an input file may give:
// 2^31 - 1, so that shape arithmetic on validated values cannot overflow int64.
constexpr int64_t kMaxExtent = (int64_t{1} << 31) - 1;

// A value given as one integer or a pair [h, w]: `fallback` for both when the key is absent;
// nullopt (and a recorded error) when it is malformed, below `min_value` or above kMaxExtent.
std::optional<std::pair<int64_t, int64_t>> ReadIntPair(const MapReader& m, const std::string& key,
                                                       int64_t fallback, int64_t min_value);

// Padding given as one integer (all sides), [h, w] (top = bottom = h, left = right = w) or
// {top, bottom, left, right}; absent means no padding. Negative values are recorded as errors.
void ReadPadding(const MapReader& m, const std::string& key, Conv2dGeometry* g);

}  // namespace quasar::models
