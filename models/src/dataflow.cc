#include "quasar/models/dataflow.h"

namespace quasar::models {

bool DataflowTraits::Spans(GemmOperand operand, GemmDim dim) {
  switch (operand) {
    case GemmOperand::kA:
      return dim != GemmDim::kN;
    case GemmOperand::kB:
      return dim != GemmDim::kM;
    case GemmOperand::kOut:
      return dim != GemmDim::kK;
  }
  return false;
}

const std::array<DataflowTraits, 3>& AllDataflows() {
  static const std::array<DataflowTraits, 3> traits = {{
      {Dataflow::kOutputStationary, "os", GemmDim::kM, GemmDim::kN, GemmDim::kK,
       GemmOperand::kOut, 0},
      {Dataflow::kWeightStationary, "ws", GemmDim::kK, GemmDim::kN, GemmDim::kM, GemmOperand::kB,
       1},
      {Dataflow::kInputStationary, "is", GemmDim::kK, GemmDim::kM, GemmDim::kN, GemmOperand::kA,
       2},
  }};
  return traits;
}

const DataflowTraits& TraitsOf(Dataflow d) { return AllDataflows()[static_cast<size_t>(d)]; }

std::string DataflowName(Dataflow d) { return TraitsOf(d).name; }

std::optional<Dataflow> ParseDataflow(const std::string& name) {
  for (const DataflowTraits& t : AllDataflows()) {
    if (name == t.name) {
      return t.dataflow;
    }
  }
  return std::nullopt;
}

std::string DataflowChoices() {
  std::string out;
  for (const DataflowTraits& t : AllDataflows()) {
    out += (out.empty() ? "" : ", ") + std::string(t.name);
  }
  return out;
}

}  // namespace quasar::models
