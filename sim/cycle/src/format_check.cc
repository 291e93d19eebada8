// `quasar verify` on a network in a number format (format_check.h).

#include "quasar/sim/cycle/format_check.h"

#include <cinttypes>
#include <cstdio>

#include "quasar/models/net/ops.h"
#include "quasar/sim/cycle/format_network.h"

namespace quasar::sim::cycle {
namespace {

// A float32 with its bits, so that two values that print alike still tell apart.
std::string WithBits(float v) {
  char s[48];
  std::snprintf(s, sizeof s, "%.9g (0x%08" PRIx32 ")", static_cast<double>(v),
                models::Float32Bits(v));
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
  if (first_mismatch) {
    const FormatMismatch& f = *first_mismatch;
    return std::to_string(Mismatches()) + " of " + std::to_string(Elements()) +
           " elements differ from the golden kernels; the first: layer " + f.layer + ", GEMM " +
           std::to_string(f.gemm) + ", row " + std::to_string(f.row) + ", column " +
           std::to_string(f.col) + ": golden " + WithBits(f.golden) + ", array " +
           WithBits(f.array);
  }
  if (output_mismatches > 0) {
    return std::to_string(output_mismatches) + " of " + std::to_string(output_elements) +
           " elements of the network output " + output + " differ from the golden run's";
  }
  return "";
}

FormatCheckResult CheckFormatNetwork(ArrayIf& array, const PeConfig& shape,
                                     const ArrayWidths& widths, const FormatCheckJob& job) {
  const models::NetworkSpec& net = *job.net;
  auto selected = [&](const std::string& name) {
    return job.layers.empty() || job.layers.count(name) > 0;
  };
  FormatCheckResult r;
  r.input = job.input;
  for (const models::NetLayer& l : net.layers) {
    r.other_layers += selected(l.name) && !models::AccumulatesProducts(l.op) ? 1 : 0;
  }
  auto golden = [&](const FormatLayer& f, int64_t* events) {
    std::vector<std::vector<float>> y;
    for (const FormatGemm& g : f.gemms) {
      y.push_back(GoldenFormatGemm(f, g, job.fp8_acc, events));
    }
    return y;
  };
  // Each checked layer on the array, its GEMMs compared with the golden kernels'.
  auto on_array = [&](const FormatLayer& f) {
    if (!selected(f.name)) {
      return golden(f, nullptr);
    }
    if (job.on_layer) {
      for (size_t i = 0; i < net.layers.size(); ++i) {
        if (net.layers[i].name == f.name) {
          job.on_layer(i, net.layers.size(), f.name);
        }
      }
    }
    FormatLayerCheck c;
    c.layer = f.name;
    c.kernel = FormatKernelName(f.kernel);
    c.gemms = static_cast<int64_t>(f.gemms.size());
    const std::vector<std::vector<float>> want = golden(f, &c.golden_overflow_events);
    std::vector<std::vector<float>> got;
    for (size_t g = 0; g < f.gemms.size(); ++g) {
      const FormatGemm& gemm = f.gemms[g];
      c.m = gemm.m;
      c.k = gemm.k;
      c.n = gemm.n;
      FormatGemmResult run = FormatGemmOnArray(array, shape, widths, f, gemm, job.fp8_acc);
      c.passes += run.passes;
      c.cycles += run.cycles;
      c.overflow_events += run.overflow_events;
      c.accumulator_bits = run.accumulator_bits;
      const std::vector<float>& expect = want[g];
      c.elements += static_cast<int64_t>(expect.size());
      for (size_t e = 0; e < expect.size(); ++e) {
        if (e < run.y.size() && models::Float32Bits(run.y[e]) == models::Float32Bits(expect[e])) {
          continue;
        }
        ++c.mismatches;
        if (!r.first_mismatch) {
          const int64_t at = static_cast<int64_t>(e);
          r.first_mismatch =
              FormatMismatch{f.name,    static_cast<int64_t>(g),           at / gemm.n, at % gemm.n,
                             expect[e], e < run.y.size() ? run.y[e] : 0.0f};
        }
      }
      run.y.resize(expect.size());
      got.push_back(std::move(run.y));
    }
    r.layers.push_back(std::move(c));
    return got;
  };
  const auto skipped = [&](const models::NetLayer& l, const std::string& reason) {
    if (selected(l.name)) {
      r.skipped.push_back({l.name, reason});
    }
  };
  const std::map<std::string, models::FloatTensor> run =
      RunFormatNetwork(net, *job.params, *job.emulated, *job.inputs, on_array, skipped);
  const models::FloatTensor& y = run.at(net.output);
  const std::map<std::string, models::FloatTensor> golden_run =
      RunGoldenFormatNetwork(net, *job.params, *job.emulated, *job.inputs, job.fp8_acc);
  const models::FloatTensor& want = golden_run.at(net.output);
  r.output = net.output;
  r.output_elements = want.size();
  for (int64_t i = 0; i < want.size(); ++i) {
    r.output_mismatches +=
        i < y.size() && models::Float32Bits(y[i]) == models::Float32Bits(want[i]) ? 0 : 1;
  }
  return r;
}

}  // namespace quasar::sim::cycle
