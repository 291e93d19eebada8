// Running a sweep (sweep.h): one configuration through the mapper and the analytical model, the
// fidelity of a (network, precision, accumulator), and the evaluation of the missing
// configurations on a thread pool while the calling thread hands rows out in configuration order.
// A backend that moves values runs each (network, precision) quantized once.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <tuple>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/parallel.h"
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

// What a fidelity run depends on besides the spec: the pair and the accumulator.
using FidelityKey = std::tuple<size_t, int, models::OverflowMode>;

FidelityKey FidelityKeyOf(const SweepSpec& spec, const SweepConfig& c) {
  const models::AccumulatorSpec acc = AccumulatorFor(spec, c);
  return {PairOf(spec, c), acc.bits, acc.overflow};
}

// Whether a key's fidelity can be measured (FidelityMeasurable). A row whose key cannot is
// invalid or infeasible anyway (an integer MAC refuses a register of 65..128 bits, an FP8 MAC
// integer layers), and has no fidelity.
bool Measurable(const SweepSpec& spec, const FidelityKey& k) {
  return FidelityMeasurable(spec.nets.at(std::get<0>(k)), std::get<1>(k));
}

// `fraction` of `images` as a percentage, from the count it stands for (so 9055 of 10000 is
// 90.55, not 90.55000000000001).
double Percent(double fraction, int64_t images) {
  const double count = std::round(fraction * static_cast<double>(images));
  return images > 0 ? 100.0 * count / static_cast<double>(images) : 0.0;
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
                        const std::optional<SweepFidelity>& fidelity,
                        const BackendInfo* backend, const BackendValuesSource& values) {
  SweepRow row = NewRow(spec, config);
  if (fidelity) {
    row.sqnr_db = fidelity->sqnr_db;
    row.sqnr_p5_db = fidelity->sqnr_p5_db;
    row.top1_pct = fidelity->top1_pct;
    row.agreement_pct = fidelity->agreement_pct;
  }
  models::ArchSpec arch;
  try {
    arch = ArchFor(spec, config);
  } catch (const InputError& e) {
    row.status = "invalid";
    row.reason = OneLine(e.what());
    return row;
  }
  const models::NetworkSpec& net = spec.nets[PairOf(spec, config)];
  EvalCache* cache = spec.eval_cache.get();
  const auto prepared = cache != nullptr && spec.prepared != nullptr
                            ? spec.prepared->Get(PairOf(spec, config), net, arch)
                            : nullptr;
  const compiler::Schedule s =
      Compile(net, arch, spec.table, spec.objective, spec.search, cache, prepared.get());
  const NetworkPerf perf =
      backend == nullptr ? EvaluateSchedule(s, arch, spec.table, cache)
      : values           ? RunOnBackend(*backend, s, arch, spec.table, net, values)
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

SweepFidelity MeasureSweepFidelity(const SweepSpec& spec, size_t pair,
                                   const models::AccumulatorSpec& acc, int threads) {
  const models::NetworkSpec& net = spec.nets.at(pair);
  SweepFidelity f;
  if (spec.data) {
    models::AccuracyOptions options;
    options.images = spec.images;
    options.threads = threads;
    const AccuracySummary a = MeasureAccuracy(net, *spec.data, acc, options);
    f.sqnr_db = a.sqnr_mean_db;
    f.sqnr_p5_db = a.sqnr_p5_db;
    f.top1_pct = Percent(a.top1, a.images);
    f.agreement_pct = Percent(a.agreement, a.images);
    return f;
  }
  FidelityOptions options;
  options.threads = threads;
  const Fidelity m = MeasureFidelity(net, kFidelitySeed, kFidelityCalibSamples, acc, options);
  f.sqnr_db = m.output_sqnr_db;
  f.sqnr_p5_db = m.output_sqnr_p5_db;
  return f;
}

SweepResult RunSweep(const SweepSpec& spec, const SweepOptions& options,
                     const std::vector<std::optional<SweepRow>>& done) {
  const size_t total = spec.ConfigCount();
  if (!done.empty() && done.size() != total) {
    throw std::logic_error("RunSweep: `done` needs one entry per configuration");
  }
  if (options.shard_count == 0 || options.shard_index >= options.shard_count ||
      options.shard_block == 0) {
    throw std::logic_error("RunSweep: shard_index must be below shard_count, shard_block >= 1");
  }
  // With keep_rows every row of this shard is held until the sweep ends (a lower bound: one
  // string per axis; longer strings and fidelity runs add to it). Without, only the window.
  // Blocks b of shard_block configurations with b % shard_count == shard_index, the last block
  // perhaps short.
  const size_t block = options.shard_block, blocks = (total + block - 1) / block;
  const size_t shard_blocks =
      (blocks + options.shard_count - 1 - options.shard_index) / options.shard_count;
  const bool short_last =
      total % block != 0 && (blocks - 1) % options.shard_count == options.shard_index;
  const size_t shard_rows = shard_blocks * block - (short_last ? block - total % block : 0);
  if (options.keep_rows) {
    models::CheckAllocation(
        models::SaturatingMul(shard_rows, sizeof(SweepRow) + spec.axes.size() * sizeof(std::string)),
        "holding the sweep's " + std::to_string(shard_rows) + " rows (of " +
            std::to_string(total) + " configurations) in memory");
  }
  SweepResult result;
  // The configurations of this shard, in order (all of them without sharding), and the ones to
  // evaluate (not in `done`).
  std::vector<size_t> mine;
  mine.reserve(shard_rows);
  for (size_t b = options.shard_index; b < blocks; b += options.shard_count) {
    for (size_t i = b * block; i < std::min(total, (b + 1) * block); ++i) {
      mine.push_back(i);
    }
  }
  const size_t count = mine.size();
  std::vector<size_t> missing;
  for (size_t i : mine) {
    if (!done.empty() && done[i]) {
      ++result.reused;
    } else {
      missing.push_back(i);
    }
  }
  const bool serial = options.backend != nullptr && !options.backend->concurrent;
  const int jobs = serial ? 1 : models::ThreadCount(options.jobs);

  // The fidelity of each (network, precision, accumulator) a missing row needs, measured once.
  // The runs share the threads: each gets jobs / runs of them (at least one).
  std::map<FidelityKey, SweepFidelity> fidelity;
  if (spec.fidelity) {
    for (size_t i : missing) {
      const FidelityKey k = FidelityKeyOf(spec, ConfigAt(spec, i));
      if (Measurable(spec, k)) {
        fidelity.emplace(k, SweepFidelity{});
      }
    }
    std::vector<FidelityKey> keys;  // in the map's (sorted) order
    for (const auto& entry : fidelity) {
      keys.push_back(entry.first);
    }
    for (const FidelityKey& k : keys) {
      if (options.note) {
        const size_t p = std::get<0>(k);
        options.note("fidelity: " + spec.networks[p / spec.precisions.size()] + " " +
                     spec.precisions[p % spec.precisions.size()] + ", accumulator " +
                     std::to_string(std::get<1>(k)) + " bits " +
                     models::OverflowModeName(std::get<2>(k)));
      }
    }
    const int per_run = std::max(1, jobs / static_cast<int>(std::max<size_t>(keys.size(), 1)));
    models::ParallelFor(keys.size(), jobs, [&](size_t i) {
      const auto& [pair, bits, overflow] = keys[i];
      models::AccumulatorSpec acc;
      acc.bits = bits;
      acc.overflow = overflow;
      fidelity.at(keys[i]) = MeasureSweepFidelity(spec, pair, acc, per_run);
    });
    result.fidelity_runs = keys.size();
  }

  // A backend that moves values runs each (network, precision) quantized once, when a
  // configuration of it first needs it.
  std::vector<std::once_flag> quantized_once(spec.nets.size());
  std::vector<BackendValues> quantized(spec.nets.size());

  // Workers put their rows in a window of kWindow slots (missing row k in slot k % kWindow);
  // this thread hands out the completed prefix in order and frees its slots. A worker whose row
  // is a window ahead of the first one not handed out waits, so memory stays bounded whatever
  // the number of configurations. Workers take runs of rows in order (ParallelFor, below) and
  // evaluate each run in order, so the first row not handed out is in a run that a worker holds,
  // within 64 rows of that row and so never waiting for room: that worker finishes its run and
  // wakes the hand-out, and no one waits for a waiting worker.
  constexpr size_t kWindow = 1024;
  std::vector<std::optional<SweepRow>> window(std::min(kWindow, missing.size()));
  std::mutex mutex;
  std::condition_variable ready, room;
  std::atomic<size_t> evaluated{0};
  bool failed = false;
  size_t finished = result.reused;
  size_t handed = 0;  // missing rows handed out
  auto work = [&](size_t i) {
    try {
      const SweepConfig c = ConfigAt(spec, missing[i]);
      {
        std::unique_lock<std::mutex> lock(mutex);
        room.wait(lock, [&] { return failed || i < handed + kWindow; });
        if (failed) {
          return;
        }
      }
      std::optional<SweepFidelity> f;
      if (spec.fidelity) {
        const auto it = fidelity.find(FidelityKeyOf(spec, c));
        if (it != fidelity.end()) {
          f = it->second;
        }
      }
      const size_t pair = PairOf(spec, c);
      SweepRow row = EvaluateConfig(spec, c, f, options.backend, [&]() -> const BackendValues& {
        std::call_once(quantized_once[pair], [&] {
          quantized[pair] =
              QuantizeForBackend(spec.nets[pair], kFidelitySeed, kFidelityCalibSamples);
        });
        return quantized[pair];
      });
      ++evaluated;
      std::lock_guard<std::mutex> lock(mutex);
      window[i % kWindow] = std::move(row);
      ++finished;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      failed = true;
      ready.notify_all();
      room.notify_all();
      throw;
    }
  };
  if (options.keep_rows) {
    result.rows.reserve(count);
  }
  auto hand_out = [&] {
    size_t emitted = 0, reported = 0;
    // The next row in order: a kept one from `done`, or the next missing one once finished.
    const auto next_known = [&] {
      const size_t index = mine[emitted];
      return (!done.empty() && done[index]) || window[handed % kWindow].has_value();
    };
    std::unique_lock<std::mutex> lock(mutex);
    while (emitted < count) {
      ready.wait(lock, [&] { return failed || next_known() || finished > reported; });
      if (failed) {
        return;
      }
      std::vector<SweepRow> batch;  // at most a window's rows, kept ones included
      while (emitted < count && next_known() && batch.size() < kWindow) {
        const size_t index = mine[emitted++];
        if (!done.empty() && done[index]) {
          batch.push_back(*done[index]);
        } else {
          batch.push_back(std::move(*window[handed % kWindow]));
          window[handed++ % kWindow].reset();
        }
      }
      const size_t now = finished;
      lock.unlock();
      room.notify_all();
      for (SweepRow& r : batch) {
        if (options.on_row) {
          options.on_row(r);
        }
        if (options.keep_rows) {
          result.rows.push_back(std::move(r));
        }
      }
      if (options.progress && now > reported) {
        options.progress(now, count);
      }
      reported = now;
      lock.lock();
    }
  };
  // A failure of on_row stops the workers waiting for room too.
  const auto caller = [&] {
    try {
      hand_out();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      failed = true;
      room.notify_all();
      throw;
    }
  };
  // Runs of configurations that share their counts go to one worker each (SharedCountsRun). A
  // shard's rows are consecutive within its blocks: the runs apply to a whole sweep, or to
  // blocks of a run's length (MPI ranks); shards dealt one by one have none.
  const size_t run = options.shard_count == 1                       ? SharedCountsRun(spec)
                     : options.shard_block == SharedCountsRun(spec) ? options.shard_block
                                                                    : 1;
  // A run's end wakes the hand-out, not each row: a wake per row (a futex call and a context
  // switch) cost more than a row that reuses its evaluations. The hand-out looks for finished
  // rows before it sleeps, so a row finished while it was awake is never missed.
  const auto work_run = [&](size_t r) {
    for (size_t i = r * run; i < std::min(missing.size(), (r + 1) * run); ++i) {
      work(i);
    }
    ready.notify_all();
  };
  models::ParallelFor((missing.size() + run - 1) / run, jobs, work_run, caller);
  result.evaluated = evaluated;
  return result;
}

}  // namespace quasar::sim::explore
