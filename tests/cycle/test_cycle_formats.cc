// The SystemC cycle model on networks in FP8, MX, W4A8 and W4A16 (sim/cycle/format_cycle_model.h),
// elements wider than the array's lanes in pieces (format_tiles.h): every
// layer's float32 output equal to the golden format run's (format_network.h) bit for bit, on every
// element; the FP8 register's overflows equal to the golden kernels'; every layer's cycles and
// event counts equal to the analytical model's. The golden run is computed here on its own, not
// taken from the check under test; the check (RunCheckedFormats) must find an injected error.

#include <catch2/catch.hpp>
#include <functional>

#include "cycle_test_util.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/text_file.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/cycle/format_cycle_model.h"
#include "quasar/sim/cycle/format_network.h"
#include "quasar/sim/cycle/format_run_check.h"

namespace quasar::test {
namespace {

constexpr uint64_t kSeed = 1;

// `arch` with a MAC of `format` (mac.format) of `bits`-bit elements and `acc` as its register.
models::ArchSpec FormatArch(models::ArchSpec arch, models::QuantCode format, int bits,
                            models::AccumulatorSpec acc) {
  arch.mac.format = format;
  arch.mac.weight_bits = arch.mac.activation_bits = bits;
  arch.mac.accumulator = acc;
  return arch;
}

models::ArchSpec Fp8Arch(models::ArchSpec arch, models::AccumulatorSpec acc) {
  return FormatArch(std::move(arch), models::QuantCode::kFp8E4m3, 8, acc);
}

models::NetworkSpec FormatsNet(const std::string& file, const std::string& bits) {
  return LoadTestNetwork(
      ReadTextFile(std::string(QUASAR_SOURCE_DIR) + "/tests/data/formats/" + file, "file"), bits);
}

bool SameBits(float a, float b) { return models::Float32Bits(a) == models::Float32Bits(b); }

// The systemc backend, as the registry makes it.
std::unique_ptr<sim::Backend> SystemcBackend() {
  sim::BackendRegistry registry;
  sim::cycle::RegisterCycleBackend(&registry);
  return registry.Get("systemc").make();
}

// Perturbs one element of one layer's output after the real backend ran.
class FaultyBackend final : public sim::Backend {
 public:
  FaultyBackend(std::string layer, int64_t index) : layer_(std::move(layer)), index_(index) {}
  sim::BackendRun Run(const sim::Job& job, const sim::RunOptions& options) const override {
    sim::BackendRun r = SystemcBackend()->Run(job, options);
    models::FloatTensor& y = r.float_tensors.at(layer_);
    y.data[static_cast<size_t>(index_)] = std::nextafter(y.data[static_cast<size_t>(index_)], 1e9f);
    return r;
  }
  std::string Title(const models::ArchSpec&) const override { return "faulty"; }

