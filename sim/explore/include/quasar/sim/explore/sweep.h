#pragma once
// Design-space sweeps on the analytical backend (`quasar sweep`, docs/sweep.md). A sweep file
// (YAML, version 1) names a base accelerator, the networks, optionally precisions, and lists or
// ranges of values for ArchSpec fields; every combination (a configuration) is compiled with the
// mapper and evaluated by the analytical model on all cores, one row per configuration, in a
// fixed order whatever the thread count. Rows are handed out as they complete (in order), an
// interrupted sweep resumes from its CSV, and each network's Pareto front over latency, energy,
// area (and, with `fidelity: true`, SQNR) is marked among the rows that meet the constraints.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/accumulator.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/net/network.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/eval_cache.h"
#include "quasar/sim/explore/backend_eval.h"
#include "quasar/sim/explore/pareto.h"
#include "quasar/sim/explore/sweep_sample.h"

namespace quasar::sim::explore {

// ---- The sweep file (sweep_spec.cc; ConfigCount, PreparedNetworks::Get: sweep_configs.cc) ----

// The prepared layers of a sweep's networks (SweepSpec::prepared), shared by its threads.
class PreparedNetworks {
 public:
  explicit PreparedNetworks(size_t pairs) : by_pair_(pairs) {}
  // `net` (the spec's pair `pair`) prepared for `arch`: made on the first request of its key.
  std::shared_ptr<const std::vector<compiler::LayerSchedule>> Get(size_t pair,
                                                                  const models::NetworkSpec& net,
                                                                  const models::ArchSpec& arch);

 private:
  std::mutex mutex_;
  std::vector<std::map<std::string, std::shared_ptr<const std::vector<compiler::LayerSchedule>>>>
      by_pair_;
};

// One swept ArchSpec field and its values, in file order, as canonical text (integers in
// decimal, numbers in the shortest form that reads back exactly, names as in the arch format).
struct SweepAxis {
  std::string key;  // the field's key path in the arch format, e.g. "array.rows"
  std::vector<std::string> values;
  bool numeric = false;  // written as numbers in JSON
};

// Where names are looked up: the zoo (network name -> <zoo_dir>/<name>.yaml) and the
// accelerator presets (<accelerator_dir>/<name>.yaml).
struct SweepPaths {
  std::string zoo_dir;
  std::string accelerator_dir;
};

struct SweepSpec {
  std::string file;                     // the sweep file, for messages
  std::string name;                     // optional `name:`
  std::string base_name;                // `base:` as written
  models::ArchSpec base;                // the base accelerator
  std::vector<std::string> networks;    // as written (the output's `network` column)
  std::vector<std::string> precisions;  // as written; "default" = the network file's policy
  std::optional<int> first_last_bits;   // as `--first-last-bits` (0: off)
  // The network of each (network, precision) pair with its resolved precision, index
  // network * precisions.size() + precision.
  std::vector<models::NetworkSpec> nets;
  std::vector<SweepAxis> axes;  // in file order
  models::CostTable table;      // the base's technology (swept fields do not change it)
  compiler::Objective objective = compiler::Objective::kCycles;
  // The mapper's search (`search:`, as `quasar run --search`); the fast one by default, not
  // compiler::kDefaultMapperSearch: a sweep compiles per configuration (decision 63).
  compiler::MapperSearch search = compiler::MapperSearch::kFast;
  bool fidelity = false;  // compute each pair's output SQNR (golden vs float run)
  Constraints constraints;
  // Per network: the context of its rows, everything outside a row's key (network, precision,
  // swept values) that its figures depend on, as "name=value" items joined by ';':
  // arch (a hash of the base as ArchSpecToYaml), tech (a hash of the technology table's
  // entries), objective, search (only when not the fast one, so that rows of earlier versions
  // still resume), first_last_bits ("file" when absent), fidelity, network (a hash of the
  // network file's contents). --resume refuses rows of another context.
  std::vector<std::string> contexts;
  // `data:` (needs fidelity): the labelled data the fidelity runs evaluate accuracy on, as
  // `quasar compare --data` does, instead of synthetic inputs; `images:` the first N test images
  // (-1: all). Shared, since a spec is copied and the data do not change.
  std::string data_name;  // as written
  std::shared_ptr<const models::Dataset> data;
  int64_t images = -1;
  // The analytical model's per-layer counts, shared by the configurations (and the spec's
  // copies): configurations that differ only in fields no count reads (the clock, the MAC's
  // fields where the layers' widths and packing stay the same) reuse the mapper's evaluations;
  // the rows are the same with or without it (eval_cache.h). ParseSweep makes one; null turns
  // it off (bench_sweep measures both).
  std::shared_ptr<EvalCache> eval_cache;
  // With the cache: each pair's layers as compiler::PrepareLayer makes them, per PrepareKey (the
  // accelerator's MAC and conventions), so configurations that share a MAC prepare the network
  // once. ParseSweep makes it (one slot per pair).
  std::shared_ptr<PreparedNetworks> prepared;

