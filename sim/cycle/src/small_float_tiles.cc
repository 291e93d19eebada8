#include "quasar/sim/cycle/small_float_tiles.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/small_float.h"
#include "quasar/sim/cycle/format_gemm.h"

namespace quasar::sim::cycle {
namespace {

using quasar::InputError;

// Codes in units of the format's quantum, as the C++ array's 32-bit lanes carry them; `what`
// names the operand for the errors.
std::vector<int32_t> Units(const models::SmallFloatFormat& f, const std::vector<uint32_t>& codes,
                           int64_t cols, const std::string& what, int64_t* max_abs) {
  std::vector<int32_t> out(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    const std::string where = what + " element (" + std::to_string(static_cast<int64_t>(i) / cols) +
                              ", " + std::to_string(static_cast<int64_t>(i) % cols) + ")";
    if (codes[i] >= f.code_count()) {
      throw InputError(where + ": code " + std::to_string(codes[i]) + " has more than " +
                       std::to_string(f.bits()) + " bits");
    }
    bool finite = true;
    const int64_t u = models::SmallFloatUnits(f, codes[i], finite);
    if (!finite) {
      throw InputError(where +
                       " is NaN or infinite: the PEs add integers (the golden kernel's "
                       "IEEE fallback has no array path)");
    }
    out[i] = static_cast<int32_t>(u);
    *max_abs = std::max<int64_t>(*max_abs, std::llabs(u));
  }
  return out;
}

// Refuses a format whose largest finite element does not fit the C++ array's operand lanes.
void CheckLanes(const models::SmallFloatFormat& f) {
  int64_t max_units = 0;
  for (uint32_t c = 0; c < f.code_count(); ++c) {
    bool finite = true;
    max_units = std::max<int64_t>(max_units, std::llabs(models::SmallFloatUnits(f, c, finite)));
  }
  if (max_units > std::numeric_limits<int32_t>::max()) {
    throw InputError(std::string(f.name) + " elements reach " + std::to_string(max_units) +
                     " units of 2^" + std::to_string(models::SmallFloatQuantumExp(f)) +
                     ", past the C++ array's 32-bit signed operand lanes, so the accelerator does "
                     "not run them (`quasar verify` runs such GEMMs on the array in pieces)");
  }
}

}  // namespace

SmallFloatTiles::SmallFloatTiles(const FormatLayer& layer, const compiler::LayerSchedule& schedule,
                                 const models::AccumulatorSpec& fp8_acc)
    : layer_(layer), acc_(fp8_acc) {
  if (layer.kernel != FormatKernel::kSmallFloat || layer.small_float == nullptr) {
    throw std::logic_error("SmallFloatTiles: layer '" + layer.name + "' is not a small float's");
  }
  const compiler::GemmShape& s = schedule.gemm;
  if (static_cast<int64_t>(layer.gemms.size()) != s.count) {
    throw InputError("layer '" + layer.name + "' has " + std::to_string(layer.gemms.size()) +
                     " GEMMs, its schedule " + std::to_string(s.count));
  }
  CheckLanes(*layer.small_float);
  models::CheckFp8Accumulator(fp8_acc);
  if (fp8_acc.bits > models::kMaxAccumulatorBits) {
    throw InputError("the PE array's partial sums are 64-bit integers; the FP8 register has " +
                     std::to_string(fp8_acc.bits) + " bits");
  }
  int64_t max_a = 0, max_b = 0;
  for (const FormatGemm& g : layer.gemms) {
    if (g.m != s.m || g.k != s.k || g.n != s.n) {
      throw InputError("layer '" + layer.name + "': a GEMM of " + std::to_string(g.m) + " x " +
                       std::to_string(g.k) + " x " + std::to_string(g.n) + ", its schedule's " +
                       std::to_string(s.m) + " x " + std::to_string(s.k) + " x " +
                       std::to_string(s.n));
    }
    a_.push_back(Units(*layer.small_float, g.a_codes, g.k, "A", &max_a));
    b_.push_back(Units(*layer.small_float, g.b_codes, g.n, "B", &max_b));
    y_.emplace_back(static_cast<size_t>(g.m * g.n), 0.0f);
  }
  overflow_impossible_ = ExactSumBits(max_a, max_b, s.k) <= fp8_acc.bits;
}

void SmallFloatTiles::BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const {
  const std::vector<int32_t>& src = a_[static_cast<size_t>(t.group)];
  const int64_t k = layer_.gemms[static_cast<size_t>(t.group)].k;
  a->resize(static_cast<size_t>(t.mt * t.kt));
  for (int64_t i = 0; i < t.mt; ++i) {
    for (int64_t j = 0; j < t.kt; ++j) {
      (*a)[static_cast<size_t>(i * t.kt + j)] = src[static_cast<size_t>((t.m0 + i) * k + t.k0 + j)];
    }
  }
}

void SmallFloatTiles::BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const {
  const std::vector<int32_t>& src = b_[static_cast<size_t>(t.group)];
  const int64_t n = layer_.gemms[static_cast<size_t>(t.group)].n;
  b->resize(static_cast<size_t>(t.kt * t.nt));
  for (int64_t j = 0; j < t.kt; ++j) {
    for (int64_t c = 0; c < t.nt; ++c) {
      (*b)[static_cast<size_t>(j * t.nt + c)] = src[static_cast<size_t>((t.k0 + j) * n + t.n0 + c)];
    }
  }
}

void SmallFloatTiles::LoadBias(const compiler::TileStep& t, int64_t* acc, int64_t*) const {
  std::fill(acc, acc + t.mt * t.nt, int64_t{0});
}

int64_t SmallFloatTiles::Finish(const compiler::TileStep& t, const int64_t* acc, int64_t*,
                                int64_t) {
  std::vector<float>& y = y_[static_cast<size_t>(t.group)];
  const int64_t n = layer_.gemms[static_cast<size_t>(t.group)].n;
  for (int64_t i = 0; i < t.mt; ++i) {
    for (int64_t c = 0; c < t.nt; ++c) {
      y[static_cast<size_t>((t.m0 + i) * n + t.n0 + c)] = models::Fp8AccumulatorToFloat(
          *layer_.small_float, models::Fp8MacState{acc[i * t.nt + c], false});
    }
  }
  return t.mt * t.nt;
}

}  // namespace quasar::sim::cycle
