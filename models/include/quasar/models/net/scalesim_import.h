#pragma once
// Import of SCALE-Sim topology CSV files (scale-sim-v2, scalesim/topology_utils.py), so users
// keep the topologies they already have. See docs/network-format.md.
//
// Convolution form: a header line, then rows "name, ifmap_h, ifmap_w, filter_h, filter_w,
// channels, num_filter, stride_h[, stride_w]," (SCALE-Sim ends rows with a comma). Each row is a
// conv2d reading its own input [1, channels, ifmap_h, ifmap_w] (SCALE-Sim's IFMAP sizes include
// any padding). SCALE-Sim's output size ceil((ifmap - filter + stride) / stride) counts a last,
// partial window when the stride does not divide ifmap - filter; Quasar pads the bottom/right
// edge just enough to reproduce it, so sizes and MACs equal SCALE-Sim's. A name containing
// "DP" is depthwise (SCALE-Sim runs it as `channels` single-channel convolutions of num_filter
// filters): imported as one depthwise_conv2d with multiplier num_filter.
// GEMM form (header "Layer, M, N, K,"; SCALE-Sim maps it to ifmap M x K, filter 1 x K, N
// filters): each row is a fully_connected layer [M, K] -> [M, N].

#include <string>

#include "quasar/models/net/network.h"

namespace quasar::models {

// Throws InputError naming the file, line and column of every malformed entry.
NetworkSpec ImportScaleSimCsv(const std::string& path);
// The same from text; `where` names the source in messages, `name` becomes the network name.
NetworkSpec ParseScaleSimCsv(const std::string& text, const std::string& where,
                             const std::string& name);

}  // namespace quasar::models
