// IntType names, ranges and saturation.

#include <catch2/catch.hpp>

#include "quasar/models/int_type.h"

using namespace quasar::models;

TEST_CASE("integer type names parse to the right ranges") {
  struct Case {
    const char* name;
    int64_t lo, hi;
  };
  for (const Case& c : {Case{"int1", -1, 0}, Case{"uint1", 0, 1}, Case{"int2", -2, 1},
                        Case{"int4", -8, 7}, Case{"uint4", 0, 15}, Case{"int8", -128, 127},
                        Case{"uint8", 0, 255}, Case{"int16", -32768, 32767},
                        Case{"uint16", 0, 65535}, Case{"int32", INT32_MIN, INT32_MAX},
                        Case{"binary", -1, 1}, Case{"ternary", -1, 1}}) {
    INFO(c.name);
    const auto t = ParseIntType(c.name);
    REQUIRE(t.has_value());
    CHECK(t->min() == c.lo);
    CHECK(t->max() == c.hi);
    CHECK(t->Name() == c.name);
  }
  for (const char* bad : {"int0", "int17", "uint32", "int08", "float", "int", "uint", "int-4", ""}) {
    INFO(bad);
    CHECK_FALSE(ParseIntType(bad).has_value());
  }
}

TEST_CASE("binary holds only -1 and +1, saturation follows the type") {
  const IntType b = IntType::Binary();
  CHECK(b.Contains(-1));
  CHECK(b.Contains(1));
  CHECK_FALSE(b.Contains(0));
  CHECK(b.Saturate(0) == 1);
  CHECK(b.Saturate(-7) == -1);
  CHECK(IntType::Ternary().Contains(0));
  CHECK(IntType::Ternary().Saturate(5) == 1);
  CHECK(IntType::Unsigned(4).Saturate(-3) == 0);
  CHECK(IntType::Signed(4).Saturate(100) == 7);
}
