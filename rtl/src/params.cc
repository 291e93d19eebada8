#include "quasar/rtl/params.h"

#include <algorithm>
#include <stdexcept>

namespace quasar::rtl {

MacParams MacParamsFor(const models::MacSpec& mac) {
  MacParams p;
  const int extra = mac.is_signed ? 1 : 0;  // zero-point subtraction (params.h)
  p.a_w = mac.activation_bits + extra;
  p.w_w = mac.weight_bits + extra;
  p.lanes = std::max(1, mac.binary_lanes);
  if (mac.scaling == models::PrecisionScaling::kBitFusion) {
    p.lanes = std::max(p.lanes, (mac.weight_bits / 2) * (mac.activation_bits / 2));
  }
  p.acc_w = mac.accumulator.bits;
  p.is_signed = mac.is_signed;
  return p;
}

ArrayParams ArrayParamsFor(const models::ArchSpec& arch) {
  ArrayParams p;
  p.rows = arch.rows;
  p.cols = arch.cols;
  p.dataflow = arch.dataflow;
  p.mac = MacParamsFor(arch.mac);
  return p;
}

int DataflowCode(models::Dataflow d) { return models::TraitsOf(d).rtl_code; }

models::Dataflow DataflowFromCode(int64_t code) {
  for (const models::DataflowTraits& t : models::AllDataflows()) {
    if (t.rtl_code == code) {
      return t.dataflow;
    }
  }
  throw std::logic_error("no dataflow has the RTL code " + std::to_string(code));
}

namespace {

void AddMac(const MacParams& p, std::vector<std::string>* out) {
  out->push_back("-GA_W=" + std::to_string(p.a_w));
  out->push_back("-GW_W=" + std::to_string(p.w_w));
  out->push_back("-GLANES=" + std::to_string(p.lanes));
  out->push_back("-GACC_W=" + std::to_string(p.acc_w));
  out->push_back("-GSIGNED=" + std::to_string(p.is_signed ? 1 : 0));
}

template <typename T>
void Diff(const char* field, const T& rtl, const T& arch, std::vector<std::string>* out) {
  if (!(rtl == arch)) {
    out->push_back(std::string(field) + ": " + std::to_string(rtl) + " (RTL) vs " +
                   std::to_string(arch) + " (architecture)");
  }
}

}  // namespace

std::vector<std::string> VerilatorArgs(const MacParams& p, int64_t n) {
  std::vector<std::string> out{"-GN=" + std::to_string(n)};
  AddMac(p, &out);
  return out;
}

std::vector<std::string> VerilatorArgs(const ArrayParams& p) {
  std::vector<std::string> out{"-GROWS=" + std::to_string(p.rows),
                               "-GCOLS=" + std::to_string(p.cols),
                               "-GDATAFLOW=" + std::to_string(DataflowCode(p.dataflow))};
  AddMac(p.mac, &out);
  return out;
}

std::vector<std::string> Differences(const MacParams& rtl, const MacParams& arch) {
  std::vector<std::string> out;
  Diff("activation lane bits", rtl.a_w, arch.a_w, &out);
  Diff("weight lane bits", rtl.w_w, arch.w_w, &out);
  Diff("lanes", rtl.lanes, arch.lanes, &out);
  Diff("accumulator bits", rtl.acc_w, arch.acc_w, &out);
  Diff("signed", int{rtl.is_signed}, int{arch.is_signed}, &out);
  return out;
}

std::vector<std::string> Differences(const ArrayParams& rtl, const ArrayParams& arch) {
  std::vector<std::string> out;
  Diff("rows", rtl.rows, arch.rows, &out);
  Diff("cols", rtl.cols, arch.cols, &out);
  if (rtl.dataflow != arch.dataflow) {
    out.push_back("dataflow: " + models::DataflowName(rtl.dataflow) + " (RTL) vs " +
                  models::DataflowName(arch.dataflow) + " (architecture)");
  }
  for (std::string& d : Differences(rtl.mac, arch.mac)) {
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace quasar::rtl
