#pragma once
// The systolic dataflows and, for each, one row of traits that every layer reads: which GEMM
// dimension of out[M, N] = A[M, K] x B[K, N] lies on the array's rows, which on its columns and
// which streams in time, which operand each PE holds for a fold, and how A, B and the partial
// sums move between PEs. The mapper's tile alignment, the analytical model's folds, SRAM
// traffic and PE-register writes, the cycle model's PE arrays and tile sequencer (which operand
// enters which edge, with which lane width and skew; sim/cycle/array_if.h) and the RTL's
// DATAFLOW parameter all derive from this table, so a new dataflow whose quantities move as
// these do is one new row here (and its DATAFLOW case in rtl/sv/quasar_array.sv).
//
// The three rows are SCALE-Sim's mappings (scale-sim-v2 scalesim/compute/systolic_compute_
// {os,ws,is}.py, set_params; DESIGN.md section 3):
//   os: rows = M, cols = N, time = K   (each PE owns one output; A moves east, B south)
//   ws: rows = K, cols = N, time = M   (B preloaded; A moves east; partial sums move south)
//   is: rows = K, cols = M, time = N   (A preloaded; B moves east; partial sums move south)
// The movement follows from the mapping, which a test checks: a quantity that does not span the
// time dimension is held, one that does not span the columns moves along a row (east), one that
// does not span the rows moves down a column (south).

#include <array>
#include <optional>
#include <string>

namespace quasar::models {

enum class Dataflow { kOutputStationary, kWeightStationary, kInputStationary };

enum class GemmDim { kM, kK, kN };
// The three operands of a GEMM: A (inputs, [M, K]), B (weights, [K, N]), the output ([M, N]).
enum class GemmOperand { kA, kB, kOut };

// How an operand or the partial sums move through the PE array during a fold. A moving value
// advances one PE per cycle, so the edges are fed with a skew of one cycle per row (west) or
// column (north): step t of a stream enters row (column) i at cycle t + i.
enum class Movement {
  kHeld,   // stays in its PE through the fold; before it, shifted down the columns from the north
           // edge one row per cycle (an output: from the partial-sum edge, while the previous
           // fold's results leave at the south edge)
  kEast,   // enters each row at the west edge and moves one PE right per cycle
  kSouth,  // enters each column at the north edge and moves one PE down per cycle (partial
           // sums: initial values enter at the top, finished sums leave at the south edge)
};

struct DataflowTraits {
  Dataflow dataflow;
  const char* name;  // "os" | "ws" | "is" (the architecture format's names)
  GemmDim rows, cols, time;
  GemmOperand stationary;  // what each PE holds through a fold (the one whose movement is kHeld)
  Movement a, b, out;      // how A, B and the partial sums (the output) move in a fold
  int rtl_code;            // the RTL array's DATAFLOW parameter (rtl/sv/quasar_array.sv)

  constexpr Movement MovementOf(GemmOperand operand) const {
    return operand == GemmOperand::kA ? a : operand == GemmOperand::kB ? b : out;
  }

  // Whether `operand` spans `dim` (A: M and K; B: K and N; the output: M and N).
  static constexpr bool Spans(GemmOperand operand, GemmDim dim) {
    return operand == GemmOperand::kA   ? dim != GemmDim::kN
           : operand == GemmOperand::kB ? dim != GemmDim::kM
                                        : dim != GemmDim::kK;
  }
};

// Every dataflow, in the order of the enum (inline: the analytical model reads it per tile).
inline constexpr std::array<DataflowTraits, 3> kDataflowTraits = {{
    // dataflow, name, rows, cols, time, stationary, movement of A, B, out, RTL code
    {Dataflow::kOutputStationary, "os", GemmDim::kM, GemmDim::kN, GemmDim::kK, GemmOperand::kOut,
     Movement::kEast, Movement::kSouth, Movement::kHeld, 0},
    {Dataflow::kWeightStationary, "ws", GemmDim::kK, GemmDim::kN, GemmDim::kM, GemmOperand::kB,
     Movement::kEast, Movement::kHeld, Movement::kSouth, 1},
    {Dataflow::kInputStationary, "is", GemmDim::kK, GemmDim::kM, GemmDim::kN, GemmOperand::kA,
     Movement::kHeld, Movement::kEast, Movement::kSouth, 2},
}};
inline const std::array<DataflowTraits, 3>& AllDataflows() { return kDataflowTraits; }
inline const DataflowTraits& TraitsOf(Dataflow d) {
  return kDataflowTraits[static_cast<size_t>(d)];
}

std::string DataflowName(Dataflow d);                            // "os" | "ws" | "is"
std::optional<Dataflow> ParseDataflow(const std::string& name);  // "os" | "ws" | "is"
std::string DataflowChoices();                                   // "os, ws, is"

}  // namespace quasar::models
