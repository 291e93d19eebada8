#include "accelerator.h"

#include <stdexcept>
#include <string>

#include "quasar/compiler/lower.h"
#include "quasar/models/error.h"
#include "quasar/sim/core/cycle_count.h"
#include "quasar/sim/cycle/array_fit_error.h"

namespace quasar::sim::cycle {

using compiler::CeilDiv;
using compiler::PackedBytes;
using compiler::TileStep;
using sc_core::SC_ZERO_TIME;

void WaitCycles(int64_t n) {
  if (n > 0) {
    sc_core::wait(static_cast<double>(n) * CycleTime());
  }
}

int64_t Dram::Transfer(int64_t read_bytes, int64_t write_bytes) {
  const int64_t c = model_->StepCycles(read_bytes, write_bytes);
  WaitCycles(c);
  return c;
}

std::vector<int32_t>& OperandSram::Fill(int slot, int64_t bytes, const std::string& what) {
  if (bytes > spec_.UsableBytes()) {
    throw InputError(std::string(name()) + ": a " + what + " tile of " + std::to_string(bytes) +
                     " bytes does not fit the " + std::to_string(spec_.UsableBytes()) +
                     " bytes a tile may use");
  }
  bytes_[slot] = bytes;
  // A single-buffered SRAM holds one tile: the model keeps two slot vectors only as storage
  // (its stages run one after another, so the old tile is no longer read).
  fill_bytes.write(spec_.double_buffered ? bytes_[0] + bytes_[1] : bytes);
  return slots_[slot];
}

Accelerator::Accelerator(sc_core::sc_module_name name, int64_t traced_pes,
                         std::unique_ptr<ArrayIf> array)
    : sc_module(name),
      dram_("dram"),
      input_("input_sram"),
      weight_("weight_sram"),
      alt_array_(std::move(array)) {
  for (int64_t i = 0; i < traced_pes; ++i) {
    psum_sig_.push_back(
        std::make_unique<sc_core::sc_signal<int64_t>>(sc_core::sc_gen_unique_name("psum")));
  }
  SC_THREAD(Controller);
  SC_THREAD(DmaThread);
  SC_THREAD(ArrayThread);
  SC_THREAD(PostThread);
}

void Accelerator::Trace(sc_core::sc_trace_file* tf, int64_t cols) {
  tracing_ = true;
  for (size_t i = 0; i < psum_sig_.size(); ++i) {
    const int64_t r = static_cast<int64_t>(i) / cols, c = static_cast<int64_t>(i) % cols;
    sc_core::sc_trace(tf, *psum_sig_[i], "pe_" + std::to_string(r) + "_" + std::to_string(c));
  }
  sc_core::sc_trace(tf, step_sig_, "step");
  sc_core::sc_trace(tf, dma_busy_, "dma_busy");
  sc_core::sc_trace(tf, array_busy_, "array_busy");
  sc_core::sc_trace(tf, post_busy_, "post_busy");
  sc_core::sc_trace(tf, input_.fill_bytes, "input_sram_fill_bytes");
  sc_core::sc_trace(tf, weight_.fill_bytes, "weight_sram_fill_bytes");
  sc_core::sc_trace(tf, output_fill_, "output_sram_fill_bytes");
}

void Accelerator::Configure(const models::ArchSpec& arch) {
  arch_ = arch;
  dram_.Configure(arch.dram);
  input_.Configure(arch.input);
  weight_.Configure(arch.weight);
  if (tracing_ && static_cast<int64_t>(psum_sig_.size()) != arch.PeCount()) {  // a bug
    throw std::invalid_argument("the trace was opened for another array size");
  }
}

void Accelerator::RethrowError() {
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

// Runs a stage's work; after a stage has thrown, the rest of the job only keeps time.
template <typename Fn>
void Accelerator::Guarded(Fn&& fn) {
  if (error_) {
    return;
  }
  try {
    fn();
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // SystemC's own process kill/reset: never swallow it
  } catch (...) {
    error_ = std::current_exception();
  }
}

void Accelerator::StartGemm(const GemmJob& job) {
  if (job.alternate_array && alt_array_ == nullptr) {
    throw std::logic_error("cycle model: no alternate PE array was built");
  }
  job_ = job;
  array_ = job.alternate_array ? alt_array_.get() : &cpp_array_;
  post_job_ = false;
  PlanGemm();
  running_ = pending_ = true;
  start_.notify(SC_ZERO_TIME);
}

void Accelerator::StartPost(const compiler::LayerSchedule& layer, std::vector<PostChunk> chunks) {
  job_ = GemmJob{nullptr, &layer, false};
  chunks_ = std::move(chunks);
  post_job_ = true;
  tiles = static_cast<int64_t>(chunks_.size());
  running_ = pending_ = true;
  start_.notify(SC_ZERO_TIME);
}

// Where each tile's operands and accumulators live. A tile that reuses the previous tile's A
// (or B) reads it from the slot it is in; a new one goes to the other slot, which is free: the
// tile that used it computed in an earlier step.
void Accelerator::PlanGemm() {
  tile_steps_.clear();
  compiler::ForEachTile(*job_.schedule, [&](const TileStep& t) { tile_steps_.push_back(t); });
  const size_t n = tile_steps_.size();
  a_slot_.assign(n, 0);
  b_slot_.assign(n, 0);
  visit_.assign(n, 0);
  first_of_visit_.assign(n, true);
  for (size_t i = 0; i < n; ++i) {
    const TileStep& t = tile_steps_[i];
    if (i > 0) {
      a_slot_[i] = t.load_a ? 1 - a_slot_[i - 1] : a_slot_[i - 1];
      b_slot_[i] = t.load_b ? 1 - b_slot_[i - 1] : b_slot_[i - 1];
      const TileStep& p = tile_steps_[i - 1];
      const bool same_out = p.group == t.group && p.m0 == t.m0 && p.n0 == t.n0 && !p.store;
      visit_[i] = same_out ? visit_[i - 1] : visit_[i - 1] + 1;
      first_of_visit_[i] = !same_out;
    }
  }
  acc_.clear();
  spilled_.clear();
  tiles = static_cast<int64_t>(n);
  planes_ = job_.layer->a_pieces() * job_.layer->b_pieces();
  // Pieces are summed by untimed runs beside the timed one (ArrayStep), which a clocked array
  // cannot do: its every run spends its cycles.
  if (planes_ > 1 && array_->advances_time()) {
    throw ArrayFitError("elements wider than the lanes run in pieces, " + std::to_string(planes_) +
                        " pairs of them summed apart, which the " + array_->Name() +
                        " array, clocked by its own runs, cannot do (the C++ "
                        "array can)");
  }
  // A clocked array has one adder chain per column, so a block format runs on it only where the
  // blocks are whole folds (ArrayStep).
  if (job_.layer->block() > 0 && array_->advances_time()) {
    for (const TileStep& t : tile_steps_) {
      if (!FoldsWithinBlocks(t)) {
        throw ArrayFitError(
            "the reduction tile over K [" + std::to_string(t.k0) + ", " +
            std::to_string(t.k0 + t.kt) + ") has a fold across a bound of the blocks of " +
            std::to_string(job_.layer->block()) + ", which the " + array_->Name() +
            " array's columns, one adder chain each, cannot sum apart (the C++ array can)");
      }
    }
  }
}

void Accelerator::Controller() {
  while (true) {
    while (!pending_) {
      sc_core::wait(start_);
    }
    pending_ = false;
    events = models::EventCounts{};
    cycles = compute_cycles = dram_cycles = post_cycles = folds = mapped_pe_folds = 0;
    overflow_events = 0;
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    const bool overlap =
        arch_.input.double_buffered && arch_.weight.double_buffered && arch_.output.double_buffered;
    const int64_t n =
        post_job_ ? static_cast<int64_t>(chunks_.size()) : static_cast<int64_t>(tile_steps_.size());
    for (step_ = 0; step_ < n + 2; ++step_) {
      step_sig_.write(step_);
      if (overlap) {
        dma_go_.notify(SC_ZERO_TIME);
        array_go_.notify(SC_ZERO_TIME);
        post_go_.notify(SC_ZERO_TIME);
        sc_core::wait(dma_done_ & array_done_ & post_done_);
      } else {
        dma_go_.notify(SC_ZERO_TIME);
        sc_core::wait(dma_done_);
        array_go_.notify(SC_ZERO_TIME);
        sc_core::wait(array_done_);
        post_go_.notify(SC_ZERO_TIME);
        sc_core::wait(post_done_);
      }
      // The output tile stored in this step leaves the output SRAM.
      if (!post_job_ && step_ >= 2 && tile_steps_[static_cast<size_t>(step_ - 2)].store) {
        acc_.erase(visit_[static_cast<size_t>(step_ - 2)]);
      }
    }
    cycles = static_cast<int64_t>((sc_core::sc_time_stamp() - t0) / CycleTime());
    running_ = false;
  }
}

void Accelerator::DmaThread() {
  while (true) {
    sc_core::wait(dma_go_);
    dma_busy_.write(true);
    Guarded([&] { DmaStep(step_); });
    dma_busy_.write(false);
    dma_done_.notify(SC_ZERO_TIME);
  }
}

void Accelerator::ArrayThread() {
  while (true) {
    sc_core::wait(array_go_);
    array_busy_.write(true);
    Guarded([&] { ArrayStep(step_ - 1); });
    array_busy_.write(false);
    array_done_.notify(SC_ZERO_TIME);
  }
}

void Accelerator::PostThread() {
  while (true) {
    sc_core::wait(post_go_);
    post_busy_.write(true);
    Guarded([&] { PostStep(step_ - 2); });
    post_busy_.write(false);
    post_done_.notify(SC_ZERO_TIME);
  }
}

// Step s: store tile s-2's outputs or partial sums, then load tile s's operands (and its
// spilled partial sums), over one DRAM channel.
void Accelerator::DmaStep(int64_t s) {
  int64_t load = 0, store = 0;
  if (post_job_) {
    if (s < static_cast<int64_t>(chunks_.size())) {
      load = chunks_[static_cast<size_t>(s)].load_bytes;
      events.input_writes += CeilDiv(load, arch_.input.word_bytes);
      events.input_reads += CeilDiv(load, arch_.input.word_bytes);
    }
    if (s >= 2) {
      store = chunks_[static_cast<size_t>(s - 2)].store_bytes;
      events.output_writes += CeilDiv(store, arch_.output.word_bytes);
      events.output_reads += CeilDiv(store, arch_.output.word_bytes);
    }
  } else {
    const compiler::LayerSchedule& l = *job_.schedule;
    const compiler::LayerBits& b = l.bits;
    const int64_t n = static_cast<int64_t>(tile_steps_.size());
    if (s >= 2 && s - 2 < n && tile_steps_[static_cast<size_t>(s - 2)].store) {
      const TileStep& t = tile_steps_[static_cast<size_t>(s - 2)];
      const int64_t outs = t.mt * t.nt;
      events.output_reads += SramWords(outs, b.acc_bits, arch_.output.word_bytes);
      if (t.final_out) {
        store =
            PackedBytes(outs, b.out_bits, b.out_scale);  // the post unit's outputs, streamed out
      } else {
        store = PackedBytes(outs, b.acc_bits);
        spilled_[{t.group, t.m0, t.n0}] = acc_.at(visit_[static_cast<size_t>(s - 2)]);
      }
    }
    if (s < n) {
      const size_t i = static_cast<size_t>(s);
      const TileStep& t = tile_steps_[i];
      if (t.load_a) {
        const int64_t bytes = PackedBytes(compiler::InputFootprint(l, t.m0, t.mt, t.k0, t.kt),
                                          b.a_bits, b.a_scale, t.kt);
        job_.layer->BuildA(t, &input_.Fill(a_slot_[i], bytes, "input"));
        events.input_writes += CeilDiv(bytes, arch_.input.word_bytes);
        load += bytes;
      }
      if (t.load_b) {
        const int64_t bytes = PackedBytes(t.kt * t.nt, b.w_bits, b.w_scale, t.kt);
        job_.layer->BuildB(t, &weight_.Fill(b_slot_[i], bytes, "weight"));
        events.weight_writes += CeilDiv(bytes, arch_.weight.word_bytes);
        load += bytes;
      }
      if (first_of_visit_[i]) {
        std::vector<int64_t>& acc = acc_[visit_[i]];
        acc.assign(static_cast<size_t>(t.mt * t.nt * planes_), 0);
        if (t.psum_in) {
          auto it = spilled_.find({t.group, t.m0, t.n0});
          if (it == spilled_.end()) {
            throw std::logic_error("cycle model: partial sums read back before they were spilled");
          }
          acc = std::move(it->second);
          spilled_.erase(it);
          const int64_t bytes = PackedBytes(t.mt * t.nt, b.acc_bits);
          events.output_writes += CeilDiv(bytes, arch_.output.word_bytes);
          load += bytes;
        }
      }
      int64_t live = 0;
      for (const auto& [v, a] : acc_) {
        live += static_cast<int64_t>(a.size()) / planes_;  // an output's pieces are one register
      }
      output_fill_.write(PackedBytes(live, b.acc_bits));
    }
  }
  events.dram_read_bytes += load;
  events.dram_write_bytes += store;
  dram_cycles = AddCycles(dram_cycles, dram_.Transfer(load, store), "the layer's DRAM transfers");
}

// Step s + 1 computes tile s on the array, cycle by cycle.
void Accelerator::ArrayStep(int64_t s) {
  if (post_job_ || s < 0 || s >= static_cast<int64_t>(tile_steps_.size())) {
    return;
  }
  const size_t i = static_cast<size_t>(s);
  const TileStep& t = tile_steps_[i];
  const compiler::LayerSchedule& l = *job_.schedule;
  const compiler::LayerBits& b = l.bits;
  std::vector<int64_t>& acc = acc_.at(visit_[i]);
  if (first_of_visit_[i] && !t.psum_in) {
    job_.layer->LoadBias(t, acc.data(), &overflow_events);  // the bias registers
  }
  int64_t dropped_overflows = 0;
  const TileCounts c = ComputeTile(i, &dropped_overflows);
  overflow_events += array_->overflow_events() - dropped_overflows;
  compute_cycles = AddCycles(compute_cycles, c.cycles, "the layer's compute");
  folds += c.folds;
  mapped_pe_folds += c.mapped_pe_folds;
  const int64_t pack = l.pack, kp = l.PackedK(t.kt);
  const int64_t macs = t.mt * t.kt * t.nt, packed_ops = t.mt * kp * t.nt, outs = t.mt * t.nt;
  events.macs += macs;
  events.pe_cycles += arch_.rows * arch_.cols * c.cycles;
  events.input_reads +=
      SramWords(c.a_reads, pack * b.a_bits, arch_.input.word_bytes, b.a_scale, kp);
  events.weight_reads +=
      SramWords(c.b_reads, pack * b.w_bits, arch_.weight.word_bytes, b.w_scale, kp);
  events.output_writes += SramWords(c.out_writes, b.acc_bits, arch_.output.word_bytes);
  events.output_reads += SramWords(c.out_reads, b.acc_bits, arch_.output.word_bytes);
  events.register_bit_writes +=
      RegisterBitWrites(arch_.dataflow, b, pack, macs, packed_ops, outs, c.mapped_pe_folds);
}

// Step s + 2 post-processes tile s when its reduction is complete.
void Accelerator::PostStep(int64_t s) {
  int64_t p = 0;
  if (post_job_) {
    if (s >= 0 && s < static_cast<int64_t>(chunks_.size())) {
      const PostChunk& c = chunks_[static_cast<size_t>(s)];
      const compiler::LayerSchedule& l = *job_.schedule;
      events.post_multiplies += c.out_elements * l.post_multiplies_per_out;
      events.post_adds += c.out_elements * l.post_adds_per_out;
      events.post_compare_bits += c.out_elements * l.post_compares_per_out * l.bits.a_bits;
      p = PostCycles(c.Streamed(), arch_.post_elements_per_cycle);
    }
  } else if (s >= 0 && s < static_cast<int64_t>(tile_steps_.size())) {
    const TileStep& t = tile_steps_[static_cast<size_t>(s)];
    if (t.store && t.final_out) {
      const compiler::LayerSchedule& l = *job_.schedule;
      const int64_t now = static_cast<int64_t>(sc_core::sc_time_stamp() / CycleTime());
      p = PostCycles(t.mt * t.nt, arch_.post_elements_per_cycle);
      const int64_t outs = job_.layer->Finish(t, acc_.at(visit_[static_cast<size_t>(s)]).data(),
                                              &overflow_events, now + p);
      events.post_multiplies += outs * l.post_multiplies_per_out;
      events.post_adds += outs * l.post_adds_per_out;
      events.post_compare_bits += outs * l.post_compares_per_out * l.bits.acc_bits;
    }
  }
  post_cycles = AddCycles(post_cycles, p, "the layer's post-processing");
  WaitCycles(p);
}

}  // namespace quasar::sim::cycle
