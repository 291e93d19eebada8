// The dataflow traits table (models/dataflow.h): each row maps the three GEMM dimensions onto
// rows, columns and time once each, holds an operand that spans both spatial dimensions, moves
// each quantity as its mapping requires, has its own name and RTL code, and is SCALE-Sim's
// mapping for its dataflow; the PE arrays' edges (EdgeRolesOf, sim/cycle/array_if.h) follow
// from the movement.

#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>

#include "quasar/models/dataflow.h"
#include "quasar/sim/cycle/array_if.h"

using namespace quasar::models;
using quasar::sim::cycle::EdgeRoles;
using quasar::sim::cycle::EdgeRolesOf;

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

// A quantity's values differ along every dimension it spans, so it can only stay in one PE
// through the fold if it does not span time, move along a row (one PE per cycle, the same value
// for every column) if it does not span the columns, and down a column if it does not span the
// rows; each of A, B and the output spans exactly two of the three dimensions.
TEST_CASE("every dataflow's movement follows from its mapping") {
  for (const DataflowTraits& t : AllDataflows()) {
    int held = 0;
    for (GemmOperand op : {GemmOperand::kA, GemmOperand::kB, GemmOperand::kOut}) {
      INFO(t.name << " operand " << static_cast<int>(op));
      const bool rows = DataflowTraits::Spans(op, t.rows), cols = DataflowTraits::Spans(op, t.cols),
                 time = DataflowTraits::Spans(op, t.time);
      CHECK(int{rows} + int{cols} + int{time} == 2);
      const Movement m = t.MovementOf(op);
      CHECK((m == Movement::kHeld) == !time);
      CHECK((m == Movement::kEast) == !cols);
      CHECK((m == Movement::kSouth) == !rows);
      CHECK((m == Movement::kHeld) == (op == t.stationary));
      held += m == Movement::kHeld;
    }
    CHECK(held == 1);
  }
}

TEST_CASE("the PE arrays' edges follow from the movement") {
  for (const DataflowTraits& t : AllDataflows()) {
    INFO(t.name);
    const EdgeRoles e = EdgeRolesOf(t);
    CHECK(e.out_held == (t.stationary == GemmOperand::kOut));
    CHECK(e.west != e.north);
    CHECK(e.west != GemmOperand::kOut);
    CHECK(e.north != GemmOperand::kOut);
    // The west edge feeds each row: its operand spans the rows, and moves east.
    CHECK(DataflowTraits::Spans(e.west, t.rows));
    CHECK(t.MovementOf(e.west) == Movement::kEast);
    // The north edge feeds each column: its operand spans the columns.
    CHECK(DataflowTraits::Spans(e.north, t.cols));
    CHECK(t.MovementOf(e.north) == (e.out_held ? Movement::kSouth : Movement::kHeld));
  }
  // The SCALE-Sim dataflows (DESIGN.md section 3): os and ws feed the inputs from the west and
  // the weights from the north; is swaps them.
  CHECK(EdgeRolesOf(Dataflow::kOutputStationary).west == GemmOperand::kA);
  CHECK(EdgeRolesOf(Dataflow::kWeightStationary).west == GemmOperand::kA);
  CHECK(EdgeRolesOf(Dataflow::kInputStationary).west == GemmOperand::kB);
}

TEST_CASE("a row the arrays can move and one they cannot") {
  // os with the array turned: rows = N, cols = M. B spans the rows and enters the west edge.
  const DataflowTraits turned{
      Dataflow::kOutputStationary, "os-turned",      GemmDim::kN,     GemmDim::kM,     GemmDim::kK,
      GemmOperand::kOut,           Movement::kSouth, Movement::kEast, Movement::kHeld, 0};
  const EdgeRoles e = EdgeRolesOf(turned);
  CHECK(e.out_held);
  CHECK(e.west == GemmOperand::kB);
  CHECK(e.north == GemmOperand::kA);
  // ws with the reduction on the columns: the partial sums would move east, which no array
  // implements.
  const DataflowTraits east{Dataflow::kWeightStationary,
                            "ws-east",
                            GemmDim::kN,
                            GemmDim::kK,
                            GemmDim::kM,
                            GemmOperand::kB,
                            Movement::kSouth,
                            Movement::kHeld,
                            Movement::kEast,
                            1};
  CHECK_THROWS_AS(EdgeRolesOf(east), std::invalid_argument);
}
