#pragma once
// The registry's internals: one entry per Verilated model, with a factory that builds the
// model's adapter (RtlArray for a quasar_array, MacBank for a quasar_mac_bank).

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "quasar/sim/rtl/rtl_models.h"
#include "verilated_array.h"
#include "verilated_bank.h"

namespace quasar::sim::rtl {

struct Built {
  std::unique_ptr<RtlArray> array;
  std::unique_ptr<MacBank> bank;
};

struct ModelEntry {
  const char* name;
  RtlKind kind;
  const char* preset;
  const char* verilator_args;
  Built (*make)(const std::string& instance, const std::string& trace_path);
};

// A Verilated quasar_array has a `west` port; a quasar_mac_bank has `acc_in`.
template <typename V, typename = void>
struct IsArray : std::false_type {};
template <typename V>
struct IsArray<V, std::void_t<decltype(std::declval<V&>().west)>> : std::true_type {};

template <typename V>
Built Make(const std::string& instance, const std::string& trace_path) {
  Built b;
  if constexpr (IsArray<V>::value) {
    b.array = std::make_unique<VerilatedArray<V>>(instance.c_str(), trace_path);
  } else {
    b.bank = std::make_unique<VerilatedBank<V>>(instance.c_str());
  }
  return b;
}

const std::vector<ModelEntry>& ModelEntries();  // the generated registry.cc

}  // namespace quasar::sim::rtl
