#include "quasar/models/dataflow.h"

namespace quasar::models {

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
