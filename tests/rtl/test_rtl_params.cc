// One hardware description drives the models and the RTL: every built-in RTL model was
// Verilated with the parameters its architecture preset implies (RtlParamsFor), and the
// Verilated model itself reports them through its identification outputs.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "quasar/rtl/params.h"
#include "quasar/sim/rtl/rtl_models.h"
#include "rtl_test_util.h"

namespace quasar::test {
namespace {

using quasar::rtl::ArrayParams;
using quasar::rtl::MacParams;
using sim::rtl::RtlKind;
using sim::rtl::RtlModelInfo;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    out += s + "; ";
  }
  return out;
}

TEST_CASE("Every built-in RTL model has its preset's parameters, as the model reports them",
          "[rtl][params]") {
  const std::vector<RtlModelInfo>& models = sim::rtl::BuiltModels();
  REQUIRE(models.size() >= 6);
  std::vector<std::unique_ptr<sim::rtl::RtlArray>> arrays;
  std::vector<std::unique_ptr<sim::rtl::MacBank>> banks;
  int with_preset = 0;
  for (const RtlModelInfo& m : models) {
    if (!m.preset.empty()) {
      ++with_preset;
      const std::string file = m.preset.substr(m.preset.rfind('/') + 1);
      const models::ArchSpec arch = LoadPreset(file);
      INFO(m.name << " from " << m.preset);
      // The -G values it was built with are the ones the spec implies.
      if (m.kind == RtlKind::kArray) {
        CHECK(Join(quasar::rtl::Differences(m.array, quasar::rtl::ArrayParamsFor(arch))) == "");
        CHECK(sim::rtl::FindArrayFor(arch) == &m);
      } else {
        CHECK(Join(quasar::rtl::Differences(m.mac, quasar::rtl::MacParamsFor(arch.mac))) == "");
      }
    }
    if (m.kind == RtlKind::kArray) {
      arrays.push_back(sim::rtl::MakeRtlArray(m.name, ""));
    } else {
      banks.push_back(sim::rtl::MakeMacBank(m.name));
    }
  }
  CHECK(with_preset >= 6);
  std::vector<std::string> reported;
  RunInSystemCThread([&] {
    size_t ai = 0, bi = 0;
    for (const RtlModelInfo& m : models) {
      if (m.kind == RtlKind::kArray) {
        const ArrayParams p = arrays[ai++]->ReportedParams();
        reported.push_back(m.name + ": " + Join(quasar::rtl::Differences(p, m.array)));
      } else {
        sim::rtl::MacBank& bank = *banks[bi++];
        const MacParams p = bank.ReportedParams();
        reported.push_back(m.name + ": " + Join(quasar::rtl::Differences(p, m.mac)) +
                           (bank.units() == m.units ? "" : "units differ"));
      }
    }
  });
  for (size_t i = 0; i < models.size(); ++i) {
    CHECK(reported[i] == models[i].name + ": ");
  }
}

TEST_CASE("RTL parameters follow the architecture's MAC", "[rtl][params]") {
  models::ArchSpec arch = LoadPreset("rtl_4x4_ws.yaml");
  const ArrayParams p = quasar::rtl::ArrayParamsFor(arch);
  CHECK(p.rows == 4);
  CHECK(p.mac.a_w == 9);  // 8-bit operands minus a zero point
  CHECK(p.mac.lanes == 16);
  arch.mac.binary_lanes = 64;
  CHECK(quasar::rtl::MacParamsFor(arch.mac).lanes == 64);
  arch.mac.binary_lanes = 0;
  arch.mac.scaling = models::PrecisionScaling::kNone;
  CHECK(quasar::rtl::MacParamsFor(arch.mac).lanes == 1);
  arch.mac.is_signed = false;
  CHECK(quasar::rtl::MacParamsFor(arch.mac).a_w == 8);
  const std::vector<std::string> args = quasar::rtl::VerilatorArgs(p);
  CHECK(args.front() == "-GROWS=4");
  CHECK(std::find(args.begin(), args.end(), "-GLANES=16") != args.end());
  arch.rows = 8;
  CHECK(sim::rtl::FindArrayFor(arch) == nullptr);
}

}  // namespace
}  // namespace quasar::test
