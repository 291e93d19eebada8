#pragma once
// The columns of `quasar compare` (docs/compare.md): each precision on the same array and on an
// iso-area one (IsoAreaArch, and the RTL-sized array beside it), with its fidelity on synthetic
// inputs or its accuracy on labelled data (PTQ, and QAT where a trained model is given). The
// command line loads the networks, the data and the tables and reports the columns; what the
// columns hold is computed here.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::sim::explore {

// What the caller provides: how to load a network at a precision, and where messages go.
struct CompareHooks {
  // The network at a precision ("w4a4"): its policy and first/last-layer rule applied.
  std::function<models::NetworkSpec(const std::string& precision)> load;
  // The model trained with quantization at a precision (compare --qat), when one is given.
  std::function<std::optional<models::NetworkSpec>(const std::string& precision)> load_qat;
  // A progress line ("w4a4: quantizing, golden and float runs").
  std::function<void(const std::string& line)> step;
  // The progress of an accuracy run over images, named ("w4a4 PTQ", "w4a4 QAT").
  std::function<std::function<void(int64_t, int64_t)>(const std::string& label)> image_progress;
  // Adds the synthesized MAC's area to a column's area breakdown (AttachRtlMacArea).
  std::function<void(const models::ArchSpec& arch, models::AreaBreakdown* area)> attach_area;
};

struct ComparePlan {
  models::ArchSpec file_arch;  // the accelerator file's: its PE array is the iso-area budget
  models::ArchSpec base;       // the same array, the precision scaling applied
  const models::CostTable* table = nullptr;
  const BackendInfo* backend = nullptr;
  std::vector<std::string> precisions;
  bool same_array = true, iso_area = true;  // the views
  compiler::Objective objective = compiler::Objective::kCycles;
  compiler::MapperSearch search = compiler::kDefaultMapperSearch;
  uint64_t seed = 1;       // synthetic weights and inputs
  int calib_samples = 4;
  bool fidelity = true;    // without data: the golden and float runs on synthetic inputs
  bool golden_formats = false;  // the number formats' golden format run, not the emulation
  const models::Dataset* data = nullptr;  // accuracy on labelled data instead
  models::AccuracyOptions accuracy;       // its images and threads
  const models::RtlMacCells* rtl_cells = nullptr;  // the RTL-sized iso-area rows, when loaded
};

struct CompareColumns {
  std::vector<ComparisonColumn> same, iso;  // one per precision, in order, for each view asked
  // Said under the table: what the synthetic-input fidelity measured (without data only).
  std::optional<std::string> fidelity_note;
};

// Throws InputError as the loaders and the backend do; sim::explore::BackendMismatch when a
// backend that moves values disagrees with the golden reference.
CompareColumns ComparePrecisions(const ComparePlan& plan, const CompareHooks& hooks);

}  // namespace quasar::sim::explore
