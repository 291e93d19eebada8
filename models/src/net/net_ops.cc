// Names of the network ops and the keys each one takes, from the op registry (ops.h).

#include <algorithm>
#include <vector>

#include "net_keys.h"
#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

// Keys every layer may carry ("quant": the output's fixed quantization, fixed_quant.h).
const std::vector<std::string> kCommonKeys = {"name", "op",           "input",
                                              "inputs", "output_shape", "quant"};

const std::vector<std::string>& KeysOf(NetOp op) { return OpOf(op).keys; }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::string NetOpName(NetOp op) { return OpOf(op).name; }

std::optional<NetOp> ParseNetOp(const std::string& name) {
  for (const OpDef& d : Ops()) {
    if (name == d.name) {
      return d.op;
    }
  }
  return std::nullopt;
}

const char* NetOpChoices() {
  static const std::string choices = [] {
    std::string out;
    for (const OpDef& d : Ops()) {
      out += (out.empty() ? "" : ", ") + std::string(d.name);
    }
    return out;
  }();
  return choices.c_str();
}

bool NetOpHasWeights(NetOp op) { return OpOf(op).has_weights; }

bool NetOpMovesDataOnly(NetOp op) { return OpOf(op).moves_data_only; }

bool AccumulatesProducts(NetOp op) { return OpOf(op).lowering == OpLowering::kGemm; }

bool GemmBIsInput(NetOp op) { return OpOf(op).gemm_b == GemmB::kSecondInput; }

const OperandPrecision& GemmBPrecision(const NetLayer& l, const NetworkSpec& net) {
  return GemmBIsInput(l.op) ? net.tensor_precision.at(l.inputs.at(1)) : l.precision.weights;
}

std::optional<int> GemmReductionAxis(const NetLayer& l, size_t slot, int rank) {
  const OpDef& op = OpOf(l.op);
  if (op.lowering != OpLowering::kGemm) {
    return std::nullopt;
  }
  if (slot == 1 && op.gemm_b == GemmB::kSecondInput) {
    return l.transpose_b ? rank - 1 : rank - 2;
  }
  if (slot == 0) {
    return op.gemm_input != GemmInput::kDirect ? 1 : rank - 1;
  }
  return std::nullopt;
}

std::string LayerKey(size_t index, const std::string& name) {
  return "layers[" + std::to_string(index) + (name.empty() ? "" : ":" + name) + "]";
}

void CheckLayerKeys(const MapReader& m, NetOp op) {
  const std::vector<std::string>& own = KeysOf(op);
  std::vector<std::string> all = kCommonKeys;
  for (const OpDef& other : Ops()) {
    for (const auto& k : other.keys) {
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
