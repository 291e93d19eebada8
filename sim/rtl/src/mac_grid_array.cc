// The C++ PE registers of array_if.h with every multiply-accumulate computed by a Verilated
// MAC bank (rtl_models.h, MakeMacGridArray). The registers move exactly as array_if.h
// specifies for the dataflow's arrangement (EdgeRolesOf); only the arithmetic is delegated, so
// a mismatch against the golden reference points at the MAC RTL.

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::sim::rtl {
namespace {

using cycle::EdgeIn;
using cycle::PeConfig;
using cycle::Phase;

class MacGridArray final : public cycle::ArrayIf {
 public:
  explicit MacGridArray(std::unique_ptr<MacBank> bank) : bank_(std::move(bank)) {}

  void Configure(const PeConfig& config) override {
    const quasar::rtl::MacParams p = bank_->ReportedParams();
    if (config.acc.bits != p.acc_w || config.pack > p.lanes) {
      throw std::invalid_argument("the RTL MAC (" + std::to_string(p.acc_w) + "-bit accumulator, " +
                                  std::to_string(p.lanes) + " lanes) cannot run this layer (" +
                                  std::to_string(config.acc.bits) + "-bit accumulator, " +
                                  std::to_string(config.pack) + " products per cycle)");
    }
    roles_ = cycle::EdgeRolesOf(config.dataflow);
    cfg_ = config;
    lanes_ = p.lanes;
    pes_ = static_cast<size_t>(config.rows * config.cols);
    const size_t ops = pes_ * static_cast<size_t>(lanes_);
    stationary_.assign(ops, 0);
    moving_.assign(ops, 0);
    b_.assign(ops, 0);
    p_.assign(pes_, 0);
    next_moving_.assign(ops, 0);
    next_b_.assign(ops, 0);
    acc_in_.assign(pes_, 0);
    acc_out_.assign(pes_, 0);
    ovf_.assign(pes_, 0);
    overflow_events_ = 0;
  }

  void Cycle(const EdgeIn& in, int64_t* south) override {
    const size_t rows = static_cast<size_t>(cfg_.rows), cols = static_cast<size_t>(cfg_.cols);
    const size_t pack = static_cast<size_t>(cfg_.pack), lanes = static_cast<size_t>(lanes_);
    const bool out_held = roles_.out_held;
    auto lane = [&](size_t r, size_t c) { return (r * cols + c) * lanes; };
    // An edge's operand group for PE row/column i, widened to the bank's lanes (0 beyond).
    auto edge = [&](const int32_t* src, size_t i, int32_t* dst) {
      std::fill(dst, dst + lanes, 0);
      if (src != nullptr) {
        std::copy(src + i * pack, src + (i + 1) * pack, dst);
      }
    };
    if (in.phase == Phase::kShift) {
      std::fill(moving_.begin(), moving_.end(), 0);
      std::fill(b_.begin(), b_.end(), 0);
      if (out_held) {
        for (size_t c = 0; c < cols; ++c) {
          south[c] = p_[(rows - 1) * cols + c];
        }
        for (size_t r = rows; r-- > 1;) {
          std::copy(&p_[(r - 1) * cols], &p_[r * cols], &p_[r * cols]);
        }
        for (size_t c = 0; c < cols; ++c) {
          p_[c] = in.north_psum != nullptr ? in.north_psum[c] : 0;
        }
      } else {
        std::fill(south, south + cols, 0);
        for (size_t r = rows; r-- > 1;) {
          std::copy(&stationary_[lane(r - 1, 0)], &stationary_[lane(r, 0)],
                    &stationary_[lane(r, 0)]);
        }
        for (size_t c = 0; c < cols; ++c) {
          edge(in.north, c, &stationary_[lane(0, c)]);
        }
      }
      return;
    }
    // The moving operands arriving this cycle (array_if.h: they are multiplied on arrival).
    for (size_t r = 0; r < rows; ++r) {
      edge(in.west, r, &next_moving_[lane(r, 0)]);
      for (size_t c = 1; c < cols; ++c) {
        std::copy(&moving_[lane(r, c - 1)], &moving_[lane(r, c)], &next_moving_[lane(r, c)]);
      }
    }
    if (out_held) {
      for (size_t c = 0; c < cols; ++c) {
        edge(in.north, c, &next_b_[lane(0, c)]);
      }
      for (size_t r = 1; r < rows; ++r) {
        std::copy(&b_[lane(r - 1, 0)], &b_[lane(r, 0)], &next_b_[lane(r, 0)]);
      }
    }
    // MAC operands, activation side first (the bank's lane widths): the register of A and of
    // B, by the edge each enters (west: moving east; north: moving south, or held).
    auto reg = [&](models::GemmOperand op) -> const std::vector<int32_t>& {
      return op == roles_.west ? next_moving_ : out_held ? next_b_ : stationary_;
    };
    const std::vector<int32_t>& a = reg(models::GemmOperand::kA);
    const std::vector<int32_t>& w = reg(models::GemmOperand::kB);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        const size_t i = r * cols + c;
        acc_in_[i] = out_held ? p_[i]
                     : r == 0 ? (in.north_psum != nullptr ? in.north_psum[c] : 0)
                              : p_[i - cols];
      }
    }
    const int64_t units = bank_->units();
    const bool saturate = cfg_.acc.overflow == models::OverflowMode::kSaturate;
    for (size_t first = 0; first < pes_; first += static_cast<size_t>(units)) {
      const int64_t n = std::min<int64_t>(units, static_cast<int64_t>(pes_ - first));
      bank_->Eval(saturate, cfg_.chunked, n, &a[first * lanes], &w[first * lanes], &acc_in_[first],
                  &acc_out_[first], &ovf_[first]);
    }
    for (size_t i = 0; i < pes_; ++i) {
      overflow_events_ += ovf_[i];
    }
    p_ = acc_out_;
    moving_.swap(next_moving_);
    if (out_held) {
      b_.swap(next_b_);
      std::fill(south, south + cols, 0);
    } else {
      std::copy(&p_[(rows - 1) * cols], &p_[rows * cols], south);
    }
  }

  int64_t overflow_events() const override { return overflow_events_; }
  int64_t Psum(int64_t r, int64_t c) const override {
    return p_[static_cast<size_t>(r * cfg_.cols + c)];
  }
  std::string Name() const override { return "rtl-mac"; }

 private:
  std::unique_ptr<MacBank> bank_;
  PeConfig cfg_;
  cycle::EdgeRoles roles_;
  int lanes_ = 1;
  size_t pes_ = 0;
  // Per PE, `lanes_` operands each: held (partial sums moving), moving east, moving south.
  std::vector<int32_t> stationary_, moving_, b_;
  std::vector<int64_t> p_;  // partial sums / accumulators
  std::vector<int32_t> next_moving_, next_b_;
  std::vector<int64_t> acc_in_, acc_out_;
  std::vector<int32_t> ovf_;
  int64_t overflow_events_ = 0;
};

}  // namespace

std::unique_ptr<cycle::ArrayIf> MakeMacGridArray(std::unique_ptr<MacBank> bank) {
  return std::make_unique<MacGridArray>(std::move(bank));
}

}  // namespace quasar::sim::rtl
