// The component tables of the energy and area breakdowns (EnergyComponents, AreaComponents in
// energy.h), which Total, Add and every report iterate: each field of the struct appears exactly
// once, in declaration order, under a distinct key and label, and Total and Add follow the table.

#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>

#include "quasar/models/cost/energy.h"

using namespace quasar::models;

namespace {

// A key and a plot column are one word of [a-z_] / no spaces.
bool IsKey(const std::string& s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
}

}  // namespace

TEST_CASE("the energy table lists every field once, in declaration order", "[energy]") {
  // Every member of EnergyBreakdown is a double component: a field without a row fails here.
  CHECK(sizeof(EnergyBreakdown) == EnergyComponents().size() * sizeof(double));
  // Aggregate initialization fills the fields in declaration order, independently of the table:
  // distinct powers of two, so a missing or repeated row changes the total and the read-back.
  const EnergyBreakdown e{1, 2, 4, 8, 16, 32, 64, 128};
  CHECK(e.Total() == 255);
  double expected = 1;
  std::set<std::string> keys, labels, columns;
  for (const EnergyComponent& c : EnergyComponents()) {
    CHECK(e.*c.field == expected);
    expected *= 2;
    CHECK(IsKey(c.key));
    CHECK(std::string(c.plot_column).find(' ') == std::string::npos);
    keys.insert(c.key);
    labels.insert(c.label);
    columns.insert(c.plot_column);
  }
  CHECK(keys.size() == EnergyComponents().size());
  CHECK(labels.size() == EnergyComponents().size());
  CHECK(columns.size() == EnergyComponents().size());

  // Add adds each component to itself and no other.
  EnergyBreakdown sum = e;
  EnergyBreakdown more;
  for (const EnergyComponent& c : EnergyComponents()) {
    more.*c.field = 1000 * (e.*c.field);
  }
  sum.Add(more);
  for (const EnergyComponent& c : EnergyComponents()) {
    CHECK(sum.*c.field == 1001 * (e.*c.field));
  }
  CHECK(sum.Total() == 1001 * 255);
}

TEST_CASE("the area table lists every field once; Total sums the in_total rows", "[energy]") {
  const AreaBreakdown a{1, 2, 4, 8, 16, 32, std::nullopt};
  double expected = 1;
  double in_total = 0;
  std::set<std::string> keys, labels;
  for (const AreaComponent& c : AreaComponents()) {
    CHECK(a.*c.field == expected);
    expected *= 2;
    in_total += c.in_total ? a.*c.field : 0;
    CHECK(IsKey(c.key));
    keys.insert(c.key);
    labels.insert(c.label);
  }
  CHECK(keys.size() == AreaComponents().size());
  CHECK(labels.size() == AreaComponents().size());
  // pe is inside pe_array, so only it stays out of the total.
  CHECK(a.Total() == a.pe_array + a.input_sram + a.weight_sram + a.output_sram + a.post_processing);
  CHECK(a.Total() == 62);
  CHECK(in_total == 62);
  CHECK_FALSE(AreaComponents()[0].in_total);
  CHECK(AreaComponents()[0].field == &AreaBreakdown::pe);
}
