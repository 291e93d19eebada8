#pragma once
// SystemC modules of the cycle model (internal to quasar_sim_cycle; cycle_model.h is the API).
//
//   Controller ──go/done──► DmaEngine ──► Dram (latency, bandwidth)
//        │                      │ fills
//        │                      ▼
//        ├──go/done──► ArrayUnit ◄── InputSram, WeightSram (two tile slots each)
//        │                      │ accumulates into
//        │                      ▼
//        └──go/done──► PostUnit ◄── OutputSram (accumulator tiles) ──► DRAM (outputs, spills)
//
// One simulated nanosecond is one accelerator cycle (cycle_time.h). accelerator.cc holds the
// pipeline (controller, DMA, post unit); array_unit.cc the array unit's work on a tile.

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/events.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/dram.h"
#include "quasar/sim/core/rules.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/cycle_time.h"
#include "quasar/sim/cycle/gemm_data.h"
#include "quasar/sim/cycle/tile_runner.h"

namespace quasar::sim::cycle {

// Waits n cycles of the calling SystemC thread.
void WaitCycles(int64_t n);

// The off-chip memory: one channel with a latency per step that reads and a bandwidth shared by
// reads and writes: the DramModel every backend asks (sim/core/dram.h).
class Dram : public sc_core::sc_module {
 public:
  explicit Dram(sc_core::sc_module_name name) : sc_module(name) {}
  void Configure(const models::DramSpec& spec) { model_ = MakeDramModel(spec); }
  // Blocks the calling thread for the transfer; returns its cycles.
  int64_t Transfer(int64_t read_bytes, int64_t write_bytes);

 private:
  std::unique_ptr<DramModel> model_;
};

// An on-chip SRAM holding operand tiles in two slots (double buffering: one fills while the
// other is read) or one; every fill is checked against the capacity a tile may use.
class OperandSram : public sc_core::sc_module {
 public:
  sc_core::sc_signal<int64_t> fill_bytes{"fill_bytes"};
  explicit OperandSram(sc_core::sc_module_name name) : sc_module(name) {}
  void Configure(const models::BufferSpec& spec) { spec_ = spec; }
  // The slot a new tile goes to: the one not holding `busy_slot`'s tile.
  std::vector<int32_t>& Fill(int slot, int64_t bytes, const std::string& what);
  const std::vector<int32_t>& Slot(int slot) const { return slots_[slot]; }

 private:
  models::BufferSpec spec_;
  std::vector<int32_t> slots_[2];
  int64_t bytes_[2] = {0, 0};
};

// The pipeline of one layer's tiles and the modules that execute it.
class Accelerator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Accelerator);
  // `array`: another PE array implementation (e.g. RTL) for jobs that ask for it
  // (GemmJob::alternate_array); the others run on the C++ array (cpp_array.h).
  Accelerator(sc_core::sc_module_name name, int64_t traced_pes,
              std::unique_ptr<ArrayIf> array = nullptr);

  // What the controller runs next; set before the simulation resumes.
  struct GemmJob {
    GemmData* layer = nullptr;
    const compiler::LayerSchedule* schedule = nullptr;
    bool check_overflow = true;
    bool alternate_array = false;  // run on the array given to the constructor
  };
  void Configure(const models::ArchSpec& arch);
  void StartGemm(const GemmJob& job);
  void StartPost(const compiler::LayerSchedule& layer, std::vector<PostChunk> chunks);  // rules.h
  bool idle() const { return !running_; }
  // Rethrows what a stage threw during the last job (SystemC processes must not throw).
  void RethrowError();

  // Results of the last job.
  models::EventCounts events;
  int64_t cycles = 0, compute_cycles = 0, dram_cycles = 0, post_cycles = 0, folds = 0;
  int64_t mapped_pe_folds = 0, overflow_events = 0, tiles = 0;

  // Records the stages, buffer fill levels and every PE's partial sum (named pe_<r>_<c>).
  void Trace(sc_core::sc_trace_file* tf, int64_t cols);
  // After the trace file is closed: runs at full speed again, on any array size.
  void StopTracing() { tracing_ = false; }

 private:
  void Controller();
  void DmaThread();
  void ArrayThread();
  void PostThread();
  void DmaStep(int64_t s);
  void ArrayStep(int64_t s);
  // The array unit's work on tile i (array_unit.cc): configures the PE array for the layer and
  // runs the tile's reduction onto its accumulators, spending its cycles; returns the sequencer's
  // counts, and in *dropped_overflows the wraps of runs whose sums were dropped.
  TileCounts ComputeTile(size_t i, int64_t* dropped_overflows);
  void PostStep(int64_t s);
  void PlanGemm();
  bool FoldsWithinBlocks(const compiler::TileStep& t) const;
  template <typename Fn>
  void Guarded(Fn&& fn);

  Dram dram_;
  OperandSram input_, weight_;
  sc_core::sc_signal<int64_t> output_fill_{"output_fill_bytes"};
  sc_core::sc_signal<int64_t> step_sig_{"step"};
  sc_core::sc_signal<bool> dma_busy_{"dma_busy"}, array_busy_{"array_busy"},
      post_busy_{"post_busy"};
  std::vector<std::unique_ptr<sc_core::sc_signal<int64_t>>> psum_sig_;  // traced PEs
  bool tracing_ = false;

  sc_core::sc_event start_, dma_go_, array_go_, post_go_, dma_done_, array_done_, post_done_;
  models::ArchSpec arch_;
  CppArray cpp_array_;
  std::unique_ptr<ArrayIf> alt_array_;  // e.g. an RTL array, for the jobs that ask for it
  ArrayIf* array_ = &cpp_array_;        // the array of the current job
  bool running_ = false, pending_ = false;
  int64_t step_ = 0;

  // Current GEMM job: the tile sequence and where each tile's data sits.
  GemmJob job_;
  std::vector<compiler::TileStep> tile_steps_;
  std::vector<int> a_slot_, b_slot_;
  std::vector<int64_t> visit_;                   // output tile visit of each tile
  std::vector<bool> first_of_visit_;             // the first tile of its visit
  std::map<int64_t, std::vector<int64_t>> acc_;  // output SRAM: accumulators by visit
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::vector<int64_t>> spilled_;  // in DRAM
  std::vector<PostChunk> chunks_;
  std::vector<int32_t> block_a_;      // a block format's A columns of one block (ComputeTile)
  std::vector<int64_t> scratch_acc_;  // the dropped sums of a fold across block bounds
  int planes_ = 1;                    // accumulator planes of a tile (wide elements, gemm_data.h)
  bool post_job_ = false;
  std::exception_ptr error_;
};

}  // namespace quasar::sim::cycle
