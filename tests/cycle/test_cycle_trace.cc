// The VCD trace. SystemC opens trace files before the simulation starts, so only the first
// RunCycleModel call of a process may ask for one: each of these test cases must be the first
// run of its process, which ctest gives it (every TEST_CASE is its own ctest entry). Run all
// test cases in one process and these two have nothing to check: they say so and pass.

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "cycle_test_util.h"
#include "quasar/models/error.h"

namespace quasar::test {
namespace {

// A fresh directory under the system's temporary directory, removed at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "quasar_cycle_XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for " + templ);
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

bool FirstRunOfProcess() {
  if (CycleRunsInProcess() == 0) {
    return true;
  }
  WARN(
      "not the first cycle-model run of this process: run this test case alone (as ctest "
      "does) to check the trace");
  return false;
}

}  // namespace

TEST_CASE("A VCD trace records every PE and the pipeline", "[trace]") {
  if (!FirstRunOfProcess()) {
    return;
  }
  TempDir dir;
  const std::filesystem::path vcd = dir.path() / "lenet.vcd";
  const models::NetworkSpec net = LoadTestNetwork(kTinyLenetYaml, "w8a8");
  const models::ArchSpec arch = SmallArch(4, 4, models::Dataflow::kOutputStationary);
  FlowOptions o;
  o.cycle.trace_path = vcd.string();
  const Flow f = RunFlow(net, arch, o);
  CheckFlow(f);  // tracing runs the array cycle by cycle through SystemC: still exact

  REQUIRE(std::filesystem::exists(vcd));
  std::ifstream in(vcd);
  std::string line, header;
  bool definitions_done = false;
  int64_t lines_after = 0, value_changes = 0;
  while (std::getline(in, line)) {
    if (definitions_done) {
      ++lines_after;
      value_changes += !line.empty() && line[0] != '#' && line[0] != '$' ? 1 : 0;
    } else {
      header += line + "\n";
      definitions_done = line.find("$enddefinitions") != std::string::npos;
    }
  }
  CHECK(definitions_done);
  for (const char* name :
       {"pe_0_0", "pe_0_3", "pe_3_0", "pe_3_3", "step", "dma_busy", "array_busy", "post_busy",
        "input_sram_fill_bytes", "weight_sram_fill_bytes", "output_sram_fill_bytes"}) {
    INFO("signal " << name);
    CHECK(header.find(std::string(" ") + name + " ") != std::string::npos);
  }
  CHECK(header.find("pe_4_0") == std::string::npos);  // a 4x4 array has no fifth row
  CHECK(lines_after > 100);
  CHECK(value_changes > 100);

  // The trace ended with its run: the same process runs another array size, untraced, exactly.
  const auto size_before = std::filesystem::file_size(vcd);
  const Flow again = RunFlow(net, SmallArch(3, 5, models::Dataflow::kWeightStationary));
  CheckFlow(again);
  CHECK(std::filesystem::file_size(vcd) == size_before);
}

TEST_CASE("A trace of more than 1024 PEs is refused", "[trace]") {
  if (!FirstRunOfProcess()) {
    return;
  }
  TempDir dir;
  const models::NetworkSpec net = LoadTestNetwork(kTinyLenetYaml, "w8a8");
  const models::ArchSpec arch = SmallArch(33, 32, models::Dataflow::kWeightStationary);
  REQUIRE(arch.PeCount() > sim::cycle::kMaxTracedPes);
  FlowOptions o;
  o.cycle.trace_path = (dir.path() / "big.vcd").string();
  bool refused = false;
  try {
    RunFlow(net, arch, o);
  } catch (const InputError& e) {
    refused = true;
    CHECK_THAT(e.what(), Catch::Contains("1024") && Catch::Contains("1056"));
  }
  CHECK(refused);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "big.vcd"));
}

}  // namespace quasar::test
