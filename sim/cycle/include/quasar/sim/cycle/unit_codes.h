#pragma once
// A number format's codes as integers the PE array adds: every finite code is an integer number
// of its format's quantum (fp8_mac.h; MxElementUnits). The one table the format GEMMs' passes
// (format_gemm.h) and the accelerator's format tiles (format_tiles.h) read, and the one rule of
// what a signed operand lane holds.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/int128.h"

namespace quasar::sim::cycle {

// Elements of more magnitude bits than this are refused (no format of the table has them).
inline constexpr int kMaxElementBits = 48;

// The largest magnitude a signed operand lane of `lane_bits` (2..32) holds symmetrically.
inline int64_t LaneMax(int lane_bits) { return (int64_t{1} << (lane_bits - 1)) - 1; }

// The widest piece a wide element is cut into: two of them multiply and add into a register of
// at most 64 bits for any block of up to 2^31 products.
inline constexpr int kMaxPieceBits = 16;

// How an element wider than the array's signed lanes reaches them (format_gemm.h, "Wide
// elements"): as pieces of PieceBits() magnitude bits, v = sign(v) * sum_p piece_p * 2^(PieceBits()
// * p). The products of A's piece pa and B's piece pb are a pass of their own, its exact sum worth
// 2^Shift(pa, pb) of the product units. The one rule the format GEMMs' passes and the
// accelerator's format tiles (format_tiles.h) cut elements by.
struct LanePieces {
  int lane_bits = 32;  // the array's signed operand lanes, 2..32

  // One less than a lane's bits, at most kMaxPieceBits.
  int PieceBits() const { return std::min(kMaxPieceBits, lane_bits - 1); }
  int64_t PieceMask() const { return (int64_t{1} << PieceBits()) - 1; }
  // An operand's pieces: 1 when its largest magnitude fits a lane, else as many as that magnitude
  // has (32-bit lanes: 2 for FP8 E5M2, 3 for fp16 activations).
  int Count(int64_t max_abs) const {
    if (max_abs <= LaneMax(lane_bits)) {
      return 1;
    }
    int pieces = 0;
    for (int64_t rest = max_abs; rest != 0; rest >>= PieceBits()) {
      ++pieces;
    }
    return pieces;
  }
  // The largest magnitude of a piece of an operand whose largest is max_abs.
  int64_t PieceMax(int64_t max_abs) const { return Count(max_abs) == 1 ? max_abs : PieceMask(); }
  // Piece p of v, cut in `pieces`: v itself when 1, else sign(v) * the p-th piece of |v|.
  int32_t Piece(int64_t v, int pieces, int p) const {
    if (pieces == 1) {
      return static_cast<int32_t>(v);
    }
    const int64_t piece = (std::llabs(v) >> (PieceBits() * p)) & PieceMask();
    return static_cast<int32_t>(v < 0 ? -piece : piece);
  }
  int Shift(int pa, int pb) const { return PieceBits() * (pa + pb); }
  // A pass's sum of A's piece pa times B's piece pb, as part of the exact sum: sum *
  // 2^Shift(pa, pb), in 128 bits (a multiply: a negative sum shifted left is undefined).
  models::int128 Weighted(int64_t sum, int pa, int pb) const {
    return static_cast<models::int128>(sum) * (models::int128{1} << Shift(pa, pb));
  }
};

// Each code's value in units of its format's quantum (0 for NaN and infinity), whether it is
// finite, and the largest magnitude.
struct UnitTable {
  std::string format;
  std::vector<int64_t> units;
  std::vector<bool> finite;
  int64_t max_abs = 0;
};

// `units_of(code, finite)` gives each of the `code_count` codes' units. Throws InputError
// naming `format` when an element has more than kMaxElementBits bits.
template <typename UnitsOf>
UnitTable MakeUnitTable(const std::string& format, uint32_t code_count, UnitsOf units_of) {
  UnitTable t;
  t.format = format;
  t.units.resize(code_count);
  t.finite.resize(code_count);
  for (uint32_t c = 0; c < code_count; ++c) {
    bool finite = true;
    const int64_t u = units_of(c, finite);
    if (std::llabs(u) >= (int64_t{1} << kMaxElementBits)) {
      throw InputError("the PE array runs elements of at most " + std::to_string(kMaxElementBits) +
                       " bits, in pieces of its operand lanes; " + format + " elements need " +
                       std::to_string(u) + " units of its quantum, more than they hold");
    }
    t.units[c] = u;
    t.finite[c] = finite;
    t.max_abs = std::max<int64_t>(t.max_abs, std::llabs(u));
  }
  return t;
}

// The code's units; InputError naming "<operand> element (row, col)" for a NaN, an infinity or
// a code the format does not have.
int64_t Units(const UnitTable& t, uint32_t code, const char* operand, int64_t row, int64_t col);

}  // namespace quasar::sim::cycle
