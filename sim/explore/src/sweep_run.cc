// Running a sweep (sweep.h): one configuration through the mapper and the analytical model, the
// output SQNR of a (network, precision) pair, and the thread pool that evaluates the missing
// configurations while the calling thread hands rows out in configuration order.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "quasar/models/error.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/explore/backend_eval.h"
#include "quasar/sim/explore/compare.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::sim::explore {

namespace {

// The synthetic weights and calibration of a sweep's fidelity and value-moving backend runs.
constexpr uint64_t kFidelitySeed = 1;
constexpr int kFidelityCalibSamples = 4;

// A message on one line (CSV rows hold one row per line).
std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ';');
  return s;
}

// The rows' identity cells of a configuration.
SweepRow NewRow(const SweepSpec& spec, const SweepConfig& config) {
  SweepRow row;
  row.index = config.index;
  row.network = spec.networks[config.network];
  row.precision = spec.precisions[config.precision];
  if (config.network < spec.contexts.size()) {
    row.context = spec.contexts[config.network];
  }
  for (size_t i = 0; i < spec.axes.size(); ++i) {
    row.values.push_back(spec.axes[i].values[config.value[i]]);
  }
  return row;
}

size_t PairOf(const SweepSpec& spec, const SweepConfig& c) {
  return c.network * spec.precisions.size() + c.precision;
}

}  // namespace

std::string SweepRow::Key() const {
  std::string key = network + '\x1f' + precision;
  for (const std::string& v : values) {
    key += '\x1f' + v;
  }
  return key;
}

SweepRow EvaluateConfig(const SweepSpec& spec, const SweepConfig& config,
                        std::optional<double> sqnr_db, const BackendInfo* backend) {
  SweepRow row = NewRow(spec, config);
  row.sqnr_db = sqnr_db;
  models::ArchSpec arch;
  try {
    arch = ArchFor(spec, config);
  } catch (const InputError& e) {
    row.status = "invalid";
    row.reason = OneLine(e.what());
    return row;
  }
  const models::NetworkSpec& net = spec.nets[PairOf(spec, config)];
  const compiler::Schedule s = Compile(net, arch, spec.table, spec.objective);
  const NetworkPerf perf =
      backend == nullptr ? EvaluateSchedule(s, arch, spec.table)
                         : RunOnBackend(*backend, s, arch, spec.table, net, kFidelitySeed,
                                        kFidelityCalibSamples);
  row.status = perf.ok() ? "feasible" : "infeasible";
  row.reason = OneLine(perf.status);
  row.cycles = perf.cycles;
  row.latency_s = perf.latency_s;
  row.inferences_per_s = perf.inferences_per_s;
  row.utilization = perf.utilization;
  row.energy_pj = perf.energy.Total();
  row.tops_per_watt = perf.tops_per_watt;
  row.area_mm2 = perf.area.Total() / 1e6;
  row.dram_bytes = perf.dram_read_bytes + perf.dram_write_bytes;
  return row;
}

// The mean output SQNR over MeasureFidelity's held-out inputs; one thread each, since the sweep
// runs (network, precision) pairs in parallel already.
double OutputSqnrDb(const models::NetworkSpec& net) {
  FidelityOptions options;
  options.threads = 1;
  return MeasureFidelity(net, kFidelitySeed, kFidelityCalibSamples, std::nullopt, options)
      .output_sqnr_db;
}

SweepResult RunSweep(const SweepSpec& spec, const SweepOptions& options,
                     const std::vector<std::optional<SweepRow>>& done) {
  const size_t total = spec.ConfigCount();
  if (!done.empty() && done.size() != total) {
    throw std::logic_error("RunSweep: `done` needs one entry per configuration");
  }
  SweepResult result;
  std::vector<std::optional<SweepRow>> rows(total);
  std::vector<size_t> missing;
  std::vector<bool> pair_needed(spec.nets.size(), false);
  for (size_t i = 0; i < total; ++i) {
    if (!done.empty() && done[i]) {
      rows[i] = done[i];
      ++result.reused;
    } else {
      missing.push_back(i);
      pair_needed[PairOf(spec, ConfigAt(spec, i))] = true;
    }
  }
  const bool serial = options.backend != nullptr && !options.backend->concurrent;
  const size_t jobs = static_cast<size_t>(
      serial ? 1
             : options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency()));

  // Runs work(i) for i in [0, n) on the pool; rethrows the first exception.
  auto parallel = [&](size_t n, const std::function<void(size_t)>& work,
                      const std::function<void()>& wait) {
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    std::vector<std::thread> threads;
    for (size_t t = 0; t < std::min(jobs, n); ++t) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++) {
          try {
            work(i);
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) {
              error = std::current_exception();
            }
            next = n;  // stop handing out work
          }
        }
      });
    }
    if (wait) {
      try {
        wait();
      } catch (...) {  // e.g. a row callback that cannot write: stop the workers first
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) {
          error = std::current_exception();
        }
        next = n;
      }
    }
    for (auto& t : threads) {
      t.join();
    }
    if (error) {
      std::rethrow_exception(error);
    }
  };

  // The SQNR of each (network, precision) pair a missing row needs, once per pair.
  std::vector<std::optional<double>> sqnr(spec.nets.size());
  if (spec.fidelity) {
    std::vector<size_t> pairs;
    for (size_t p = 0; p < spec.nets.size(); ++p) {
      if (pair_needed[p]) {
        pairs.push_back(p);
        if (options.note) {
          options.note("fidelity: " + spec.networks[p / spec.precisions.size()] + " " +
                       spec.precisions[p % spec.precisions.size()]);
        }
      }
    }
    parallel(pairs.size(), [&](size_t i) { sqnr[pairs[i]] = OutputSqnrDb(spec.nets[pairs[i]]); },
             {});
    result.fidelity_runs = pairs.size();
  }

  // Workers fill `rows`; this thread hands out the completed prefix in order.
  std::mutex mutex;
  std::condition_variable ready;
  std::atomic<size_t> evaluated{0};
  bool failed = false;
  size_t finished = result.reused;
  auto work = [&](size_t i) {
    const size_t index = missing[i];
    const SweepConfig c = ConfigAt(spec, index);
    try {
      SweepRow row = EvaluateConfig(spec, c, sqnr[PairOf(spec, c)], options.backend);
      ++evaluated;
      std::lock_guard<std::mutex> lock(mutex);
      rows[index] = std::move(row);
      ++finished;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      failed = true;
      ready.notify_all();
      throw;
    }
    ready.notify_all();
  };
  auto hand_out = [&] {
    size_t emitted = 0, reported = 0;
    std::unique_lock<std::mutex> lock(mutex);
    while (emitted < total) {
      ready.wait(lock, [&] { return failed || rows[emitted] || finished > reported; });
      if (failed) {
        return;
      }
      std::vector<const SweepRow*> batch;
      while (emitted < total && rows[emitted]) {
        batch.push_back(&*rows[emitted++]);
      }
      const size_t now = finished;
      lock.unlock();  // rows already set are never written again
      for (const SweepRow* r : batch) {
        if (options.on_row) {
          options.on_row(*r);
        }
      }
      if (options.progress && now > reported) {
        options.progress(now, total);
      }
      reported = now;
      lock.lock();
    }
  };
  parallel(missing.size(), work, hand_out);
  result.evaluated = evaluated;
  result.rows.reserve(total);
  for (auto& r : rows) {
    result.rows.push_back(std::move(*r));
  }
  return result;
}

}  // namespace quasar::sim::explore