 private:
  std::string layer_;
  int64_t index_;
};

struct FormatFlow {
  models::FloatNetParams params;
  std::optional<models::EmulatedNetwork> emulated;
  std::map<std::string, models::FloatTensor> inputs;
  compiler::Schedule schedule;
  sim::NetworkPerf analytical;
  std::optional<sim::FormatJob> job;
};

using ScheduleEdit = std::function<void(compiler::Schedule*)>;

void Prepare(const models::NetworkSpec& net, const models::ArchSpec& arch, FormatFlow* f,
             const ScheduleEdit& edit = {}) {
  f->params = models::MakeFloatParams(net, kSeed);
  f->emulated =
      models::EmulateQuantization(net, f->params, models::PostTrainingCalibration(net, kSeed, 4));
  f->inputs = models::MakeInputs(net, kSeed, 0);
  const models::CostTable table = models::LoadArchCostTable(arch);
  f->schedule = sim::Compile(net, arch, table, compiler::Objective::kCycles);
  if (edit) {
    edit(&f->schedule);
  }
  const compiler::LayerSchedule* bad = f->schedule.FirstInfeasible();
  INFO("infeasible layer: " << (bad ? bad->name + ": " + bad->status : std::string("none")));
  REQUIRE(bad == nullptr);
  f->analytical = sim::EvaluateSchedule(f->schedule, arch, table);
  f->job = sim::FormatJob{&net, &f->params, &*f->emulated, &f->inputs, arch.mac.accumulator};
}

// Runs `net` on `arch` (its compiled schedule, then `edit`) through the check and asserts
// everything the header says. Returns the FP8 register's overflows over the network; adds the
// tiles that spilled partial sums to DRAM to *spills.
int64_t CheckFormatFlow(const models::NetworkSpec& net, const models::ArchSpec& arch,
                        bool always_check_overflow = false, const ScheduleEdit& edit = {},
                        int64_t* spills = nullptr) {
  INFO(net.name << " on " << Describe(arch));
  FormatFlow f;
  Prepare(net, arch, &f, edit);
  if (spills != nullptr) {
    for (const compiler::LayerSchedule& l : f.schedule.layers) {
      if (l.kind == compiler::LayerKind::kGemm) {
        *spills += CountSpills(l).spills;
      }
    }
  }
  const models::CostTable table = models::LoadArchCostTable(arch);
  sim::cycle::FormatRunCheckJob job{&*f.job, &f.schedule, &arch, &table, &f.analytical};
  sim::RunOptions options;
  options.always_check_overflow = always_check_overflow;
  const std::unique_ptr<sim::Backend> backend = SystemcBackend();
  const sim::cycle::FormatCheckedRun run = sim::cycle::RunCheckedFormats(*backend, job, options);
  const std::map<std::string, models::FloatTensor> golden = sim::cycle::RunGoldenFormatNetwork(
      net, f.params, *f.emulated, f.inputs, arch.mac.accumulator);
  REQUIRE(run.run.perf.layers.size() == net.layers.size());
  REQUIRE(run.checks.size() == net.layers.size());
  int64_t overflows = 0, gemm_layers = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const std::string& name = net.layers[i].name;
    INFO("layer " << name);
    const models::FloatTensor& g = golden.at(name);
    const models::FloatTensor& y = run.run.float_tensors.at(name);
    REQUIRE(y.shape == g.shape);
    int64_t mismatches = 0;
    for (int64_t j = 0; j < g.size(); ++j) {
      mismatches += SameBits(g[j], y[j]) ? 0 : 1;
    }
    CHECK(mismatches == 0);
    CheckLayerPerf(run.run.perf.layers[i], f.analytical.layers[i]);
    const sim::LayerCheck& k = run.checks[i];
    CHECK(k.floats);
    CHECK(k.mismatches == 0);
    CHECK(k.compared == g.size());
    CHECK(k.overflows == k.golden_overflows);
    CHECK(k.cycles == k.reference_cycles);
    overflows += k.overflows;
    gemm_layers += f.schedule.layers[i].kind == compiler::LayerKind::kGemm ? 1 : 0;
  }
  CHECK(gemm_layers > 0);
  CHECK(run.FirstDisagreement().empty());
  CHECK(run.run.perf.cycles == f.analytical.cycles);
  return overflows;
}

const models::AccumulatorSpec kWide{48, models::OverflowMode::kWrap};

// An FP8 E5M2 MAC whose register holds any sum of the test networks' products (E5M2 elements
// reach 2^31.8 units of 2^-16, so a sum of K of them needs 65 + log2(K) bits): its elements run in
// pieces (format_tiles.h), which needs that.
models::ArchSpec E5m2Arch(models::ArchSpec arch) {
  return FormatArch(std::move(arch), models::QuantCode::kFp8E5m2, 8,
                    {96, models::OverflowMode::kWrap});
}

// A MAC of int4 weights per group and fp16 activations.
models::ArchSpec W4a16Arch(models::ArchSpec arch) {
  arch.mac.weight_bits = 4;
  arch.mac.activation_bits = 16;
  return arch;
}

}  // namespace

