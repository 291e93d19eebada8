#pragma once
// RtlArray over a Verilated quasar_array (rtl/sv/quasar_array.sv), for any of the array
// configurations rtl/CMakeLists.txt builds (the template parameter is the Verilated class).
//
// One Cycle() is one clock period of simulated time, the accelerator's CycleTime(): the edge
// inputs and a rising clock edge are written together, the model's registers take the inputs
// at that edge, and after the falling edge half a period later the registered outputs (south,
// the overflow count) are read. Configure() sets the layer's modes and clears the registers
// with one clock pulse in delta cycles, which takes no simulated time.

#include <verilated.h>
#include <verilated_vcd_sc.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>

#include "port_bits.h"
#include "quasar/sim/cycle/cycle_time.h"
#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::sim::rtl {

template <typename V>
class VerilatedArray final : public sc_core::sc_module, public RtlArray {
 public:
  VerilatedArray(sc_core::sc_module_name name, const std::string& trace_path)
      : sc_module(name),
        display_name_(static_cast<const char*>(name)),
        trace_path_(trace_path),
        model_(EnableTracing("rtl", trace_path)) {
    model_.clk(clk_);
    model_.clear(clear_);
    model_.shift(shift_);
    model_.saturate(saturate_);
    model_.xnor_mode(xnor_);
    model_.stuck(stuck_);
    model_.stuck_pe(stuck_pe_);
    model_.stuck_bit(stuck_bit_);
    model_.west(west_);
    model_.north(north_);
    model_.north_psum(north_psum_);
    model_.south(south_);
    model_.psum(psum_);
    model_.ovf_count(ovf_count_);
    model_.p_rows(p_rows_);
    model_.p_cols(p_cols_);
    model_.p_dataflow(p_dataflow_);
    model_.p_a_w(p_a_w_);
    model_.p_w_w(p_w_w_);
    model_.p_lanes(p_lanes_);
    model_.p_acc_w(p_acc_w_);
    model_.p_signed(p_signed_);
  }
  ~VerilatedArray() override { CloseTrace(); }

  quasar::rtl::ArrayParams ReportedParams() const override {
    quasar::rtl::ArrayParams p;
    p.rows = p_rows_.read();
    p.cols = p_cols_.read();
    const uint32_t df = p_dataflow_.read();
    p.dataflow = quasar::rtl::DataflowFromCode(df);
    p.mac.a_w = static_cast<int>(p_a_w_.read());
    p.mac.w_w = static_cast<int>(p_w_w_.read());
    p.mac.lanes = static_cast<int>(p_lanes_.read());
    p.mac.acc_w = static_cast<int>(p_acc_w_.read());
    p.mac.is_signed = p_signed_.read() != 0;
    return p;
  }

  void Configure(const cycle::PeConfig& config) override {
    if (trace_ == nullptr && !trace_path_.empty()) {
      trace_ = std::make_unique<VerilatedVcdSc>();
      model_.trace(trace_.get(), 99);
      trace_->open(trace_path_.c_str());
    }
    // Modes, and every register cleared; the identification outputs have settled after it.
    stuck_.write(stuck_pe_index_ >= 0);
    stuck_pe_.write(static_cast<uint32_t>(std::max<int64_t>(0, stuck_pe_index_)));
    stuck_bit_.write(static_cast<uint32_t>(stuck_bit_index_));
    saturate_.write(config.acc.overflow == models::OverflowMode::kSaturate);
    xnor_.write(config.chunked);
    shift_.write(false);
    clear_.write(true);
    DeltaClock();
    clear_.write(false);
    overflow_events_ = 0;
    params_ = ReportedParams();
    quasar::rtl::ArrayParams want = params_;
    want.rows = config.rows;
    want.cols = config.cols;
    want.dataflow = config.dataflow;
    want.mac.acc_w = config.acc.bits;
    std::vector<std::string> diff = quasar::rtl::Differences(params_, want);
    if (config.pack > params_.mac.lanes) {
      diff.push_back("products per cycle: " + std::to_string(params_.mac.lanes) + " (RTL) vs " +
                     std::to_string(config.pack) + " (layer)");
    }
    if (!diff.empty()) {
      std::string msg = "the RTL array " + Name() + " cannot run this layer:";
      for (const std::string& d : diff) {
        msg += " " + d + ";";
      }
      throw std::invalid_argument(msg);
    }
    cfg_ = config;
    const int lanes = params_.mac.lanes;
    // Which operand each edge carries (the dataflow's movement columns, EdgeRolesOf; the edges
    // of quasar_array.sv): an edge's lanes are its operand's width.
    const cycle::EdgeRoles roles = cycle::EdgeRolesOf(config.dataflow);
    auto width = [&](models::GemmOperand op) {
      return op == models::GemmOperand::kA ? params_.mac.a_w : params_.mac.w_w;
    };
    auto what = [](models::GemmOperand op) {
      return op == models::GemmOperand::kA ? "activation" : "weight";
    };
    west_w_ = width(roles.west);
    north_w_ = width(roles.north);
    west_what_ = what(roles.west);
    north_what_ = what(roles.north);
    west_bits_.Resize(config.rows * lanes * west_w_);
    north_bits_.Resize(config.cols * lanes * north_w_);
    psum_in_bits_.Resize(config.cols * params_.mac.acc_w);
    south_bits_.Resize(config.cols * params_.mac.acc_w);
    psum_bits_.Resize(config.rows * config.cols * params_.mac.acc_w);
  }

