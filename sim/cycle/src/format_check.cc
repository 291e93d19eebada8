// `quasar verify` on a network in a number format (format_check.h).

#include "quasar/sim/cycle/format_check.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "quasar/models/net/ops.h"

namespace quasar::sim::cycle {
namespace {

uint32_t Bits(float v) {
  uint32_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// A float32 with its bits, so that two values that print alike still tell apart.
std::string WithBits(float v) {
  char s[48];
  std::snprintf(s, sizeof s, "%.9g (0x%08" PRIx32 ")", static_cast<double>(v), Bits(v));
  return s;
}

}  // namespace

int64_t FormatCheckResult::Elements() const {
  int64_t n = 0;
  for (const FormatLayerCheck& l : layers) {
    n += l.elements;
  }
  return n;
}

int64_t FormatCheckResult::Mismatches() const {
  int64_t n = 0;
  for (const FormatLayerCheck& l : layers) {
    n += l.mismatches;
  }
  return n;
}

std::string FormatCheckResult::Failure() const {
  if (!first_mismatch) {
    return "";
  }
  const FormatMismatch& f = *first_mismatch;
  return std::to_string(Mismatches()) + " of " + std::to_string(Elements()) +
         " elements differ from the golden kernels; the first: layer " + f.layer + ", GEMM " +
         std::to_string(f.gemm) + ", row " + std::to_string(f.row) + ", column " +
         std::to_string(f.col) + ": golden " + WithBits(f.golden) + ", array " + WithBits(f.array);
}

FormatCheckResult CheckFormatNetwork(ArrayIf& array, const PeConfig& shape,
                                     const ArrayWidths& widths, const FormatCheckJob& job) {
  const models::NetworkSpec& net = *job.net;
  FormatCheckResult r;
  r.input = job.input;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const models::NetLayer& l = net.layers[i];
    if (!job.layers.empty() && job.layers.count(l.name) == 0) {
      continue;
    }
    if (!models::AccumulatesProducts(l.op)) {
      ++r.other_layers;
      continue;
    }
    FormatLayerOrReason made = MakeFormatLayer(net, l, *job.params, *job.emulated, *job.tensors);
    if (!made.layer) {
      r.skipped.push_back({l.name, made.reason});
      continue;
    }
    if (job.on_layer) {
      job.on_layer(i, net.layers.size(), l.name);
    }
    const FormatLayer& f = *made.layer;
    FormatLayerCheck c;
    c.layer = l.name;
    c.kernel = FormatKernelName(f.kernel);
    c.gemms = static_cast<int64_t>(f.gemms.size());
    for (size_t g = 0; g < f.gemms.size(); ++g) {
      const FormatGemm& gemm = f.gemms[g];
      c.m = gemm.m;
      c.k = gemm.k;
      c.n = gemm.n;
      const std::vector<float> golden =
          GoldenFormatGemm(f, gemm, job.fp8_acc, &c.golden_overflow_events);
      const FormatGemmResult run = FormatGemmOnArray(array, shape, widths, f, gemm, job.fp8_acc);
      c.passes += run.passes;
      c.cycles += run.cycles;
      c.overflow_events += run.overflow_events;
      c.accumulator_bits = run.accumulator_bits;
      c.elements += static_cast<int64_t>(golden.size());
      for (size_t e = 0; e < golden.size(); ++e) {
        const float got = e < run.y.size() ? run.y[e] : 0.0f;
        if (e < run.y.size() && Bits(got) == Bits(golden[e])) {
          continue;
        }
        ++c.mismatches;
        if (!r.first_mismatch) {
          const int64_t at = static_cast<int64_t>(e);
          r.first_mismatch = FormatMismatch{
              l.name, static_cast<int64_t>(g), at / gemm.n, at % gemm.n, golden[e], got};
        }
      }
    }
    r.layers.push_back(std::move(c));
  }
  return r;
}

}  // namespace quasar::sim::cycle