TEST_CASE("FP8 networks on the cycle model equal the golden format run in os, ws and is",
          "[formats]") {
  const std::vector<models::NetworkSpec> nets = {
      LoadTestNetwork("lenet5", "fp8"), LoadTestNetwork(kTinyLenetYaml, "fp8"),
      FormatsNet("grouped_convs.yaml", "fp8"), FormatsNet("matmuls.yaml", "fp8"),
      LoadTestNetwork(kAttentionNetYaml, "fp8")};
  for (const models::Dataflow d :
       {models::Dataflow::kOutputStationary, models::Dataflow::kWeightStationary,
        models::Dataflow::kInputStationary}) {
    for (const models::NetworkSpec& net : nets) {
      CHECK(CheckFormatFlow(net, Fp8Arch(SmallArch(4, 5, d), kWide)) == 0);
    }
  }
}

TEST_CASE("MX networks on the cycle model equal the golden format run in ws and is, block by block",
          "[formats]") {
  struct Case {
    std::string bits;
    models::QuantCode mac;
    int element_bits;
  };
  const std::vector<Case> cases = {{"mxint8", models::QuantCode::kMxint8, 8},
                                   {"mxfp8", models::QuantCode::kMxfp8E4m3, 8},
                                   {"mxfp8_e5m2", models::QuantCode::kMxfp8E5m2, 8},
                                   {"mxfp6", models::QuantCode::kMxfp6E2m3, 6},
                                   {"mxfp4", models::QuantCode::kMxfp4E2m1, 4}};
  for (const Case& c : cases) {
    const std::vector<models::NetworkSpec> nets = {
        LoadTestNetwork("lenet5", c.bits), FormatsNet("grouped_convs.yaml", c.bits),
        FormatsNet("matmuls.yaml", c.bits), LoadTestNetwork(kAttentionNetYaml, c.bits)};
    // Folds inside blocks and across their bounds (whose blocks the segmented columns sum
    // apart): 12 rows do not divide the block of 32, an os tile reduces over more than a block,
    // and the mapper's reduction tiles need not start on a fold of a block on the others.
    for (const auto& [rows, d] : {std::pair{4, models::Dataflow::kWeightStationary},
                                  std::pair{8, models::Dataflow::kInputStationary},
                                  std::pair{4, models::Dataflow::kInputStationary},
                                  std::pair{12, models::Dataflow::kWeightStationary},
                                  std::pair{4, models::Dataflow::kOutputStationary}}) {
      for (const models::NetworkSpec& net : nets) {
        CHECK(CheckFormatFlow(net, FormatArch(SmallArch(rows, 5, d), c.mac, c.element_bits,
                                              {32, models::OverflowMode::kWrap})) == 0);
      }
    }
  }
}

TEST_CASE("Formats on the cycle model: every loop order, partial sums spilled and read back",
          "[formats]") {
  const models::ArchSpec ws = SmallArch(4, 4, models::Dataflow::kWeightStationary);
  const models::ArchSpec os = SmallArch(4, 4, models::Dataflow::kOutputStationary);
  models::ArchSpec fused = ws;
  fused.mac.scaling = models::PrecisionScaling::kBitFusion;
  const models::AccumulatorSpec narrow{22, models::OverflowMode::kSaturate};
  const std::vector<std::pair<std::string, models::ArchSpec>> cases = {
      {"fp8", Fp8Arch(ws, narrow)},
      {"fp8", Fp8Arch(os, narrow)},
      {"mxint8", FormatArch(ws, models::QuantCode::kMxint8, 8, {32, models::OverflowMode::kWrap})},
      {"mxint8", FormatArch(os, models::QuantCode::kMxint8, 8, {32, models::OverflowMode::kWrap})},
      {"w4a8g32", fused},
      {"w4a8g32", os},
      {"fp8_e5m2", E5m2Arch(ws)},
      {"w4a16g32", W4a16Arch(ws)},
      {"w4a16g32", W4a16Arch(os)}};
  for (const auto& c : cases) {
    const std::string& bits = c.first;
    const models::ArchSpec& arch = c.second;  // not a structured binding: the lambda captures it
    int64_t spills = 0;
    for (const models::NetworkSpec& net :
         {LoadTestNetwork("lenet5", bits), FormatsNet("grouped_convs.yaml", bits)}) {
      for (const compiler::LoopOrder order : compiler::kAllLoopOrders) {
        INFO(bits << ", order " << compiler::LoopOrderName(order));
        // Several reduction tiles per output, visited in `order`: with k outside m or n the
        // partial sums (an FP8 register, an open block) go to DRAM and come back.
        CheckFormatFlow(
            net, arch, false,
            [&](compiler::Schedule* s) {
              for (compiler::LayerSchedule& l : s->layers) {
                if (l.kind == compiler::LayerKind::kGemm) {
                  RetileSplitK(&l, arch, order);
                }
              }
            },
            &spills);
      }
    }
    INFO(bits << " on " << Describe(arch));
    CHECK(spills > 0);
  }
}

