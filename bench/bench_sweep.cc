// Benchmark: `quasar sweep`'s throughput on ResNet-50, in configurations per second, on 1 and on
// 2 threads in one run (the same sweep twice; the outputs must be byte-identical), and their
// ratio. The sweep: edge_32x32_os with rows and cols in 8..64 (powers of two) and os/ws, 32
// configurations, each compiled by the mapper and evaluated by the analytical model. One untimed
// warm-up run first.
// Usage: bench_sweep [network.yaml] [max threads]. See docs/benchmarks.md.

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "bench_util.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/explore/sweep.h"

using namespace quasar;
using bench::Seconds;

int main(int argc, char** argv) {
  const std::string src = QUASAR_SOURCE_DIR;
  const std::string net = argc > 1 ? argv[1] : src + "/workloads/networks/resnet50.yaml";
  const int max_threads = argc > 2 ? std::max(2, std::atoi(argv[2])) : 2;
  const std::string text = "version: 1\nbase: edge_32x32_os\nnetworks: [" + net +
                           "]\nsweep:\n  array.rows: {from: 8, to: 64, factor: 2}\n"
                           "  array.cols: {from: 8, to: 64, factor: 2}\n"
                           "  array.dataflow: [os, ws]\n";
  const sim::explore::SweepSpec spec = sim::explore::ParseSweep(
      text, "bench", ".", {src + "/workloads/networks", src + "/workloads/accelerators"});
  const size_t n = spec.ConfigCount();
  fmt::print("{} on edge_32x32_os: {} configurations (rows, cols 8..64, os/ws), {} cores\n",
             spec.nets[0].name, n, std::thread::hardware_concurrency());
  fmt::print("{:>8} {:>10} {:>14} {:>10}\n", "threads", "seconds", "configs/s", "speedup");
  sim::explore::RunSweep(spec, {});  // warm-up (page faults, allocator), not timed
  double base_rate = 0;
  std::string first_csv;
  for (int jobs = 1; jobs <= max_threads; jobs *= 2) {
    sim::explore::SweepOptions o;
    o.jobs = jobs;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = sim::explore::RunSweep(spec, o);
    const double s = Seconds(t0);
    const std::string csv = report::SweepCsv(spec, r.rows, MarkFront(spec, r.rows));
    if (first_csv.empty()) {
      first_csv = csv;
    } else if (csv != first_csv) {
      fmt::print("ERROR: the output on {} threads differs from 1 thread\n", jobs);
      return 1;
    }
    const double rate = static_cast<double>(n) / s;
    base_rate = jobs == 1 ? rate : base_rate;
    fmt::print("{:>8} {:>10.3f} {:>14.1f} {:>9.2f}x\n", jobs, s, rate, rate / base_rate);
  }
  fmt::print("outputs identical on every thread count\n");
  return 0;
}
