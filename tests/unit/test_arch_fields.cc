// The accelerator format's field table (arch_fields.h) is the one declaration its readers and
// writers use: every field reads back what it writes, the writer's YAML parses to the same spec
// for every preset, values outside a field's range are refused by the parser with the range in
// the message, and docs/arch-format.md holds the table `quasar arch --fields` prints.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"

using namespace quasar;
using namespace quasar::models;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kMinimal =
    "version: 1\nname: t\narray: {rows: 4, cols: 4, dataflow: ws}\n";

// The parser's message for `key: value` added to a minimal file (not an array key), "" when it
// is accepted.
std::string ErrorFor(const std::string& key, const std::string& value) {
  // Nest the key path: a.b.c: v -> a: {b: {c: v}}.
  std::string nested = value;
  std::string path = key;
  while (path.find('.') != std::string::npos) {
    const size_t dot = path.rfind('.');
    nested = "{" + path.substr(dot + 1) + ": " + nested + "}";
    path = path.substr(0, dot);
  }
  std::string yaml = "version: 1\narray: {rows: 4, cols: 4, dataflow: ws}\n";
  if (key != "name") {
    yaml += "name: t\n";
  }
  yaml += path + ": " + nested + "\n";
  try {
    ParseArchSpec(yaml, "t.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every field reads back what it writes, on every preset") {
  const std::string dir = std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators";
  int presets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const ArchSpec a = LoadArchSpec(entry.path().string());
    const ArchSpec b = ParseArchSpec(ArchSpecToYaml(a), "again.yaml");
    for (const ArchField& f : ArchFields()) {
      INFO(entry.path().filename().string() << ": " << f.key);
      CHECK(f.get(a) == f.get(b));
      ArchSpec c;
      f.set(&c, f.get(a));
      CHECK(f.get(c) == f.get(a));
    }
    ++presets;
  }
  CHECK(presets >= 5);
}

TEST_CASE("the parser refuses values outside each field's range, naming the range") {
  for (const ArchField& f : ArchFields()) {
    INFO(f.key);
    if (f.key.rfind("array.", 0) == 0) {
      continue;  // the minimal file's own array keys
    }
    switch (f.kind) {
      case ArchFieldKind::kInt:
        CHECK_THAT(ErrorFor(f.key, std::to_string(static_cast<int64_t>(f.hi) + 1)),
                   Catch::Contains(f.key + ": must be "));
        CHECK_THAT(ErrorFor(f.key, std::to_string(static_cast<int64_t>(f.hi) + 1)),
                   Catch::Contains(std::to_string(static_cast<int64_t>(f.hi))));
        CHECK(ErrorFor(f.key, std::to_string(static_cast<int64_t>(f.lo) + (f.power_of_two ? 1 : 0)))
                  .empty());
        break;
      case ArchFieldKind::kReal:
        // Every rate has a positive lower bound: 0, and rates so small that the cycle counts
        // they make leave int64 (1e-15 bytes per cycle, a 1e-300 MHz clock), are refused.
        REQUIRE(f.lo > 0);
        CHECK_THAT(ErrorFor(f.key, "0"),
                   Catch::Contains(f.key + ": must be a number >= " + ShortestNumber(f.lo) +
                                   " and <= "));
        CHECK_THAT(ErrorFor(f.key, "1e-15"), Catch::Contains(f.key + ": must be a number >= "));
        CHECK_THAT(ErrorFor(f.key, "1e-300"), Catch::Contains(f.key + ": must be a number >= "));
        CHECK_THAT(ErrorFor(f.key, "1e30"), Catch::Contains(f.unit));
        CHECK(ErrorFor(f.key, "1").empty());
        CHECK(ErrorFor(f.key, ShortestNumber(f.lo)).empty());
        CHECK(ErrorFor(f.key, ShortestNumber(f.hi)).empty());
        break;
      case ArchFieldKind::kName:
        CHECK_THAT(ErrorFor(f.key, "nope"), Catch::Contains(f.key + ": must be " + f.names[0]));
        for (const std::string& n : f.names) {
          // A format MAC's widths must be its element's (checked in test_format_mac.cc): the
          // 8-bit defaults hold for the 8-bit formats and the integer MAC.
          const std::optional<QuantCode> code = ParseQuantCode(n);
          if (f.key == "mac.format" && code && QuantCodeOf(*code).fixed_bits != 8) {
            continue;
          }
          CHECK(ErrorFor(f.key, n).empty());
        }
        break;
      case ArchFieldKind::kBool:
        CHECK(ErrorFor(f.key, "false").empty());
        CHECK(!ErrorFor(f.key, "maybe").empty());
        break;
      case ArchFieldKind::kText:
        if (f.non_empty) {
          CHECK_THAT(ErrorFor(f.key, "''"), Catch::Contains(f.key + ": must not be empty"));
        }
        break;
    }
  }
  CHECK(ParseArchSpec(kMinimal, "t.yaml").rows == 4);
}

TEST_CASE("docs/arch-format.md holds the generated key table") {
  const std::string doc = ReadFile(std::string(QUASAR_SOURCE_DIR) + "/docs/arch-format.md");
  const std::string begin = "<!-- arch-fields:begin -->\n", end = "<!-- arch-fields:end -->";
  const size_t b = doc.find(begin), e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  INFO("regenerate it with: quasar arch --fields");
  CHECK(doc.substr(b + begin.size(), e - b - begin.size()) == ArchFieldsMarkdown());
}
