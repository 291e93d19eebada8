#pragma once
// MacBank over a Verilated quasar_mac_bank (rtl/sv/quasar_mac_bank.sv). The bank is
// combinational: Eval() writes the inputs, lets SystemC run two delta cycles (the model
// evaluates in the first, its outputs update in the second) and reads the results. No
// simulated time passes.

#include <string>
#include <systemc>
#include <vector>

#include "port_bits.h"
#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::sim::rtl {

template <typename V>
class VerilatedBank final : public sc_core::sc_module, public MacBank {
 public:
  explicit VerilatedBank(sc_core::sc_module_name name) : sc_module(name), model_("rtl") {
    model_.saturate(saturate_);
    model_.xnor_mode(xnor_);
    model_.a(a_);
    model_.w(w_);
    model_.acc_in(acc_in_);
    model_.acc_out(acc_out_);
    model_.ovf(ovf_);
    model_.p_n(p_n_);
    model_.p_a_w(p_a_w_);
    model_.p_w_w(p_w_w_);
    model_.p_lanes(p_lanes_);
    model_.p_acc_w(p_acc_w_);
    model_.p_signed(p_signed_);
  }

  quasar::rtl::MacParams ReportedParams() const override {
    quasar::rtl::MacParams p;
    p.a_w = static_cast<int>(p_a_w_.read());
    p.w_w = static_cast<int>(p_w_w_.read());
    p.lanes = static_cast<int>(p_lanes_.read());
    p.acc_w = static_cast<int>(p_acc_w_.read());
    p.is_signed = p_signed_.read() != 0;
    return p;
  }
  int64_t units() const override { return p_n_.read(); }

  void Eval(bool saturate, bool xnor, int64_t count, const int32_t* a, const int32_t* w,
            const int64_t* acc_in, int64_t* acc_out, int32_t* ovf) override {
    if (!ready_) {
      // The identification outputs settle in the first delta cycles of the simulation.
      sc_core::wait(sc_core::SC_ZERO_TIME);
      sc_core::wait(sc_core::SC_ZERO_TIME);
      p_ = ReportedParams();
      n_ = units();
      a_bits_.Resize(n_ * p_.lanes * p_.a_w);
      w_bits_.Resize(n_ * p_.lanes * p_.w_w);
      acc_in_bits_.Resize(n_ * p_.acc_w);
      acc_out_bits_.Resize(n_ * p_.acc_w);
      ovf_bits_.Resize(n_ * 16);
      ready_ = true;
    }
    if (count > n_) {
      throw std::invalid_argument("MacBank::Eval: more units than the bank has");
    }
    a_bits_.Clear();
    w_bits_.Clear();
    acc_in_bits_.Clear();
    PutLanes(&a_bits_, 0, a, count * p_.lanes, p_.a_w, p_.is_signed, "activation");
    PutLanes(&w_bits_, 0, w, count * p_.lanes, p_.w_w, p_.is_signed, "weight");
    for (int64_t u = 0; u < count; ++u) {
      acc_in_bits_.Put(u * p_.acc_w, p_.acc_w, static_cast<uint64_t>(acc_in[u]));
    }
    saturate_.write(saturate);
    xnor_.write(xnor);
    Store(a_, a_bits_);
    Store(w_, w_bits_);
    Store(acc_in_, acc_in_bits_);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    Load(acc_out_, &acc_out_bits_);
    Load(ovf_, &ovf_bits_);
    for (int64_t u = 0; u < count; ++u) {
      acc_out[u] = acc_out_bits_.GetSigned(u * p_.acc_w, p_.acc_w);
      ovf[u] = static_cast<int32_t>(ovf_bits_.GetSigned(u * 16, 16) & 0xffff);
    }
  }

 private:
  V model_;
  sc_core::sc_signal<bool> saturate_{"saturate"}, xnor_{"xnor_mode"};
  sc_core::sc_signal<PortType<decltype(V::a)>> a_{"a"};
  sc_core::sc_signal<PortType<decltype(V::w)>> w_{"w"};
  sc_core::sc_signal<PortType<decltype(V::acc_in)>> acc_in_{"acc_in"};
  sc_core::sc_signal<PortType<decltype(V::acc_out)>> acc_out_{"acc_out"};
  sc_core::sc_signal<PortType<decltype(V::ovf)>> ovf_{"ovf"};
  sc_core::sc_signal<uint32_t> p_n_{"p_n"}, p_a_w_{"p_a_w"}, p_w_w_{"p_w_w"}, p_lanes_{"p_lanes"},
      p_acc_w_{"p_acc_w"}, p_signed_{"p_signed"};
  bool ready_ = false;
  quasar::rtl::MacParams p_;
  int64_t n_ = 0;
  BitWords a_bits_, w_bits_, acc_in_bits_, acc_out_bits_, ovf_bits_;
};

}  // namespace quasar::sim::rtl
