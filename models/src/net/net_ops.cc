// Names of the network ops and the keys each one takes.

#include <algorithm>
#include <vector>

#include "net_keys.h"
#include "quasar/models/enum_names.h"

namespace quasar::models {
namespace {

constexpr EnumTable<NetOp, 11> kNetOpNames = {{{NetOp::kConv2d, "conv2d"},
                                               {NetOp::kDepthwiseConv2d, "depthwise_conv2d"},
                                               {NetOp::kFullyConnected, "fully_connected"},
                                               {NetOp::kMatMul, "matmul"},
                                               {NetOp::kAdd, "add"},
                                               {NetOp::kMaxPool, "max_pool"},
                                               {NetOp::kAvgPool, "avg_pool"},
                                               {NetOp::kGlobalAvgPool, "global_avg_pool"},
                                               {NetOp::kFlatten, "flatten"},
                                               {NetOp::kReshape, "reshape"},
                                               {NetOp::kTranspose, "transpose"}}};

constexpr NetOp kAllNetOps[] = {
    NetOp::kConv2d,  NetOp::kDepthwiseConv2d, NetOp::kFullyConnected, NetOp::kMatMul,
    NetOp::kAdd,     NetOp::kMaxPool,         NetOp::kAvgPool,        NetOp::kGlobalAvgPool,
    NetOp::kFlatten, NetOp::kReshape,         NetOp::kTranspose};

// Keys every layer may carry.
const std::vector<std::string> kCommonKeys = {"name", "op", "input", "inputs", "output_shape"};

std::vector<std::string> KeysOf(NetOp op) {
  const std::vector<std::string> weighted = {"bias",      "activation", "weights_file",
                                             "bias_file", "precision",  "kernel",
                                             "stride",    "padding",    "dilation"};
  std::vector<std::string> keys;
  switch (op) {
    case NetOp::kConv2d:
      keys = weighted;
      keys.insert(keys.end(), {"out_channels", "groups"});
      return keys;
    case NetOp::kDepthwiseConv2d:
      keys = weighted;
      keys.push_back("multiplier");
      return keys;
    case NetOp::kFullyConnected:
      return {"out_features", "bias", "activation", "weights_file", "bias_file", "precision"};
    case NetOp::kMatMul:
    case NetOp::kAdd:
      return {"activation", "precision"};
    case NetOp::kMaxPool:
      return {"kernel", "stride", "padding"};
    case NetOp::kAvgPool:
      return {"kernel", "stride", "padding", "count_include_pad"};
    case NetOp::kGlobalAvgPool:
    case NetOp::kFlatten:
      return {};
    case NetOp::kReshape:
      return {"shape"};
    case NetOp::kTranspose:
      return {"perm"};
  }
  return {};
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string NetOpName(NetOp op) { return EnumName(kNetOpNames, op); }

std::optional<NetOp> ParseNetOp(const std::string& name) { return ParseEnum(kNetOpNames, name); }

const char* NetOpChoices() {
  static const std::string choices = EnumChoices(kNetOpNames);
  return choices.c_str();
}

bool NetOpHasWeights(NetOp op) {
  return op == NetOp::kConv2d || op == NetOp::kDepthwiseConv2d || op == NetOp::kFullyConnected;
}

bool NetOpMovesDataOnly(NetOp op) {
  return op == NetOp::kMaxPool || op == NetOp::kAvgPool || op == NetOp::kGlobalAvgPool ||
         op == NetOp::kFlatten || op == NetOp::kReshape || op == NetOp::kTranspose;
}

std::string LayerKey(size_t index, const std::string& name) {
  return "layers[" + std::to_string(index) + (name.empty() ? "" : ":" + name) + "]";
}

void CheckLayerKeys(const MapReader& m, NetOp op) {
  const std::vector<std::string> own = KeysOf(op);
  std::vector<std::string> all = kCommonKeys;
  for (NetOp other : kAllNetOps) {
    for (const auto& k : KeysOf(other)) {
      if (!Contains(all, k)) {
        all.push_back(k);
      }
    }
  }
  m.RejectDuplicateKeys();
  for (const std::string& key : m.Keys()) {
    if (Contains(kCommonKeys, key) || Contains(own, key)) {
      continue;
    }
    if (Contains(all, key)) {
      m.Error(key, "does not apply to " + NetOpName(op));
    } else {
      std::string allowed;
      for (const auto& k : kCommonKeys) {
        allowed += (allowed.empty() ? "" : ", ") + k;
      }
      for (const auto& k : own) {
        allowed += ", " + k;
      }
      m.Error(key, "unknown key (allowed for " + NetOpName(op) + ": " + allowed + ")");
    }
  }
}

}  // namespace quasar::models