TEST_CASE("W4A8 networks on the cycle model equal the golden format run, group by group",
          "[formats]") {
  for (const std::string bits : {"w4a8g32", "w4a8g128"}) {
    // The matmuls of two activations run as the W4A8 kernel, the second as one group of K.
    const std::vector<models::NetworkSpec> nets = {
        LoadTestNetwork("lenet5", bits), LoadTestNetwork(kTinyLenetYaml, bits),
        FormatsNet("grouped_convs.yaml", bits), FormatsNet("matmuls.yaml", bits),
        LoadTestNetwork(kAttentionNetYaml, bits)};
    for (const models::Dataflow d :
         {models::Dataflow::kWeightStationary, models::Dataflow::kInputStationary,
          models::Dataflow::kOutputStationary}) {
      for (const models::NetworkSpec& net : nets) {
        CHECK(CheckFormatFlow(net, SmallArch(4, 5, d)) == 0);
        CHECK(CheckFormatFlow(net, SmallArch(7, 3, d)) == 0);
        // Bit Fusion packs two 4-bit weights per PE: 8 of K per fold.
        models::ArchSpec fused = SmallArch(4, 3, d);
        fused.mac.scaling = models::PrecisionScaling::kBitFusion;
        CHECK(CheckFormatFlow(net, fused) == 0);
      }
    }
  }
}

TEST_CASE("W4A16 and FP8 E5M2 on the cycle model: elements wider than the lanes, in pieces",
          "[formats]") {
  // fp16 activations reach 2^40 units of 2^-24 (three pieces of 16 bits on 32-bit lanes), E5M2
  // elements 2^31.8 units of 2^-16 (two): the planes' sums, added in 128 bits, are the golden
  // kernels' exact sums, and the time is a MAC of whole elements'.
  for (const models::Dataflow d :
       {models::Dataflow::kWeightStationary, models::Dataflow::kInputStationary,
        models::Dataflow::kOutputStationary}) {
    for (const std::string bits : {"w4a16g32", "w4a16g128"}) {
      for (const models::NetworkSpec& net :
           {LoadTestNetwork("lenet5", bits), LoadTestNetwork(kTinyLenetYaml, bits),
            FormatsNet("grouped_convs.yaml", bits)}) {
        CHECK(CheckFormatFlow(net, W4a16Arch(SmallArch(4, 5, d))) == 0);
        CHECK(CheckFormatFlow(net, W4a16Arch(SmallArch(7, 3, d))) == 0);
      }
      // Matmuls of two fp16 activations (3 x 3 planes, exact sums) need a 16 x 16 MAC: a 4 x 16
      // one cannot multiply them, as the schedule says.
      const models::ArchSpec a4 = W4a16Arch(SmallArch(4, 5, d));
      const compiler::Schedule s =
          sim::Compile(FormatsNet("matmuls.yaml", bits), a4, models::LoadArchCostTable(a4),
                       compiler::Objective::kCycles);
      const compiler::LayerSchedule* bad = s.FirstInfeasible();
      REQUIRE(bad != nullptr);
      CHECK_THAT(bad->status, Catch::Contains("cannot run 16-bit activations x 16-bit weights"));
      models::ArchSpec a16 = W4a16Arch(SmallArch(4, 5, d));
      a16.mac.weight_bits = 16;
      for (const models::NetworkSpec& net :
           {FormatsNet("matmuls.yaml", bits), LoadTestNetwork(kAttentionNetYaml, bits)}) {
        CHECK(CheckFormatFlow(net, a16) == 0);
      }
    }
    for (const models::NetworkSpec& net :
         {LoadTestNetwork("lenet5", "fp8_e5m2"), FormatsNet("grouped_convs.yaml", "fp8_e5m2"),
          FormatsNet("matmuls.yaml", "fp8_e5m2"), LoadTestNetwork(kAttentionNetYaml, "fp8_e5m2")}) {
      CHECK(CheckFormatFlow(net, E5m2Arch(SmallArch(4, 5, d))) == 0);
    }
    // E4M3 elements fit the lanes; a register past the array's 64-bit partial sums holds any sum,
    // so they run exact, in the narrowest register that does.
    CHECK(CheckFormatFlow(FormatsNet("grouped_convs.yaml", "fp8"),
                          Fp8Arch(SmallArch(4, 5, d), {128, models::OverflowMode::kSaturate})) ==
          0);
  }
}

