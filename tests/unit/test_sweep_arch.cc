// A sweep configuration's accelerator (ArchFor) is built in memory and checked with the format's
// combination checks: it equals, field by field, what the arch format reads back from its YAML,
// and a forbidden combination gives the format's own message.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar::sim::explore;
using quasar::test::Parse;

namespace {

// Every accepted configuration's accelerator is what the arch format reads back from its YAML
// (which writes every key), as the sweep returned when it made that round trip itself; a
// forbidden combination is refused in memory with the message the format gives.
void RequireArchForAgreesWithTheFormat(const SweepSpec& spec) {
  for (size_t i = 0; i < spec.ConfigCount(); ++i) {
    INFO("configuration " << i);
    quasar::models::ArchSpec a;
    try {
      a = ArchFor(spec, ConfigAt(spec, i));
    } catch (const quasar::InputError& e) {
      continue;  // the refusals are checked by message below
    }
    const std::string yaml = quasar::models::ArchSpecToYaml(a);
    std::string read_back;
    try {
      read_back = quasar::models::ArchSpecToYaml(quasar::models::ParseArchSpec(yaml, a.file));
    } catch (const quasar::InputError& e) {
      read_back = std::string("refused by the format: ") + e.what();
    }
    REQUIRE(yaml == read_back);
  }
}

}  // namespace

TEST_CASE("ArchFor equals the arch format's reading of every configuration", "[sweep][arch]") {
  RequireArchForAgreesWithTheFormat(Parse(R"(version: 1
base: edge_32x32_os
networks: [lenet5]
sweep:
  array.rows: [8, 16]
  array.cols: [4, 32]
  array.dataflow: [os, ws, is]
  buffers.weight.kib: [16, 64]
  dram.bytes_per_cycle: [0.5, 16]
  dram.latency_cycles: [0, 100]
  mac.accumulator.bits: [16, 32]
  mac.accumulator.overflow: [wrap, saturate]
)"));
}

TEST_CASE("ArchFor refuses a forbidden combination with the format's message", "[sweep][arch]") {
  const SweepSpec spec = Parse(R"(version: 1
base: bitfusion_16x32
networks: [lenet5]
sweep:
  mac.weight_bits: [2, 6, 8]
  mac.activation_bits: [3, 8]
)");
  RequireArchForAgreesWithTheFormat(spec);
  // 6-bit weights: refused, naming the key; 8 x 8: accepted.
  bool refused = false, accepted = false;
  for (size_t i = 0; i < spec.ConfigCount(); ++i) {
    const SweepConfig c = ConfigAt(spec, i);
    try {
      const auto a = ArchFor(spec, c);
      accepted = accepted || (a.mac.weight_bits == 8 && a.mac.activation_bits == 8);
    } catch (const quasar::InputError& e) {
      refused = true;
      REQUIRE_THAT(e.what(), Catch::Contains(": mac.") &&
                                 Catch::Contains("precision_scaling bit_fusion needs a power of two"));
    }
  }
  REQUIRE(refused);
  REQUIRE(accepted);
}
