#include "quasar/sim/core/perf.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "quasar/models/error.h"
#include "quasar/sim/core/cycle_count.h"

namespace quasar::sim {

LayerPerf NewLayerPerf(const compiler::LayerSchedule& l) {
  LayerPerf p;
  p.name = l.name;
  p.op = l.op;
  p.kind = compiler::LayerKindName(l.kind);
  p.status = l.status;
  p.pack = l.pack;
  p.required_acc_bits = l.required_acc_bits;
  p.acc_too_narrow = l.kind == compiler::LayerKind::kGemm && l.required_acc_bits > l.bits.acc_bits;
  p.events.mac_a_bits = l.bits.mac_a_bits;
  p.events.mac_w_bits = l.bits.mac_w_bits;
  p.events.acc_bits = l.bits.acc_bits;
  p.events.binary = l.bits.binary;
  p.events.mac_w_group = compiler::DequantGroup(l.bits);
  return p;
}

void FinishLayerPerf(const models::ArchSpec& arch, LayerPerf* p) {
  p->stall_cycles = p->cycles - p->compute_cycles;
  p->events.cycles = p->cycles;
  const double pes = static_cast<double>(arch.PeCount());
  if (p->cycles > 0 && p->events.macs > 0) {
    p->utilization = static_cast<double>(p->events.macs) /
                     (static_cast<double>(p->cycles) * pes * static_cast<double>(p->pack));
  }
  if (p->folds > 0) {
    p->mapping_efficiency =
        static_cast<double>(p->mapped_pe_folds) / (static_cast<double>(p->folds) * pes);
  }
}

NetworkPerf Summarize(const std::string& network, const models::ArchSpec& arch,
                      const models::CostTable& table, std::vector<LayerPerf> layers) {
  NetworkPerf r;
  r.network = network;
  r.arch = arch.name;
  r.area = models::PriceArea(arch, table);
  const double pes = static_cast<double>(arch.PeCount());
  double peak_work = 0;  // sum of cycles * PEs * pack, for utilization
  int64_t max_pack = 1;
  for (LayerPerf& p : layers) {
    if (!p.ok() && r.status.empty()) {
      r.status = "layer " + p.name + ": " + p.status;
    }
    if (p.ok()) {
      p.energy = models::PriceEvents(p.events, arch, table, r.area);
      r.energy.Add(p.energy);
    }
    r.cycles = AddCycles(r.cycles, p.cycles, "the network");
    r.compute_cycles = AddCycles(r.compute_cycles, p.compute_cycles, "the network's compute");
    r.stall_cycles = AddCycles(r.stall_cycles, p.stall_cycles, "the network's stalls");
    r.macs += p.events.macs;
    r.dram_read_bytes += p.events.dram_read_bytes;
    r.dram_write_bytes += p.events.dram_write_bytes;
    r.acc_too_narrow_layers += p.acc_too_narrow ? 1 : 0;
    peak_work += static_cast<double>(p.cycles) * pes * static_cast<double>(p.pack);
    if (p.kind == "gemm") {
      max_pack = std::max<int64_t>(max_pack, p.pack);
    }
    r.layers.push_back(std::move(p));
  }
  // Range-checked floating point: the counts are bounded (cycle_count.h) and the clock is at
  // least 1 kHz (arch_fields.cc), so only a technology table's values can make a figure
  // infinite.
  if (!std::isfinite(r.energy.Total()) || !std::isfinite(r.area.Total())) {
    throw InputError(fmt::format(
        "the energy or area of {} on {} is not finite: technology table '{}' has a value too "
        "large to price these counts",
        network, arch.name, table.name));
  }
  const double hz = arch.clock_mhz * 1e6;
  r.latency_s = static_cast<double>(r.cycles) / hz;
  if (r.ok() && r.cycles > 0) {
    r.inferences_per_s = 1.0 / r.latency_s;
    r.effective_tops = 2.0 * static_cast<double>(r.macs) / r.latency_s / 1e12;
    r.utilization = static_cast<double>(r.macs) / peak_work;
  }
  r.peak_tops = 2.0 * pes * static_cast<double>(max_pack) * hz / 1e12;
  if (r.ok() && r.energy.Total() > 0) {
    r.tops_per_watt = 2.0 * static_cast<double>(r.macs) / r.energy.Total();
  }
  return r;
}

}  // namespace quasar::sim
