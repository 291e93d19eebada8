// What W4A16's activations cost in fidelity. The emulation (models/net/emulated_quant.h) runs
// the 16-bit activations beside group-quantized weights as fp16 values (IsFp16Activation), as
// GPTQ/AWQ inference and the golden kernel (models/ref/group_gemm.h, GroupGemmFp16) take them;
// before, it ran them on a 16-bit integer grid per tensor, calibrated like every integer
// activation (minmax over quasar's 4 calibration inputs). This benchmark runs the small
// Llama-style block of docs/formats.md ("Fidelity") both ways, on the same group-quantized
// weights and inputs, and prints the output SQNR of each against the float block (mean and 5th
// percentile over the inputs) and of one against the other. The same two activation roundings
// on float weights isolate the activations' own error. It checks that the emulation equals a
// float pass with every such tensor rounded to fp16 here, and counts values past 65504 (which
// the emulation saturates).
//
// Usage: bench_w4a16_activations [inputs, default 32] [context L, default 128]

#include <fmt/core.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "quasar/models/calib/calibration.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/decoder_block.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/small_float.h"

using namespace quasar::models;

namespace {

// Each value rounded to the nearest binary16 value; `*overflows` counts those past 65504.
void RoundToFp16(FloatTensor* x, int64_t* overflows) {
  for (float& v : x->data) {
    *overflows += std::fabs(v) > 65504.0f ? 1 : 0;
    v = Decode(Fp16Format(), Encode(Fp16Format(), v, true));
  }
}

// `e` with its fp16 tensors on a 16-bit integer grid instead, calibrated as the emulation
// calibrates any integer activation, over the same float passes of `calibration`.
EmulatedNetwork WithInt16Grid(const NetworkSpec& net, const FloatNetParams& params,
                              EmulatedNetwork e,
                              const std::vector<std::map<std::string, FloatTensor>>& calibration) {
  std::map<std::string, Observer> observers;
  for (const auto& [name, t] : e.tensors) {
    observers.emplace(name, Observer(false, 0));
  }
  for (const auto& sample : calibration) {
    const auto tensors = RunFloatNetwork(net, params, sample);
    for (auto& [name, obs] : observers) {
      obs.Observe(tensors.at(name));
    }
  }
  for (auto& [name, t] : e.tensors) {
    const CalibOptions opt{t.precision.calibration, net.policy.percentile, 2048};
    t.params = QuantCodeOf(t.precision.code)
                   .activation_params(observers.at(name), t.precision.StorageType(),
                                      t.precision.symmetric, opt);
    t.fp16 = false;
  }
  return e;
}

// The float pass with every tensor the emulation quantizes (`e.tensors`: the inputs and every
// layer output that owns parameters) rounded to fp16 instead, on weights `params`.
FloatTensor RunFp16Activations(const NetworkSpec& net, const EmulatedNetwork& e,
                               const FloatNetParams& params,
                               std::map<std::string, FloatTensor> inputs, int64_t* overflows) {
  for (auto& [name, x] : inputs) {
    if (e.tensors.count(name) != 0) {
      RoundToFp16(&x, overflows);
    }
  }
  FloatRunHooks hooks;
  hooks.rewrite = [&](const NetLayer& l, FloatTensor* y) {
    if (e.tensors.count(l.name) != 0) {
      RoundToFp16(y, overflows);
    }
  };
  return RunFloatNetwork(net, params, inputs, hooks).at(net.output);
}

struct Column {
  const char* name;
  std::vector<double> sqnr;
};

}  // namespace

int main(int argc, char** argv) {
  const int inputs = argc > 1 ? std::atoi(argv[1]) : 32;
  const int64_t context = argc > 2 ? std::atoll(argv[2]) : 128;
  const uint64_t seed = 1;      // quasar's --seed default
  const int calib_samples = 4;  // quasar's --calib-samples default
  DecoderBlockConfig c;
  c.family = DecoderFamily::kLlama;
  c.phase = DecoderPhase::kDecode;
  c.context = context;
  c.dims = DefaultDecoderDims(c.family);
  c.dims.hidden = 256, c.dims.heads = 4, c.dims.kv_heads = 2, c.dims.ffn = 512;
  NetworkSpec net = DecoderBlock(c);
  const auto [w, a] = ParseBitsShorthand("w4a16g128");
  w.ApplyTo(&net.policy.weights);
  a.ApplyTo(&net.policy.activations);
  net = ResolvePrecision(std::move(net));

  const FloatNetParams params = MakeFloatParams(net, seed);
  const auto calibration = PostTrainingCalibration(net, seed, calib_samples);
  const EmulatedNetwork e = EmulateQuantization(net, params, calibration);
  const EmulatedNetwork int16_grid = WithInt16Grid(net, params, e, calibration);
  EmulatedNetwork fp16_float_weights = e, int16_float_weights = int16_grid;
  fp16_float_weights.params = int16_float_weights.params = params;

  Column fp16{"fp16 activations (the emulation)", {}}, int16{"int16 grid activations", {}},
      agree{"int16 grid against fp16", {}}, fp16_only{"fp16 activations only", {}},
      int16_only{"int16 grid activations only", {}};
  int64_t overflows = 0, mismatches = 0;
  for (int i = 0; i < inputs; ++i) {
    // Sample 0, then the samples after the calibration ones, as compare's fidelity takes them.
    const auto in = MakeInputs(net, seed, i == 0 ? 0 : calib_samples + i);
    const FloatTensor ref = RunFloatNetwork(net, params, in).at(net.output);
    const FloatTensor yh = RunEmulatedNetwork(net, e, in).at(net.output);
    const FloatTensor by_hand = RunFp16Activations(net, e, e.params, in, &overflows);
    for (int64_t j = 0; j < yh.size(); ++j) {
      mismatches += yh[j] == by_hand[j] ? 0 : 1;
    }
    const FloatTensor y16 = RunEmulatedNetwork(net, int16_grid, in).at(net.output);
    fp16.sqnr.push_back(SqnrDb(ref, yh));
    int16.sqnr.push_back(SqnrDb(ref, y16));
    agree.sqnr.push_back(SqnrDb(yh, y16));
    fp16_only.sqnr.push_back(
        SqnrDb(ref, RunEmulatedNetwork(net, fp16_float_weights, in).at(net.output)));
    int16_only.sqnr.push_back(
        SqnrDb(ref, RunEmulatedNetwork(net, int16_float_weights, in).at(net.output)));
  }
  fmt::print(
      "llama_block decode, L = {}, hidden 256, 4 heads, 2 KV heads, FFN 512 (synthetic "
      "weights and inputs, seed {}), w4a16g128, {} inputs\n",
      context, seed, inputs);
  fmt::print("{:<40} {:>12} {:>12}\n", "output SQNR (dB)", "mean", "5th pct");
  for (const Column* col : {&fp16, &int16, &agree, &fp16_only, &int16_only}) {
    fmt::print("{:<40} {:>12.2f} {:>12.2f}\n", col->name, MeanFiniteSqnrDb(col->sqnr),
               SqnrPercentile5Db(col->sqnr));
  }
  fmt::print("fp16 values past 65504 (saturated): {}\n", overflows);
  fmt::print("emulation against fp16 rounding here: {} output elements differ\n", mismatches);
  return mismatches == 0 ? 0 : 1;
}
