// The cycle model with the project's Verilated RTL as Backends: "systemc-rtl-array" (the RTL
// systolic array built for the accelerator's parameters in place of the C++ array) and
// "systemc-rtl-mac" (the C++ PE registers around Verilated MAC units, any array size).

#include <algorithm>

#include "quasar/models/error.h"
#include "quasar/sim/cycle/cycle_model.h"
#include "quasar/sim/cycle/format_gemm.h"
#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::sim::rtl {
namespace {

namespace qrtl = quasar::rtl;

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

const RtlModelInfo* ModelFor(const models::ArchSpec& arch, RtlKind kind) {
  return kind == RtlKind::kArray ? FindArrayFor(arch) : FindMacBankFor(arch);
}

// The built model's lanes (its narrower operand) and register.
cycle::ArrayWidths Widths(const RtlModelInfo& model) {
  return {std::min(model.mac.a_w, model.mac.w_w), model.mac.acc_w};
}

class RtlBackend final : public Backend {
 public:
  explicit RtlBackend(RtlKind kind) : kind_(kind) {}

  void Check(const models::ArchSpec& arch, const RunOptions& options) const override {
    RequireQuasarConventions(arch, Title(arch));
    if (ModelFor(arch, kind_) == nullptr) {
      throw InputError(NoRtlModelMessage(arch, kind_));
    }
    if (!options.rtl_trace_path.empty()) {
      cycle::CheckTracePath(options.rtl_trace_path);
    }
  }

  std::string Title(const models::ArchSpec& arch) const override {
    const RtlModelInfo* m = ModelFor(arch, kind_);
    const std::string name = m != nullptr ? m->name : "(none)";
    return kind_ == RtlKind::kArray ? "RTL array " + name + " (Verilator)"
                                    : "C++ array on RTL MACs " + name + " (Verilator)";
  }

  BackendRun Run(const Job& job, const RunOptions& options) const override {
    Check(*job.arch, options);
    const RtlModelInfo* model = ModelFor(*job.arch, kind_);
    cycle::CycleOptions base;
    base.array_name = model->name;
    base.array_widths = Widths(*model);
    const std::string name = model->name, trace = options.rtl_trace_path;
    if (kind_ == RtlKind::kMacBank) {
      base.make_array = [name]() -> std::unique_ptr<cycle::ArrayIf> {
        return MakeMacGridArray(MakeMacBank(name));
      };
      return cycle::RunCycleJob(job, options, base);
    }
    RtlArray* array = nullptr;
    const auto stuck = options.stuck_at;
    base.make_array = [name, trace, stuck, &array]() -> std::unique_ptr<cycle::ArrayIf> {
      std::unique_ptr<RtlArray> a = MakeRtlArray(name, trace);
      if (stuck) {
        a->InjectStuckAt1(stuck->first, stuck->second);
      }
      array = a.get();
      return a;
    };
    // The waveform is flushed and closed on every way out, errors included: a failing run is
    // the one to look at.
    struct CloseTrace {
      RtlArray*& array;
      ~CloseTrace() {
        if (array != nullptr) {
          array->CloseTrace();
        }
      }
    } close{array};
    return cycle::RunCycleJob(job, options, base);
  }

  // On the built model's widths (Widths).
  void RunOnArray(
      const models::ArchSpec& arch, const RunOptions& options,
      const std::function<void(cycle::ArrayIf&, const cycle::ArrayWidths&)>& body) const override {
    Check(arch, options);
    const RtlModelInfo* model = ModelFor(arch, kind_);
    const cycle::ArrayWidths widths = Widths(*model);
    if (kind_ == RtlKind::kMacBank) {
      const std::unique_ptr<cycle::ArrayIf> array = MakeMacGridArray(MakeMacBank(model->name));
      RunInSystemCThread([&] { body(*array, widths); });
      return;
    }
    const std::unique_ptr<RtlArray> array = MakeRtlArray(model->name, options.rtl_trace_path);
    if (options.stuck_at) {
      array->InjectStuckAt1(options.stuck_at->first, options.stuck_at->second);
    }
    struct CloseTrace {  // on every way out, as in Run
      RtlArray& array;
      ~CloseTrace() { array.CloseTrace(); }
    } close{*array};
    RunInSystemCThread([&] { body(*array, widths); });
  }

 private:
  RtlKind kind_;
};

}  // namespace

std::string NoRtlModelMessage(const models::ArchSpec& arch, RtlKind kind) {
  const qrtl::ArrayParams want = qrtl::ArrayParamsFor(arch);
  std::string msg =
      "no Verilated " + std::string(kind == RtlKind::kArray ? "array" : "MAC bank") +
      " is built for " + arch.name + " (" +
      Join(kind == RtlKind::kArray ? qrtl::VerilatorArgs(want) : qrtl::VerilatorArgs(want.mac, 16),
           " ") +
      ").";
  for (const RtlModelInfo& m : BuiltModels()) {
    if (m.kind != kind) {
      continue;
    }
    const std::vector<std::string> d = kind == RtlKind::kArray
                                           ? qrtl::Differences(m.array, qrtl::ArrayParamsFor(arch))
                                           : qrtl::Differences(m.mac, qrtl::MacParamsFor(arch.mac));
    msg += "\n  " + m.name + " (" + (m.preset.empty() ? "test model" : m.preset) +
           "): " + Join(d, "; ");
  }
  msg += kind == RtlKind::kArray
             ? "\nUse one of those presets, try --rtl mac (any array size), or add the "
               "configuration to rtl/CMakeLists.txt (`quasar rtl-params --arch` prints the line)"
             : "\nAdd the configuration to rtl/CMakeLists.txt (`quasar rtl-params --arch` prints "
               "the line)";
  return msg;
}

void RegisterRtlBackends(BackendRegistry* registry) {
  registry->Add({"systemc-rtl-array",
                 "the cycle model with the Verilated RTL array built for the accelerator",
                 /*moves_values=*/true, /*concurrent=*/false, /*timing_reference=*/false,
                 /*rtl_mode=*/"array",
                 [] { return std::make_unique<RtlBackend>(RtlKind::kArray); }});
  registry->Add({"systemc-rtl-mac",
                 "the cycle model's C++ PE registers around Verilated MAC units (any array size)",
                 /*moves_values=*/true, /*concurrent=*/false, /*timing_reference=*/false,
                 /*rtl_mode=*/"mac",
                 [] { return std::make_unique<RtlBackend>(RtlKind::kMacBank); }});
}

}  // namespace quasar::sim::rtl
