// SCALE-Sim v2 configuration import (scalesim_config.h): the shipped example, USER-mode
// bandwidth, configparser's spellings, and every kind of bad file naming its section and key.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/spec/scalesim_config.h"

using namespace quasar;
using models::ParseScaleSimConfig;

namespace {

std::string Config(const std::string& arch_extra, const std::string& mode = "CALC") {
  return "[general]\nrun_name = probe\n\n[architecture_presets]\nArrayHeight: 16\n"
         "ArrayWidth: 8\nIfmapSramSzkB: 64\nFilterSramSzkB: 32\nOfmapSramSzkB: 16\n"
         "Dataflow : ws\n" +
         arch_extra + "\n[run_presets]\nInterfaceBandwidth: " + mode + "\n";
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseScaleSimConfig(text, "bad.cfg");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the shipped SCALE-Sim configuration becomes an int8 ArchSpec of its sizes") {
  const models::ArchSpec a =
      models::LoadArchSpec(std::string(QUASAR_SOURCE_DIR) + "/workloads/scalesim/os_32x32.cfg");
  CHECK(a.name == "os_32x32");
  CHECK(a.rows == 32);
  CHECK(a.cols == 32);
  CHECK(a.dataflow == models::Dataflow::kOutputStationary);
  CHECK(a.input.kib == 64);
  CHECK(a.weight.kib == 64);
  CHECK(a.output.kib == 64);
  for (const models::BufferSpec* b : {&a.input, &a.weight, &a.output}) {
    CHECK(b->word_bytes == 1);
    CHECK(b->double_buffered);
  }
  CHECK(a.mac.weight_bits == 8);
  CHECK(a.mac.activation_bits == 8);
  CHECK(a.dram.bytes_per_cycle == 65536);  // CALC: no bandwidth limit
  CHECK(a.dram.latency_cycles == 0);
}

TEST_CASE("SCALE-Sim USER bandwidth: three ports of the smallest bank's words per cycle") {
  const models::ArchSpec a = ParseScaleSimConfig(Config("Bandwidth: 20, 10\n", "USER"), "u.cfg");
  CHECK(a.dram.bytes_per_cycle == 30);
  CHECK(a.dataflow == models::Dataflow::kWeightStationary);
  CHECK(a.rows == 16);
  CHECK(a.cols == 8);
  CHECK(a.input.kib == 64);
  CHECK(a.weight.kib == 32);
  CHECK(a.output.kib == 16);
  CHECK(a.file == "u.cfg");
}

TEST_CASE("SCALE-Sim configurations are read as configparser reads them") {
  // Keys in any case, '=' or ':', comments, unknown keys and sections ignored.
  const std::string text =
      "# comment\n[general]\nRUN_NAME: lower\n[architecture_presets]\narrayheight = 4\n"
      "arraywidth = 4\nifmapsramszkB = 1\nfiltersramszkB = 1\nofmapsramszkB = 1\n"
      "dataflow = is\n; another comment\nMemoryBanks: 1\n[network_presets]\n"
      "TopologyCsvLoc = \"x.csv\"\n[run_presets]\ninterfacebandwidth = CALC\n";
  const models::ArchSpec a = ParseScaleSimConfig(text, "l.cfg");
  CHECK(a.name == "lower");
  CHECK(a.dataflow == models::Dataflow::kInputStationary);
  CHECK(a.rows == 4);
}

TEST_CASE("a bad SCALE-Sim configuration names its section, key and value") {
  CHECK(ErrorOf("[general]\nrun_name = x\n")
            .find("bad.cfg: [architecture_presets]: missing section") != std::string::npos);
  const std::string no_run = Config("");
  CHECK(ErrorOf(no_run.substr(0, no_run.find("[run_presets]")))
            .find("[run_presets]: missing section") != std::string::npos);
  std::string text = Config("");
  text.replace(text.find("IfmapSramSzkB: 64"), 17, "IfmapSramSzkB: 64kB");
  CHECK(
      ErrorOf(text).find("[architecture_presets] IfmapSramSzkB: must be an integer, got '64kB'") !=
      std::string::npos);
  text = Config("");
  text.replace(text.find("ArrayWidth: 8"), 13, "ArrayWidth: 0");
  CHECK(ErrorOf(text).find("ArrayWidth: must be positive, got 0") != std::string::npos);
  text = Config("");
  text.replace(text.find("Dataflow : ws"), 13, "Dataflow : rs");
  CHECK(ErrorOf(text).find("Dataflow: must be os, ws or is, got 'rs'") != std::string::npos);
  CHECK(ErrorOf(Config("", "AUTO")).find("InterfaceBandwidth: must be CALC or USER, got 'AUTO'") !=
        std::string::npos);
  CHECK(ErrorOf(Config("", "USER")).find("[architecture_presets] Bandwidth: missing key") !=
        std::string::npos);
  CHECK(ErrorOf(Config("Bandwidth: 10, fast\n", "USER")).find("Bandwidth: must be positive") !=
        std::string::npos);
  CHECK(ErrorOf(Config("Dataflow: os\n")).find("dataflow appears twice") != std::string::npos);
  CHECK(ErrorOf("ArrayHeight: 4\n").find("a key before any [section]") != std::string::npos);
  CHECK(ErrorOf("[general\n").find("must end with ']'") != std::string::npos);
  // Beyond the ArchSpec's ranges: the architecture parser's message, with a pointer to the map.
  text = Config("");
  text.replace(text.find("IfmapSramSzkB: 64"), 17, "IfmapSramSzkB: 999999999");
  const std::string e = ErrorOf(text);
  CHECK(e.find("buffers.input.kib") != std::string::npos);
  CHECK(e.find("docs/scalesim.md") != std::string::npos);
  CHECK_THROWS_AS(models::ImportScaleSimConfig("/nonexistent/x.cfg"), InputError);
}
