#pragma once
// Shared by the decoder-block tests (test_decoder_block.cc, test_decoder_attention.cc): a block's
// configuration with its family's dimensions, and a generated layer's MACs and output shape.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/network.h"

namespace quasar::test {

using models::DecoderBlockConfig;
using models::DecoderFamily;
using models::DecoderPhase;
using models::NetLayer;
using models::NetworkSpec;
using models::Shape;

inline DecoderBlockConfig Config(DecoderFamily f, DecoderPhase p, int64_t seq, int64_t context) {
  DecoderBlockConfig c;
  c.family = f;
  c.phase = p;
  c.seq = seq;
  c.context = context;
  c.dims = DefaultDecoderDims(f);
  return c;
}

inline int64_t Macs(const NetworkSpec& net, const std::string& layer) {
  const NetLayer* l = net.FindLayer(layer);
  REQUIRE(l != nullptr);
  return l->macs;
}

inline const Shape& OutShape(const NetworkSpec& net, const std::string& layer) {
  const NetLayer* l = net.FindLayer(layer);
  REQUIRE(l != nullptr);
  return l->output_shape;
}

}  // namespace quasar::test
