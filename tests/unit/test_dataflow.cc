// The dataflow traits table (models/dataflow.h): each row maps the three GEMM dimensions onto
// rows, columns and time once each, holds an operand that spans both spatial dimensions, has
// its own name and RTL code, and is SCALE-Sim's mapping for its dataflow.

#include <catch2/catch.hpp>
#include <set>

#include "quasar/models/dataflow.h"

using namespace quasar::models;

TEST_CASE("every dataflow's traits are a consistent mapping") {
  std::set<std::string> names;
  std::set<int> codes;
  for (const DataflowTraits& t : AllDataflows()) {
    INFO(t.name);
    CHECK(&TraitsOf(t.dataflow) == &t);
    CHECK(ParseDataflow(t.name) == std::optional<Dataflow>(t.dataflow));
    CHECK(DataflowName(t.dataflow) == t.name);
    names.insert(t.name);
    codes.insert(t.rtl_code);
    CHECK(std::set<GemmDim>{t.rows, t.cols, t.time}.size() == 3);
    // The stationary operand is spread over the array and does not stream in time.
    CHECK(DataflowTraits::Spans(t.stationary, t.rows));
    CHECK(DataflowTraits::Spans(t.stationary, t.cols));
    CHECK(!DataflowTraits::Spans(t.stationary, t.time));
  }
  CHECK(names.size() == AllDataflows().size());
  CHECK(codes.size() == AllDataflows().size());
  CHECK(DataflowChoices() == "os, ws, is");
  CHECK(!ParseDataflow("rs").has_value());
}

TEST_CASE("the dataflows are SCALE-Sim's mappings") {
  const DataflowTraits& os = TraitsOf(Dataflow::kOutputStationary);
  CHECK((os.rows == GemmDim::kM && os.cols == GemmDim::kN && os.time == GemmDim::kK));
  CHECK(os.stationary == GemmOperand::kOut);
  const DataflowTraits& ws = TraitsOf(Dataflow::kWeightStationary);
  CHECK((ws.rows == GemmDim::kK && ws.cols == GemmDim::kN && ws.time == GemmDim::kM));
  CHECK(ws.stationary == GemmOperand::kB);
  const DataflowTraits& is = TraitsOf(Dataflow::kInputStationary);
  CHECK((is.rows == GemmDim::kK && is.cols == GemmDim::kM && is.time == GemmDim::kN));
  CHECK(is.stationary == GemmOperand::kA);
}
