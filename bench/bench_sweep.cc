// Benchmark: `quasar sweep`'s throughput on ResNet-50, in configurations per second, for several
// sweep shapes, each run twice in one process: without the evaluation cache (SweepSpec's
// eval_cache set to null: every configuration recompiles and re-evaluates the whole network, the
// path of earlier versions) and with a new, empty cache (sim/eval_cache.h). The two outputs must be
// byte-identical (CSV with the Pareto marks); the ratio of the rates is printed. The shapes:
//  - array: edge_32x32_os with rows and cols in 8..64 (powers of two) x os/ws, 32 configurations,
//    every one with other timing fields, so none reuses another's evaluations;
//  - architect: rows, cols 16..64 x os/ws x DRAM bytes/cycle 16, 32 x clock 250..1000 MHz (4)
//    x accumulator overflow wrap/saturate, 288 configurations: the clock and the overflow mode
//    change no count, so 8 configurations share each evaluation;
//  - clock: edge_32x32_os x os/ws x clock 100..1600 MHz (16) x overflow (2), 64 configurations,
//    32 per set of timing fields: nearly every evaluation reused (the rate of the cached path);
//  - clocks: os/ws x every MHz from 100 to 2000, 3,802 configurations: the cached path once
//    its searches are known (the first configuration of each dataflow pays for them).
// One untimed warm-up run (uncached) of the first shape first.
// Usage: bench_sweep [network.yaml] [threads] [shape [cached]] (threads: 2 by default; shape:
// that shape only; `cached`: only its cached run, no warm-up and no check, for profiling the
// cached path alone with valgrind --tool=callgrind). See docs/benchmarks.md.

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "bench_util.h"
#include "quasar/models/parallel.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/explore/sweep.h"

using namespace quasar;
using bench::Seconds;

namespace {

struct Shape {
  const char* name;
  const char* axes;  // the sweep file's `sweep:` entries
};

constexpr Shape kShapes[] = {
    {"array",
     "  array.rows: {from: 8, to: 64, factor: 2}\n"
     "  array.cols: {from: 8, to: 64, factor: 2}\n"
     "  array.dataflow: [os, ws]\n"},
    {"architect",
     "  array.rows: {from: 16, to: 64, factor: 2}\n"
     "  array.cols: {from: 16, to: 64, factor: 2}\n"
     "  array.dataflow: [os, ws]\n"
     "  dram.bytes_per_cycle: [16, 32]\n"
     "  clock_mhz: [250, 500, 750, 1000]\n"
     "  mac.accumulator.overflow: [wrap, saturate]\n"},
    {"clock",
     "  array.dataflow: [os, ws]\n"
     "  clock_mhz: {from: 100, to: 1600, step: 100}\n"
     "  mac.accumulator.overflow: [wrap, saturate]\n"},
    {"clocks",
     "  array.dataflow: [os, ws]\n"
     "  clock_mhz: {from: 100, to: 2000, step: 1}\n"},
};

struct Timed {
  double seconds = 0;
  std::string csv;
};

Timed Run(const sim::explore::SweepSpec& spec, int jobs) {
  sim::explore::SweepOptions o;
  o.jobs = jobs;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = sim::explore::RunSweep(spec, o);
  Timed t;
  t.seconds = Seconds(t0);
  t.csv = report::SweepCsv(spec, r.rows, MarkFront(spec, r.rows));
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  models::KeepFreedMemory();  // as quasar's main does
  const std::string src = QUASAR_SOURCE_DIR;
  const std::string net = argc > 1 ? argv[1] : src + "/workloads/networks/resnet50.yaml";
  const int jobs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 2;
  const sim::explore::SweepPaths paths{src + "/workloads/networks",
                                       src + "/workloads/accelerators"};
  fmt::print("{} on edge_32x32_os, {} threads ({} cores)\n", net.substr(net.rfind('/') + 1), jobs,
             std::thread::hardware_concurrency());
  fmt::print("{:>10} {:>8} {:>9} {:>9} {:>11} {:>11} {:>9}\n", "shape", "configs", "cache",
             "seconds", "configs/s", "vs off", "reused");
  const std::string only = argc > 3 ? argv[3] : "";
  const bool cached_only = argc > 4 && std::string(argv[4]) == "cached";
  bool first = true;
  for (const Shape& shape : kShapes) {
    if (!only.empty() && only != shape.name) {
      continue;
    }
    const std::string text =
        "version: 1\nbase: edge_32x32_os\nnetworks: [" + net + "]\nsweep:\n" + shape.axes;
    sim::explore::SweepSpec spec = sim::explore::ParseSweep(text, "bench", ".", paths);
    const size_t n = spec.ConfigCount();
    if (cached_only) {
      const Timed on = Run(spec, jobs);
      fmt::print("{:>10} {:>8} {:>9} {:>9.3f} {:>11.1f}\n", shape.name, n, "on", on.seconds,
                 static_cast<double>(n) / on.seconds);
      continue;
    }
    spec.eval_cache = nullptr;
    if (first) {
      sim::explore::RunSweep(spec, {});  // warm-up (page faults, allocator), not timed
      first = false;
    }
    const Timed off = Run(spec, jobs);
    auto cache = std::make_shared<sim::EvalCache>();
    spec.eval_cache = cache;
    const Timed on = Run(spec, jobs);
    if (on.csv != off.csv) {
      fmt::print("ERROR: shape {}: the output with the cache differs from the output without\n",
                 shape.name);
      return 1;
    }
    const double rate_off = static_cast<double>(n) / off.seconds;
    const double rate_on = static_cast<double>(n) / on.seconds;
    const double lookups = static_cast<double>(cache->hits() + cache->misses());
    fmt::print("{:>10} {:>8} {:>9} {:>9.3f} {:>11.1f} {:>10.2f}x {:>9}\n", shape.name, n, "off",
               off.seconds, rate_off, 1.0, "");
    fmt::print("{:>10} {:>8} {:>9} {:>9.3f} {:>11.1f} {:>10.2f}x {:>8.1f}%\n", shape.name, n, "on",
               on.seconds, rate_on, rate_on / rate_off,
               lookups > 0 ? 100.0 * static_cast<double>(cache->hits()) / lookups : 0.0);
  }
  if (!cached_only) {
    fmt::print("outputs identical with and without the cache on every shape\n");
  }
  return 0;
}
