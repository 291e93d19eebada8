// Evaluation of a CostTable: the formulas that turn its entries into pJ and µm² for given widths
// and capacities. The entries, their units and sources are described in docs/energy-area.md;
// parsing and validation live in cost_table_parse.cc.

#include "quasar/models/cost/cost_table.h"

#include <cmath>
#include <stdexcept>

namespace quasar::models {
namespace {

using Points = std::vector<std::pair<double, double>>;

// Piecewise linear through `p` (sorted, x > 0, at least two points); outside the points the
// value is proportional to x from the nearest end point (y_end · x / x_end). Used for adders
// (energy ∝ width: a b-bit ripple adder is b full adders) and PE area (∝ product of widths,
// DESIGN.md section 4), where a straight-line extension of an end segment could turn negative.
double LinearProportional(const Points& p, double x) {
  if (x <= p.front().first) {
    return p.front().second * x / p.front().first;
  }
  if (x >= p.back().first) {
    return p.back().second * x / p.back().first;
  }
  for (size_t i = 1; i < p.size(); ++i) {
    if (x <= p[i].first) {
      const double t = (x - p[i - 1].first) / (p[i].first - p[i - 1].first);
      return p[i - 1].second + t * (p[i].second - p[i - 1].second);
    }
  }
  return p.back().second;  // unreachable: x < p.back().first
}

// Linear in log(x) between points (Horowitz's SRAM figures grow by a roughly constant amount per
// doubling of capacity). Outside the points a straight line in log(x) would reach zero near
// 2 KB (10 pJ at 8 KB, 20 pJ at 32 KB), so the end segment is extended as a power law
// y = y_end · (x / x_end)^k with k its log-log slope (k = 0.5 below 8 KB: √capacity, the bitline
// length scaling CACTI-style models show; k ≈ 0.46 above 1 MB). Continuous at the end points.
double LogInterpolate(const Points& p, double x) {
  auto power_law = [x](const std::pair<double, double>& a, const std::pair<double, double>& b,
                       const std::pair<double, double>& anchor) {
    const double k = std::log(b.second / a.second) / std::log(b.first / a.first);
    return anchor.second * std::pow(x / anchor.first, k);
  };
  if (x <= p.front().first) {
    return power_law(p[0], p[1], p[0]);
  }
  if (x >= p.back().first) {
    return power_law(p[p.size() - 2], p.back(), p.back());
  }
  for (size_t i = 1; i < p.size(); ++i) {
    if (x <= p[i].first) {
      const double t = std::log(x / p[i - 1].first) / std::log(p[i].first / p[i - 1].first);
      return p[i - 1].second + t * (p[i].second - p[i - 1].second);
    }
  }
  return p.back().second;  // unreachable
}

void RequirePositive(double v, const char* what) {
  if (!(v > 0)) {
    throw std::invalid_argument(std::string("cost table: ") + what + " must be positive, got " +
                                std::to_string(v));
  }
}

}  // namespace

std::string DefaultTechnologyDir() {
#ifdef QUASAR_SOURCE_DIR
  return std::string(QUASAR_SOURCE_DIR) + "/workloads/technology";
#else
  return "workloads/technology";
#endif
}

const CostEntry& CostTable::Entry(std::string_view key) const {
  auto it = entries.find(key);
  if (it == entries.end()) {
    throw std::logic_error("cost table '" + name + "' has no entry '" + std::string(key) + "'");
  }
  return it->second;
}

struct CostTable::Resolved {
  double multiply_quadratic = 0, multiply_linear = 0, register_per_bit = 0,
         comparator_per_bit = 0, xnor_vs_1bit_add = 0, dram_per_byte = 0,
         leakage_power_density = 0, precision_scalable_power_factor = 0,
         precision_scalable_area_factor = 0, sram_area_per_KiB = 0, register_area_per_bit = 0;
  std::vector<std::pair<double, double>> add, sram_access_64bit, pe_area;
};

void CostTable::Resolve() {
  auto r = std::make_shared<Resolved>();
  r->multiply_quadratic = Entry("multiply_quadratic").value;
  r->multiply_linear = Entry("multiply_linear").value;
  r->register_per_bit = Entry("register_per_bit").value;
  r->comparator_per_bit = Entry("comparator_per_bit").value;
  r->xnor_vs_1bit_add = Entry("xnor_vs_1bit_add").value;
  r->dram_per_byte = Entry("dram_per_byte").value;
  r->leakage_power_density = Entry("leakage_power_density").value;
  r->precision_scalable_power_factor = Entry("precision_scalable_power_factor").value;
  r->precision_scalable_area_factor = Entry("precision_scalable_area_factor").value;
  r->sram_area_per_KiB = Entry("sram_area_per_KiB").value;
  r->register_area_per_bit = Entry("register_area_per_bit").value;
  r->add = Entry("add").points;
  r->sram_access_64bit = Entry("sram_access_64bit").points;
  r->pe_area = Entry("pe_area").points;
  resolved = std::move(r);
}

namespace {

const CostTable::Resolved& Get(const CostTable& t) {
  if (!t.resolved) {
    throw std::logic_error("cost table '" + t.name + "' is used before it is resolved");
  }
  return *t.resolved;
}

}  // namespace

double CostTable::MultiplyPj(int a_bits, int w_bits) const {
  RequirePositive(a_bits, "multiply operand width");
  RequirePositive(w_bits, "multiply operand width");
  // QKeras qtools (settings.py fpm_mul, multiplier_impl.py FixedPointMultiplier): energy is the
  // polynomial q·b² + l·b at gate_bits b = √(a·w), so b² = a·w exactly.
  const double product = static_cast<double>(a_bits) * w_bits;
  return Get(*this).multiply_quadratic * product +
         Get(*this).multiply_linear * std::sqrt(product);
}

double CostTable::AddPj(int bits) const {
  RequirePositive(bits, "adder width");
  return LinearProportional(Get(*this).add, bits);
}

double CostTable::MacPj(int a_bits, int w_bits, int acc_bits) const {
  return MultiplyPj(a_bits, w_bits) + AddPj(acc_bits);
}

double CostTable::RegisterPjPerBit() const { return Get(*this).register_per_bit; }

double CostTable::ComparatorPjPerBit() const { return Get(*this).comparator_per_bit; }

double CostTable::XnorPjPerLane() const {
  // QKeras XorGate: gate_factor 0.3 of a 1-bit adder (multiplier_impl.py).
  return Get(*this).xnor_vs_1bit_add * AddPj(1);
}

double CostTable::SramAccessPj(int64_t capacity_bytes, int64_t word_bits) const {
  RequirePositive(static_cast<double>(capacity_bytes), "SRAM capacity");
  RequirePositive(static_cast<double>(word_bits), "SRAM word width");
  const double per_64 =
      LogInterpolate(Get(*this).sram_access_64bit, static_cast<double>(capacity_bytes));
  return per_64 * static_cast<double>(word_bits) / 64.0;
}

double CostTable::DramPjPerByte() const { return Get(*this).dram_per_byte; }

double CostTable::LeakagePj(double area_um2, double seconds) const {
  // mW/mm² × mm² × s = mJ = 1e9 pJ; 1 mm² = 1e6 µm².
  return Get(*this).leakage_power_density * (area_um2 * 1e-6) * seconds * 1e9;
}

double CostTable::PrecisionScalablePowerFactor() const {
  return Get(*this).precision_scalable_power_factor;
}

double CostTable::PeAreaUm2(int a_bits, int w_bits, bool precision_scalable) const {
  RequirePositive(a_bits, "PE operand width");
  RequirePositive(w_bits, "PE operand width");
  const double fixed = LinearProportional(Get(*this).pe_area, static_cast<double>(a_bits) * w_bits);
  return precision_scalable ? fixed * Get(*this).precision_scalable_area_factor : fixed;
}

double CostTable::SramAreaUm2(int64_t capacity_bytes) const {
  if (capacity_bytes < 0) {
    throw std::invalid_argument("cost table: SRAM capacity must not be negative");
  }
  return Get(*this).sram_area_per_KiB * static_cast<double>(capacity_bytes) / 1024.0;
}

double CostTable::RegisterAreaUm2PerBit() const { return Get(*this).register_area_per_bit; }

}  // namespace quasar::models
