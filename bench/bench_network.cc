// Benchmark: whole-network golden inference on one core. Quantizes a zoo network (default
// ResNet-18, 8-bit, one calibration sample), then times, interleaved in one run, the golden
// integer inference and the float reference inference of the same network and input.
// Usage: bench_network [network.yaml] [bits] [repetitions]. See docs/benchmarks.md.

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench_util.h"
#include "quasar/models/net/quantized_net.h"

using namespace quasar::models;
using quasar::bench::Median;
using quasar::bench::Seconds;

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/resnet18.yaml";
  const std::string bits = argc > 2 ? argv[2] : "w8a8";
  const int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  NetworkSpec net = LoadNetwork(path);
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&net.policy.weights);
  a.ApplyTo(&net.policy.activations);
  net = ResolvePrecision(std::move(net));
  const FloatNetParams params = MakeFloatParams(net, 1);
  auto t0 = std::chrono::steady_clock::now();
  const QuantizedNetwork q = QuantizeNetwork(net, params, {MakeInputs(net, 1, 1)});
  const double quantize_s = Seconds(t0);
  const auto input = MakeInputs(net, 1, 0);

  std::vector<double> golden, reference;
  int64_t macs = 0;
  for (int r = 0; r < reps; ++r) {  // interleaved, so both see the same machine load
    t0 = std::chrono::steady_clock::now();
    const QuantizedRun run = RunQuantizedNetwork(q, input);
    golden.push_back(Seconds(t0));
    macs = 0;
    for (const auto& l : run.layers) {
      macs += l.stats.macs;
    }
    t0 = std::chrono::steady_clock::now();
    RunFloatNetwork(net, params, input);
    reference.push_back(Seconds(t0));
  }
  const double g = Median(golden), f = Median(reference);
  fmt::print("network {} ({}), {} MACs, {} repetitions, median times\n", net.name, bits, macs,
             reps);
  fmt::print("golden integer inference  {:8.3f} s  {:6.2f} GMAC/s\n", g,
             static_cast<double>(macs) / g / 1e9);
  fmt::print("float reference inference {:8.3f} s  {:6.2f} GMAC/s\n", f,
             static_cast<double>(macs) / f / 1e9);
  fmt::print("golden / float time ratio {:8.2f}\n", g / f);
  fmt::print("quantization (1 calibration sample, once) {:.3f} s\n", quantize_s);
  return 0;
}
