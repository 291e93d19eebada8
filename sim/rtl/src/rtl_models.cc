#include "quasar/sim/rtl/rtl_models.h"

#include <sstream>

#include "quasar/models/error.h"
#include "registry_impl.h"

namespace quasar::sim::rtl {
namespace {

// The parameters a model was Verilated with, from its "-GNAME=value ..." arguments.
RtlModelInfo Describe(const ModelEntry& e) {
  RtlModelInfo info;
  info.name = e.name;
  info.kind = e.kind;
  info.preset = e.preset;
  info.verilator_args = e.verilator_args;
  std::istringstream in(e.verilator_args);
  std::string arg;
  while (in >> arg) {
    const size_t eq = arg.find('=');
    if (arg.rfind("-G", 0) != 0 || eq == std::string::npos) {
      continue;
    }
    const std::string key = arg.substr(2, eq - 2);
    const int64_t v = std::stoll(arg.substr(eq + 1));
    if (key == "ROWS") {
      info.array.rows = v;
    } else if (key == "COLS") {
      info.array.cols = v;
    } else if (key == "DATAFLOW") {
      info.array.dataflow = quasar::rtl::DataflowFromCode(v);
    } else if (key == "A_W") {
      info.mac.a_w = static_cast<int>(v);
    } else if (key == "W_W") {
      info.mac.w_w = static_cast<int>(v);
    } else if (key == "LANES") {
      info.mac.lanes = static_cast<int>(v);
    } else if (key == "ACC_W") {
      info.mac.acc_w = static_cast<int>(v);
    } else if (key == "SIGNED") {
      info.mac.is_signed = v != 0;
    } else if (key == "N") {
      info.units = v;
    }
  }
  info.array.mac = info.mac;
  return info;
}

const ModelEntry& Entry(const std::string& name, RtlKind kind) {
  for (const ModelEntry& e : ModelEntries()) {
    if (e.name == name && e.kind == kind) {
      return e;
    }
  }
  std::string known;
  for (const ModelEntry& e : ModelEntries()) {
    if (e.kind == kind) {
      known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
  }
  throw InputError("no Verilated " + std::string(kind == RtlKind::kArray ? "array" : "MAC bank") +
                   " named '" + name + "' is built in (built: " + (known.empty() ? "none" : known) +
                   ")");
}

}  // namespace

const std::vector<RtlModelInfo>& BuiltModels() {
  static const std::vector<RtlModelInfo> models = [] {
    std::vector<RtlModelInfo> out;
    for (const ModelEntry& e : ModelEntries()) {
      out.push_back(Describe(e));
    }
    return out;
  }();
  return models;
}

const RtlModelInfo* FindModel(const std::string& name) {
  for (const RtlModelInfo& m : BuiltModels()) {
    if (m.name == name) {
      return &m;
    }
  }
  return nullptr;
}

const RtlModelInfo* FindArrayFor(const models::ArchSpec& arch) {
  const quasar::rtl::ArrayParams want = quasar::rtl::ArrayParamsFor(arch);
  for (const RtlModelInfo& m : BuiltModels()) {
    if (m.kind == RtlKind::kArray && m.array == want) {
      return &m;
    }
  }
  return nullptr;
}

const RtlModelInfo* FindMacBankFor(const models::ArchSpec& arch) {
  // The grid asks a bank for at most `lanes` products per cycle (MakeMacGridArray), so a bank
  // with more lanes serves too; the one with the fewest is the fastest to simulate.
  const quasar::rtl::MacParams want = quasar::rtl::MacParamsFor(arch.mac);
  const RtlModelInfo* best = nullptr;
  for (const RtlModelInfo& m : BuiltModels()) {
    quasar::rtl::MacParams same_lanes = m.mac;
    same_lanes.lanes = want.lanes;
    if (m.kind == RtlKind::kMacBank && same_lanes == want && m.mac.lanes >= want.lanes &&
        (best == nullptr || m.mac.lanes < best->mac.lanes)) {
      best = &m;
    }
  }
  return best;
}

std::unique_ptr<RtlArray> MakeRtlArray(const std::string& name, const std::string& trace_path) {
  return Entry(name, RtlKind::kArray).make(name, trace_path).array;
}

std::unique_ptr<MacBank> MakeMacBank(const std::string& name) {
  return Entry(name, RtlKind::kMacBank).make(name, "").bank;
}

}  // namespace quasar::sim::rtl