  // `sample:` (sweep_sample.h): the points of the axes' product the sweep evaluates instead of
  // all of them, each one value index per axis, in enumeration order; empty when it enumerates.
  std::optional<SweepSample> sample;
  std::vector<std::vector<size_t>> points;

  // networks x precisions x (the sampled points, or the product of the axes' value counts).
  size_t ConfigCount() const;
};

// The fields a sweep may vary, with their accepted values (for docs and messages).
std::vector<std::string> SweepableKeys();

// Reads and validates a sweep file: unknown keys, bad values (each checked against the arch
// format's range), unknown networks, presets or precisions are reported together in one
// InputError, one line each, as "<file>: <key.path>: <problem>, got <value>". Relative paths
// (base, networks) are relative to the sweep file's directory; bare names are looked up in
// `paths`. Loads the base accelerator and every network.
SweepSpec LoadSweep(const std::string& path, const SweepPaths& paths);
// The same from text; `where` names it in messages and `base_dir` resolves relative paths.
SweepSpec ParseSweep(const std::string& yaml_text, const std::string& where,
                     const std::string& base_dir, const SweepPaths& paths);

// ---- Configurations (sweep_configs.cc) ----

// One configuration: which network and precision, and the index of each axis' value. The order
// is networks outermost, then precisions, then the axes in file order, the last axis varying
// fastest (like nested loops in file order).
struct SweepConfig {
  size_t index = 0;
  size_t network = 0, precision = 0;
  std::vector<size_t> value;  // one per axis
};
SweepConfig ConfigAt(const SweepSpec& spec, size_t index);
// The inverse: the index of the configuration of this network, precision and value index per
// axis, or nothing when the sweep samples its space and the point is not one of its samples.
std::optional<size_t> ConfigIndex(const SweepSpec& spec, size_t network, size_t precision,
                                  const std::vector<size_t>& value);
// How many consecutive configurations, from any multiple of it, differ only in fields that
// change no count (models::ArchField::counts): the product of the sizes of the trailing axes of
// such fields, 1 when the last axis changes counts or the sweep samples its space, and at most
// kMaxSharedRun. RunSweep gives each run to one worker, so that the later configurations reuse
// the first one's mappings instead of a second worker computing the same ones at the same time;
// at most 64 so that a sweep of one long run still spreads over the workers (each then computes
// the run's mappings once, at its start).
inline constexpr size_t kMaxSharedRun = 64;
size_t SharedCountsRun(const SweepSpec& spec);

// The base accelerator with the configuration's values applied. A combination the arch format
// rejects (e.g. bit_fusion with a 6-bit MAC) is an InputError with the format's message.
models::ArchSpec ArchFor(const SweepSpec& spec, const SweepConfig& config);

// The accumulator a configuration's fidelity run uses: the base accelerator's, with the
// configuration's values of the swept `mac.accumulator.*` fields (the hardware's accumulator
// decides the integer results, as in `quasar compare`).
models::AccumulatorSpec AccumulatorFor(const SweepSpec& spec, const SweepConfig& config);

// ---- Running (sweep_run.cc) ----

// What a fidelity run measured for one (network, precision, accumulator): the output SQNR
// against the float network (mean of the finite values, nearest-rank 5th percentile) over the
// inputs, and with `data:` the integer run's top-1 and its top-1 agreement with the float run
// (percent of the images).
struct SweepFidelity {
  double sqnr_db = 0, sqnr_p5_db = 0;
  std::optional<double> top1_pct, agreement_pct;
};

// One configuration's result: the output row.
struct SweepRow {
  size_t index = 0;
  std::string network, precision;
  std::vector<std::string> values;  // one per axis
  std::string status;               // "feasible" | "infeasible" | "invalid"
  std::string reason;               // empty when feasible
  int64_t cycles = 0;
  double latency_s = 0, inferences_per_s = 0, utilization = 0;
  double energy_pj = 0, tops_per_watt = 0, area_mm2 = 0;
  int64_t dram_bytes = 0;
  std::optional<double> sqnr_db;  // with fidelity: the output SQNR of (network, precision)
  std::string context;            // the spec's contexts[network] it was computed in
  std::optional<double> sqnr_p5_db;      // with fidelity: its 5th percentile over the inputs
  std::optional<double> top1_pct, agreement_pct;  // with data, percent (SweepFidelity)

