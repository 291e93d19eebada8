// The iso-area accelerator of `quasar compare` (compare.h).

#include "quasar/sim/explore/compare.h"

#include <algorithm>
#include <cmath>

#include "quasar/models/cost/energy.h"
#include "quasar/models/net/ops.h"

namespace quasar::sim::explore {

MacWidths NetworkMacWidths(const models::NetworkSpec& net) {
  MacWidths m;
  for (const models::NetLayer& l : net.layers) {
    if (!models::AccumulatesProducts(l.op)) {
      continue;
    }
    const models::OperandPrecision& a = net.tensor_precision.at(l.inputs[0]);
    const models::OperandPrecision& w = models::GemmBPrecision(l, net);
    m.a_bits = std::max(m.a_bits, a.StorageType().bits);
    m.w_bits = std::max(m.w_bits, w.StorageType().bits);
    for (const models::QuantCode c : {a.code, w.code}) {
      if (models::IsNumberFormat(c)) {
        m.format = c;
      }
    }
  }
  return m;
}

namespace {

// `base`'s rows and cols scaled by sqrt(budget / (pe * PEs)), into `arch` (its MAC already set).
models::ArchSpec FitArea(const models::ArchSpec& base, models::ArchSpec arch, double budget,
                         double pe, MacWidths widths) {
  const double scale = std::sqrt(budget / (pe * static_cast<double>(base.PeCount())));
  // At most the ArchSpec limit of 4096 a side.
  arch.rows = std::clamp<int64_t>(static_cast<int64_t>(std::floor(base.rows * scale)), 1, 4096);
  arch.cols = std::clamp<int64_t>(static_cast<int64_t>(std::floor(base.cols * scale)), 1, 4096);
  // Floating-point rounding must not let the array exceed the budget.
  while (arch.rows * arch.cols * pe > budget * (1 + 1e-12) && (arch.rows > 1 || arch.cols > 1)) {
    (arch.rows >= arch.cols ? arch.rows : arch.cols) -= 1;
  }
  arch.name = base.name + "-iso-" +
              (widths.format != models::QuantCode::kLinear
                   ? models::QuantCodeName(widths.format)
                   : "w" + std::to_string(widths.w_bits) + "a" + std::to_string(widths.a_bits));
  return arch;
}

models::ArchSpec PlainMac(const models::ArchSpec& base, MacWidths widths) {
  models::ArchSpec arch = base;
  arch.mac.weight_bits = widths.w_bits;
  arch.mac.activation_bits = widths.a_bits;
  arch.mac.scaling = models::PrecisionScaling::kNone;
  arch.mac.binary_lanes = 0;
  arch.mac.format = widths.format;
  return arch;
}

}  // namespace

models::ArchSpec IsoAreaArch(const models::ArchSpec& base, const models::CostTable& table,
                             MacWidths widths) {
  const models::ArchSpec arch = PlainMac(base, widths);
  return FitArea(base, arch, models::PriceArea(base, table).pe_array,
                 models::PriceArea(arch, table).pe, widths);
}

std::optional<models::ArchSpec> IsoAreaArchByRtl(const models::ArchSpec& base,
                                                 const models::CostTable& table, MacWidths widths,
                                                 const models::RtlMacCells& cells) {
  const models::ArchSpec arch = PlainMac(base, widths);
  const auto match = models::MatchRtlMac(cells, arch.mac);
  if (!match) {
    return std::nullopt;
  }
  const double pe8 = models::PriceArea(PlainMac(base, {8, 8}), table).pe;
  return FitArea(base, arch, models::PriceArea(base, table).pe_array,
                 pe8 * match->relative_to_int8, widths);
}

}  // namespace quasar::sim::explore
