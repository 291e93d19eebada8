#pragma once
// 128-bit integers in test messages: a decimal string, and Catch's printing of them (Catch has
// no operator<< for __int128, so a failed comparison would print "{?}").

#include <catch2/catch.hpp>
#include <string>

#include "quasar/models/int128.h"

namespace quasar::test {

inline std::string Int128String(models::int128 v) {
  const bool negative = v < 0;
  // The magnitude as unsigned: also right for the most negative value.
  models::uint128 m = negative ? models::uint128{0} - static_cast<models::uint128>(v)
                               : static_cast<models::uint128>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  return negative ? "-" + digits : digits;
}

}  // namespace quasar::test

namespace Catch {
template <>
struct StringMaker<quasar::models::int128> {
  static std::string convert(quasar::models::int128 v) { return quasar::test::Int128String(v); }
};
}  // namespace Catch
