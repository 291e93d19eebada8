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

// A value given as one integer or a pair [h, w]: `fallback` for both when the key is absent;
// nullopt (and a recorded error) when it is malformed or below `min_value`.
std::optional<std::pair<int64_t, int64_t>> ReadIntPair(const MapReader& m, const std::string& key,
                                                       int64_t fallback, int64_t min_value);

// Padding given as one integer (all sides), [h, w] (top = bottom = h, left = right = w) or
// {top, bottom, left, right}; absent means no padding. Negative values are recorded as errors.
void ReadPadding(const MapReader& m, const std::string& key, Conv2dGeometry* g);

}  // namespace quasar::models