  void Cycle(const cycle::EdgeIn& in, int64_t* south) override {
    const int64_t rows = cfg_.rows, cols = cfg_.cols, lanes = params_.mac.lanes;
    const int64_t pack = cfg_.pack;
    shift_.write(in.phase == cycle::Phase::kShift);
    west_bits_.Clear();
    if (in.west != nullptr) {
      for (int64_t r = 0; r < rows; ++r) {
        PutLanes(&west_bits_, r * lanes, in.west + r * pack, pack, west_w_, params_.mac.is_signed,
                 west_what_);
      }
    }
    north_bits_.Clear();
    if (in.north != nullptr) {
      for (int64_t c = 0; c < cols; ++c) {
        PutLanes(&north_bits_, c * lanes, in.north + c * pack, pack, north_w_,
                 params_.mac.is_signed, north_what_);
      }
    }
    psum_in_bits_.Clear();
    if (in.north_psum != nullptr) {
      for (int64_t c = 0; c < cols; ++c) {
        psum_in_bits_.Put(c * params_.mac.acc_w, params_.mac.acc_w,
                          static_cast<uint64_t>(in.north_psum[c]));
      }
    }
    Store(west_, west_bits_);
    Store(north_, north_bits_);
    Store(north_psum_, psum_in_bits_);
    const sc_core::sc_time half = cycle::CycleTime() / 2;
    clk_.write(true);
    sc_core::wait(half);
    clk_.write(false);
    sc_core::wait(half);
    Load(south_, &south_bits_);
    for (int64_t c = 0; c < cols; ++c) {
      south[c] = south_bits_.GetSigned(c * params_.mac.acc_w, params_.mac.acc_w);
    }
    overflow_events_ += ovf_count_.read();
  }

  int64_t overflow_events() const override { return overflow_events_; }
  int64_t Psum(int64_t r, int64_t c) const override {
    Load(psum_, &psum_bits_);
    return psum_bits_.GetSigned((r * cfg_.cols + c) * params_.mac.acc_w, params_.mac.acc_w);
  }
  std::string Name() const override { return display_name_; }
  bool advances_time() const override { return true; }

  void InjectStuckAt1(int64_t pe, int bit) override {
    stuck_pe_index_ = pe;
    stuck_bit_index_ = bit;
  }
  void CloseTrace() override {
    if (trace_ != nullptr) {
      trace_->flush();
      trace_->close();
      trace_.reset();
    }
  }

 private:
  static const char* EnableTracing(const char* name, const std::string& trace_path) {
    if (!trace_path.empty()) {
      Verilated::traceEverOn(true);  // before the model is built (Verilator's manual)
    }
    return name;
  }
  // A rising and a falling clock edge in delta cycles: registers update, no time passes.
  void DeltaClock() {
    clk_.write(true);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    clk_.write(false);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_core::SC_ZERO_TIME);
  }

  std::string display_name_;
  std::string trace_path_;
  V model_;
  std::unique_ptr<VerilatedVcdSc> trace_;
  sc_core::sc_signal<bool> clk_{"clk"}, clear_{"clear"}, shift_{"shift"}, saturate_{"saturate"},
      xnor_{"xnor_mode"}, stuck_{"stuck"};
  sc_core::sc_signal<PortType<decltype(V::stuck_pe)>> stuck_pe_{"stuck_pe"};
  sc_core::sc_signal<PortType<decltype(V::stuck_bit)>> stuck_bit_{"stuck_bit"};
  sc_core::sc_signal<PortType<decltype(V::west)>> west_{"west"};
  sc_core::sc_signal<PortType<decltype(V::north)>> north_{"north"};
  sc_core::sc_signal<PortType<decltype(V::north_psum)>> north_psum_{"north_psum"};
  sc_core::sc_signal<PortType<decltype(V::south)>> south_{"south"};
  sc_core::sc_signal<PortType<decltype(V::psum)>> psum_{"psum"};
  sc_core::sc_signal<uint32_t> ovf_count_{"ovf_count"}, p_rows_{"p_rows"}, p_cols_{"p_cols"},
      p_dataflow_{"p_dataflow"}, p_a_w_{"p_a_w"}, p_w_w_{"p_w_w"}, p_lanes_{"p_lanes"},
      p_acc_w_{"p_acc_w"}, p_signed_{"p_signed"};

  cycle::PeConfig cfg_;
  quasar::rtl::ArrayParams params_;
  int west_w_ = 0, north_w_ = 0;
  const char* west_what_ = "";
  const char* north_what_ = "";
  BitWords west_bits_, north_bits_, psum_in_bits_, south_bits_;
  mutable BitWords psum_bits_;
  int64_t overflow_events_ = 0;
  int64_t stuck_pe_index_ = -1;  // no fault
  int stuck_bit_index_ = 0;
};

}  // namespace quasar::sim::rtl
