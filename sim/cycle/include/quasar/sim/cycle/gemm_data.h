#pragma once
// What the accelerator (src/accelerator.h) asks of a GEMM layer's data as it steps the layer's
// tiles: the operand tiles the input and weight SRAMs receive, the accumulators' initial values,
// the register they add through, and the post unit's step on finished accumulators. The cycle
// model only moves these values along the Schedule's tiles; an implementation defines them by
// the golden kernel of its layer:
//   GemmLayer    (gemm_layer.h)    integer codes, ref/ kernels and the output stage;
//   FormatTiles  (format_tiles.h)  FP8, MX and W4A8 operands as integers, ref/small_float_gemm.h,
//                                  mx_gemm.h and group_gemm.h.

#include <cstdint>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/accumulator.h"

namespace quasar::sim::cycle {

class GemmData {
 public:
  virtual ~GemmData() = default;
  // The A tile (mt x kt, row-major) and B tile (kt x nt) of `t`, as the MAC sees them: one
  // after the other for each of the operand's pieces (below).
  virtual void BuildA(const compiler::TileStep& t, std::vector<int32_t>* a) const = 0;
  virtual void BuildB(const compiler::TileStep& t, std::vector<int32_t>* b) const = 0;
  // Elements wider than the array's lanes reach it in pieces (unit_codes.h, LanePieces): A's and
  // B's number of pieces. A tile's accumulators are then a_pieces() * b_pieces() planes of mt x
  // nt, plane pa * b_pieces() + pb the sums of A's piece pa times B's piece pb, and `acc` below
  // holds them all. 1 and 1: whole elements, one plane.
  virtual int a_pieces() const { return 1; }
  virtual int b_pieces() const { return 1; }
  // The initial value of every output of the tile's first reduction tile, into `acc` (mt x nt).
  virtual void LoadBias(const compiler::TileStep& t, int64_t* acc,
                        int64_t* overflow_events) const = 0;
  // The post unit's step on the tile's finished accumulators, recording `cycle` (the simulated
  // cycle the post unit finishes them) for each output. Returns the number of outputs.
  virtual int64_t Finish(const compiler::TileStep& t, const int64_t* acc, int64_t* overflow_events,
                         int64_t cycle) = 0;
  // One accumulator addition per packed element (XNOR lanes); otherwise one per product.
  virtual bool chunked() const = 0;
  // True when no partial sum can leave the accumulator's range, whatever the order of the
  // additions: the array may then add without range checks.
  virtual bool overflow_impossible() const = 0;
  // The register the PEs add through.
  virtual const models::AccumulatorSpec& accumulator() const = 0;
  // Block formats (MX, weights per group): the block length along K. Each block's sum starts
  // from 0, and CloseBlock takes it when the block's last product is in. 0: one sum over K.
  virtual int64_t block() const { return 0; }
  // The block step at the end of block `b` of the tile's outputs, in the array unit (the MAC's
  // per-block float accumulation, which the cost model prices in the MAC; no post-unit cycles):
  // `acc` (mt x nt) holds the block's sums; the caller zeroes it afterwards.
  virtual void CloseBlock(const compiler::TileStep& /*t*/, int64_t /*b*/, const int64_t* /*acc*/) {}
};

}  // namespace quasar::sim::cycle
