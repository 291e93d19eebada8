#pragma once
// Internal to the network format's writer (network_write.cc) and the op registry (ops/*.cc):
// KeyWriter, through which an op's write_keys emits its attribute keys (so that ops.h and the op
// families need no yaml-cpp), and the window keys the convolutions and pools share.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/net/network.h"
#include "quasar/models/spec/yaml_reader.h"

namespace YAML {
class Emitter;
}

namespace quasar::models {

// Writes `key: value` entries into the YAML mapping being emitted; lists and maps in flow style.
class KeyWriter {
 public:
  explicit KeyWriter(YAML::Emitter& out) : out_(out) {}
  void Int(const char* key, int64_t value);
  void Double(const char* key, double value);
  void Bool(const char* key, bool value);
  void String(const char* key, const std::string& value);
  void IntList(const char* key, const std::vector<int64_t>& values);
  void DoubleList(const char* key, const std::vector<double>& values);
  void StringList(const char* key, const std::vector<std::string>& values);
  // {name: value, ...}, in the given order.
  void IntMap(const char* key, std::initializer_list<std::pair<const char*, int64_t>> entries);
  // One value when h == w, [h, w] otherwise; nothing when both are `identity`.
  void Pair(const char* key, int64_t h, int64_t w, int64_t identity);

 private:
  YAML::Emitter& out_;
};

// The window keys of a convolution or pool (docs/network-format.md): kernel (required), stride
// (a pool's defaults to its kernel, `pool`), padding, and where the op takes them (OpDef::keys)
// dilation, output_padding and groups.
void WriteWindowKeys(KeyWriter& w, const NetLayer& l, bool pool);
void ReadWindowKeys(const MapReader& m, NetLayer* l, bool pool);

// An extent (out_channels, multiplier, groups) in 1..kMaxExtent under `key`, into `*field`.
void ReadExtent(const MapReader& m, const char* key, bool required, int64_t* field);

}  // namespace quasar::models
