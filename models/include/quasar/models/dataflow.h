#pragma once
// The systolic dataflows and, for each, one row of traits that every layer reads: which GEMM
// dimension of out[M, N] = A[M, K] x B[K, N] lies on the array's rows, which on its columns and
// which streams in time, and which operand each PE holds for a fold. The mapper's tile
// alignment, the analytical model's folds, SRAM traffic and PE-register writes, the cycle
// model's array and the RTL's DATAFLOW parameter all derive from this table, so a new dataflow
// is one new row here plus its cycle-level PE movement (sim/cycle/, rtl/).
//
// The three rows are SCALE-Sim's mappings (scale-sim-v2 scalesim/compute/systolic_compute_
// {os,ws,is}.py, set_params; DESIGN.md section 3):
//   os: rows = M, cols = N, time = K   (each PE owns one output; operands stream in skewed)
//   ws: rows = K, cols = N, time = M   (weights preloaded; inputs stream; partial sums flow down)
//   is: rows = K, cols = M, time = N   (inputs preloaded; weights stream)

#include <array>
#include <optional>
#include <string>

namespace quasar::models {

enum class Dataflow { kOutputStationary, kWeightStationary, kInputStationary };

enum class GemmDim { kM, kK, kN };
// The three operands of a GEMM: A (inputs, [M, K]), B (weights, [K, N]), the output ([M, N]).
enum class GemmOperand { kA, kB, kOut };

struct DataflowTraits {
  Dataflow dataflow;
  const char* name;  // "os" | "ws" | "is" (the architecture format's names)
  GemmDim rows, cols, time;
  GemmOperand stationary;  // what each PE holds through a fold
  int rtl_code;            // the RTL array's DATAFLOW parameter (rtl/sv/quasar_array.sv)

  // Whether `operand` spans `dim` (A: M and K; B: K and N; the output: M and N).
  static constexpr bool Spans(GemmOperand operand, GemmDim dim) {
    return operand == GemmOperand::kA   ? dim != GemmDim::kN
           : operand == GemmOperand::kB ? dim != GemmDim::kM
                                        : dim != GemmDim::kK;
  }
};

// Every dataflow, in the order of the enum (inline: the analytical model reads it per tile).
inline constexpr std::array<DataflowTraits, 3> kDataflowTraits = {{
    {Dataflow::kOutputStationary, "os", GemmDim::kM, GemmDim::kN, GemmDim::kK, GemmOperand::kOut,
     0},
    {Dataflow::kWeightStationary, "ws", GemmDim::kK, GemmDim::kN, GemmDim::kM, GemmOperand::kB, 1},
    {Dataflow::kInputStationary, "is", GemmDim::kK, GemmDim::kM, GemmDim::kN, GemmOperand::kA, 2},
}};
inline const std::array<DataflowTraits, 3>& AllDataflows() { return kDataflowTraits; }
inline const DataflowTraits& TraitsOf(Dataflow d) {
  return kDataflowTraits[static_cast<size_t>(d)];
}

std::string DataflowName(Dataflow d);                            // "os" | "ws" | "is"
std::optional<Dataflow> ParseDataflow(const std::string& name);  // "os" | "ws" | "is"
std::string DataflowChoices();                                   // "os, ws, is"

}  // namespace quasar::models