  bool feasible() const { return status == "feasible"; }
  // The configuration's identity for --resume: network, precision and the swept values.
  std::string Key() const;
};

struct SweepOptions {
  int jobs = 0;  // worker threads; 0: std::thread::hardware_concurrency()
  // The backend every configuration runs on (null: the analytical model). One that is not
  // `concurrent` runs the configurations one at a time.
  const BackendInfo* backend = nullptr;
  // Called in the calling thread, in configuration order, for every row (reused ones too) as
  // soon as it and all rows before it are known.
  std::function<void(const SweepRow&)> on_row;
  // Called in the calling thread as rows complete: `done` rows of `total` are known (reused
  // rows included), increasing from call to call.
  std::function<void(size_t done, size_t total)> progress;
  // Called in the calling thread with a short message before each fidelity run.
  std::function<void(const std::string&)> note;
  // Sharding (`--shard I/N`, MPI ranks): the configurations are dealt to the shards in blocks of
  // `shard_block` consecutive ones, configuration c to shard (c / shard_block) % shard_count;
  // only shard_index's are evaluated and handed out (in order), `progress` counts those, and
  // SweepResult::rows holds only them. 0/1 (the default) is the whole sweep. `--shard` deals one
  // by one (its part files and sweep-merge rely on it); MPI ranks deal SharedCountsRun(spec)
  // at a time, so that a rank evaluates whole runs and computes each run's mappings once.
  size_t shard_index = 0, shard_count = 1, shard_block = 1;
  // Whether SweepResult::rows holds the rows. Without, a sweep's memory does not grow with its
  // configurations: the rows go only to `on_row` (`quasar sweep` streams them to its files), and
  // at most a window of rows that finished ahead of an earlier one waits in memory.
  bool keep_rows = true;
};

struct SweepResult {
  std::vector<SweepRow> rows;  // every configuration (of the shard), in order; with keep_rows
  size_t evaluated = 0;        // configurations compiled and evaluated by this call
  size_t reused = 0;           // rows taken from `done`
  size_t fidelity_runs = 0;    // (network, precision, accumulator) run through golden + float
};

// Evaluates one configuration: sim::Compile with the spec's objective, then the schedule on
// `backend` (null: sim::EvaluateSchedule; otherwise RunOnBackend, backend_eval.h, with the
// fidelity run's seed and calibration), priced with the spec's table. Never throws for a
// configuration that cannot run: the row says why ("infeasible", or "invalid" for a combination
// of values the arch format rejects); a backend that cannot run the job at all, or disagrees
// with the golden reference, throws (InputError, BackendMismatch). `fidelity` is copied into the
// row. `values`, when given, supplies the quantized network of a backend that moves values
// (RunSweep's, quantized once per (network, precision)); otherwise this call quantizes it.
SweepRow EvaluateConfig(const SweepSpec& spec, const SweepConfig& config,
                        const std::optional<SweepFidelity>& fidelity,
                        const BackendInfo* backend = nullptr,
                        const BackendValuesSource& values = nullptr);

// The fidelity of the spec's (network, precision) pair `pair` (index network * precisions +
// precision) with accumulator `acc`, on `threads` threads (0: all cores; the result does not
// depend on it). Without data: synthetic weights (seed 1), calibrated on 4 synthetic inputs (or
// the network's calibration files), then MeasureFidelity's 32 held-out inputs (compare.h).
// With data: MeasureAccuracy on the spec's data and images (its calibration split calibrates a
// float network; a quantized model keeps its parameters).
SweepFidelity MeasureSweepFidelity(const SweepSpec& spec, size_t pair,
                                   const models::AccumulatorSpec& acc, int threads);

// Runs every configuration not in `done` (indexed by configuration; empty or one entry per
// configuration) on `options.jobs` threads, and returns all rows in order. With fidelity, each
// (network, precision, accumulator) that a missing row needs is measured once, first.
SweepResult RunSweep(const SweepSpec& spec, const SweepOptions& options,
                     const std::vector<std::optional<SweepRow>>& done = {});

// Marks computed over all rows (sweep_marks.cc, through SweepFronts): whether each row meets the
// constraints, and whether it is on its network's Pareto front (feasible rows meeting the constraints; minimize
// latency, energy, area and, with fidelity, -SQNR, or with data -top-1). The output columns,
// CSV, JSON and front table are the report library's (quasar/report/sweep.h).
struct SweepMarks {
  std::vector<bool> within_constraints;
  std::vector<bool> pareto;
};
SweepMarks MarkFront(const SweepSpec& spec, const std::vector<SweepRow>& rows);

// The parts of MarkFront, also used where only the rows are known (`quasar sweep-merge` reads
// them back from shard files, whose rows carry their within_constraints mark):
// whether one row is feasible and meets the spec's constraints (a mark of the row alone) ...
bool WithinConstraints(const SweepSpec& spec, const SweepRow& row);
// ... and the Pareto front of each network (rows grouped by their `network`) among the
// candidates, over latency, energy, area and the fourth objective (none, -SQNR or -top-1).
enum class FrontObjective { kNone, kSqnr, kTop1 };
FrontObjective FrontObjectiveOf(const SweepSpec& spec);
std::vector<bool> ParetoMarks(const std::vector<SweepRow>& rows,
                              const std::vector<bool>& candidate, FrontObjective fourth);
// A row's point in the front's objective space: latency, energy, area and the fourth (NaN
// when the row lacks it, which keeps the row off the front).
std::vector<double> FrontPoint(const SweepRow& row, FrontObjective fourth);

// Each network's Pareto front and counts, fed one row at a time in any order: what MarkFront
// computes, in memory proportional to the fronts instead of the rows (IncrementalFront,
// pareto.h). `quasar sweep` feeds it the rows as they come back from its rows file, so a sweep
// of millions of configurations keeps only its fronts.
class SweepFronts {
 public:
  explicit SweepFronts(const SweepSpec& spec);
  // Counts the row, and offers it to its network's front when it meets the constraints.
  void Add(const SweepRow& row);

  struct Network {
    size_t feasible = 0, within = 0;  // rows, and rows meeting the constraints
    std::vector<SweepRow> front;      // the front rows, in configuration order
  };
  // The network's figures (by its position in spec.networks) once every row is added.
  Network Of(size_t network) const;
  // Whether configuration `index` is on its network's front, once every row is added.
  bool OnFront(size_t index) const;

 private:
  const SweepSpec& spec_;
  FrontObjective fourth_;
  std::vector<size_t> feasible_, within_;
  std::vector<IncrementalFront<SweepRow>> fronts_;  // one per network
  mutable std::vector<size_t> on_front_;            // sorted indices, built on first query
  mutable bool sorted_ = false;
};

}  // namespace quasar::sim::explore