TEST_CASE("FP8 on the cycle model: a narrow register wraps and saturates as the golden MAC's",
          "[formats]") {
  const models::NetworkSpec net = FormatsNet("grouped_convs.yaml", "fp8");
  for (const models::OverflowMode mode :
       {models::OverflowMode::kWrap, models::OverflowMode::kSaturate}) {
    for (const models::Dataflow d :
         {models::Dataflow::kOutputStationary, models::Dataflow::kWeightStationary,
          models::Dataflow::kInputStationary}) {
      // 22 bits: E4M3 products reach 2^35.6 units of 2^-18, so most sums leave the register.
      CHECK(CheckFormatFlow(net, Fp8Arch(SmallArch(3, 4, d), {22, mode})) > 0);
    }
  }
  // Checking every addition where none can overflow changes nothing.
  CHECK(CheckFormatFlow(net, Fp8Arch(SmallArch(3, 4, models::Dataflow::kWeightStationary), kWide),
                        /*always_check_overflow=*/true) == 0);
}

TEST_CASE("FP8 on the cycle model: the check finds and locates a wrong element", "[formats]") {
  const models::NetworkSpec net = LoadTestNetwork("lenet5", "fp8");
  const models::ArchSpec arch =
      Fp8Arch(SmallArch(4, 4, models::Dataflow::kWeightStationary), kWide);
  FormatFlow f;
  Prepare(net, arch, &f);
  const models::CostTable table = models::LoadArchCostTable(arch);
  sim::cycle::FormatRunCheckJob job{&*f.job, &f.schedule, &arch, &table, &f.analytical};
  const FaultyBackend faulty("c3", 77);
  const sim::cycle::FormatCheckedRun run = sim::cycle::RunCheckedFormats(faulty, job, {});
  for (const sim::LayerCheck& k : run.checks) {
    INFO("layer " << k.name);
    CHECK(k.mismatches == (k.name == "c3" ? 1 : 0));
    if (k.name == "c3") {
      CHECK(k.first_index == 77);
      CHECK(k.expected_float == run.golden.at("c3")[77]);
      CHECK(k.actual_float == std::nextafter(k.expected_float, 1e9f));
    }
  }
  CHECK(run.FirstDisagreement().rfind("layer c3: 1 of 1600 elements differ, the first at index 77",
                                      0) == 0);
}

TEST_CASE("Formats on the cycle model: what it does not run is refused by name", "[formats]") {
  const models::ArchSpec ws = SmallArch(4, 4, models::Dataflow::kWeightStationary);
  auto refusal = [&](const models::NetworkSpec& net, const models::ArchSpec& arch) {
    FormatFlow f;
    Prepare(net, arch, &f);
    try {
      sim::cycle::RunFormatCycleModel(*f.job, f.schedule, arch);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // E5M2 elements run in pieces, whose exact sums cannot wrap per product as a 64-bit register
  // does: the register must hold any sum of K products.
  models::ArchSpec e5m2 = Fp8Arch(ws, {64, models::OverflowMode::kWrap});
  e5m2.mac.format = models::QuantCode::kFp8E5m2;
  CHECK_THAT(refusal(LoadTestNetwork("lenet5", "fp8_e5m2"), e5m2),
             Catch::StartsWith("layer 'c1': fp8_e5m2 elements run on the array in pieces of 16 "
                               "bits, whose exact sums the post unit adds, so the FP8 register "
                               "must hold any sum of the K = 25 products: 70 bits, the register "
                               "has 64"));
}

}  // namespace quasar::test
