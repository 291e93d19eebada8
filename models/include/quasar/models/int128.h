#pragma once
// 128-bit integers (a GCC/Clang extension) for exact intermediate arithmetic: accumulator sums
// before wrap/saturate, 64-bit x 32-bit requantization products, and worst-case bounds.
// `__extension__` keeps -Wpedantic quiet about the non-standard type.

namespace quasar::models {

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

}  // namespace quasar::models
