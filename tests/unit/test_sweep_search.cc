// The mapper's search in a sweep (sweep.h, `search`): the file's key, the rows' context that
// names it, the error for an unknown name, and rows equal to `sim::Compile` with that search.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/sim/analytical.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar;
using namespace quasar::sim::explore;
using quasar::test::ErrorOf;
using quasar::test::kSmall;
using quasar::test::Parse;

TEST_CASE("A sweep's search: the mapper's, named in the rows' context, never worse than fast",
          "[sweep]") {
  const SweepSpec fast = Parse(kSmall);
  CHECK(fast.search == compiler::MapperSearch::kFast);
  const SweepSpec refined = Parse(std::string(kSmall) + "search: refined\n");
  CHECK(refined.search == compiler::MapperSearch::kRefined);
  REQUIRE(refined.contexts.size() == 1);
  CHECK(refined.contexts[0].find("objective=cycles;search=refined;first_last_bits=") !=
        std::string::npos);
  CHECK(fast.contexts[0].find("search=") == std::string::npos);
  CHECK(ErrorOf(std::string(kSmall) + "search: exhaustive\n")
            .find("s.yaml: search: must be one of maximal, fast, refined, dense, got "
                  "'exhaustive'") !=
        std::string::npos);
  // Each row as `quasar run --search` computes it: the refined search's cycles never above the
  // fast one's, and below them on some configuration of this sweep.
  const SweepResult a = RunSweep(fast, {}), b = RunSweep(refined, {});
  REQUIRE(a.rows.size() == b.rows.size());
  int faster = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    INFO("configuration " << i);
    REQUIRE(a.rows[i].status == "feasible");
    REQUIRE(b.rows[i].status == "feasible");
    CHECK(b.rows[i].cycles <= a.rows[i].cycles);
    faster += b.rows[i].cycles < a.rows[i].cycles;
    const SweepConfig c = ConfigAt(refined, i);
    const models::ArchSpec arch = ArchFor(refined, c);
    const compiler::Schedule s =
        sim::Compile(refined.nets[c.network * refined.precisions.size() + c.precision], arch,
                     refined.table, compiler::Objective::kCycles, compiler::MapperSearch::kRefined);
    CHECK(sim::EvaluateSchedule(s, arch, refined.table).cycles == b.rows[i].cycles);
  }
  CHECK(faster > 0);
}
