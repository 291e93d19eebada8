// The JSON form of the compiler's Schedule: an exact round trip of every field, the documented
// layout, every validation message (file, JSON path and value) and the file functions.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/compiler/schedule_json.h"
#include "quasar/models/error.h"

using namespace quasar::compiler;
using quasar::InputError;

namespace {

// Three layers, one of each kind, with no field at its default value.
Schedule Example() {
  Schedule s;
  s.network = "tiny-resnet";
  s.arch = "bitfusion-like \"v2\"";
  s.objective = Objective::kEdp;

  LayerSchedule conv;
  conv.index = 3;
  conv.name = "conv1 / 3x3";
  conv.op = "conv2d";
  conv.kind = LayerKind::kGemm;
  conv.gemm = {2, 1024, 72, 16};
  conv.bits = {4, 2, 6, 5, 3, 24, true, {32, 8}, {}, {128, 20}};
  conv.pack = 4;
  conv.tiling = {128, 36, 8, LoopOrder::kKNM};
  conv.in_h = 34, conv.in_w = 33, conv.out_h = 32, conv.out_w = 31;
  conv.kernel_h = 3, conv.kernel_w = 5, conv.stride_h = 2, conv.dilation_h = 3;
  conv.required_acc_bits = 19;
  conv.in_elements = 1LL << 40;  // beyond 32 bits
  conv.out_elements = 32768;
  conv.post_multiplies_per_out = 2, conv.post_adds_per_out = 3, conv.post_compares_per_out = 4;
  conv.candidates = 9000000000LL;
  conv.feasible_candidates = 77;
  conv.status = "";
  conv.warnings = {"accumulator 24 bits < required 25", "tab\there, newline\nhere, \u00b5"};

  LayerSchedule add;
  add.index = 4;
  add.name = "add1";
  add.op = "add";
  add.kind = LayerKind::kPost;
  add.gemm = {0, 0, 0, 0};
  add.bits = {3, 1, 7, 2, 1, 64, false, {}, {}, {}};
  add.pack = 1;
  add.tiling = {1, 2, 3, LoopOrder::kNMK};
  add.stride_h = 1, add.dilation_h = 1;
  add.in_elements = 65536;
  add.out_elements = 32768;
  add.post_adds_per_out = 1;
  add.status = "the output buffer holds 1024 B, a tile needs 4096 B";

  LayerSchedule flat;
  flat.index = 5;
  flat.name = "flat";
  flat.op = "flatten";
  flat.kind = LayerKind::kView;
  flat.tiling.order = LoopOrder::kMKN;
  flat.out_elements = 16;
  flat.warnings = {"a view", ""};

  s.layers = {conv, add, flat};
  return s;
}

void CheckSame(const LayerSchedule& a, const LayerSchedule& b) {
  CHECK(a.index == b.index);
  CHECK(a.name == b.name);
  CHECK(a.op == b.op);
  CHECK(a.kind == b.kind);
  CHECK(a.gemm.count == b.gemm.count);
  CHECK(a.gemm.m == b.gemm.m);
  CHECK(a.gemm.k == b.gemm.k);
  CHECK(a.gemm.n == b.gemm.n);
  CHECK(a.bits.a_bits == b.bits.a_bits);
  CHECK(a.bits.w_bits == b.bits.w_bits);
  CHECK(a.bits.out_bits == b.bits.out_bits);
  CHECK(a.bits.mac_a_bits == b.bits.mac_a_bits);
  CHECK(a.bits.mac_w_bits == b.bits.mac_w_bits);
  CHECK(a.bits.acc_bits == b.bits.acc_bits);
  CHECK(a.bits.binary == b.bits.binary);
  CHECK(a.bits.a_scale.Key() == b.bits.a_scale.Key());
  CHECK(a.bits.w_scale.Key() == b.bits.w_scale.Key());
  CHECK(a.bits.out_scale.Key() == b.bits.out_scale.Key());
  CHECK(a.pack == b.pack);
  CHECK(a.tiling.m == b.tiling.m);
  CHECK(a.tiling.k == b.tiling.k);
  CHECK(a.tiling.n == b.tiling.n);
  CHECK(a.tiling.order == b.tiling.order);
  CHECK(a.in_h == b.in_h);
  CHECK(a.in_w == b.in_w);
  CHECK(a.out_h == b.out_h);
  CHECK(a.out_w == b.out_w);
  CHECK(a.kernel_h == b.kernel_h);
  CHECK(a.kernel_w == b.kernel_w);
  CHECK(a.stride_h == b.stride_h);
  CHECK(a.dilation_h == b.dilation_h);
  CHECK(a.required_acc_bits == b.required_acc_bits);
  CHECK(a.in_elements == b.in_elements);
  CHECK(a.out_elements == b.out_elements);
  CHECK(a.post_multiplies_per_out == b.post_multiplies_per_out);
  CHECK(a.post_adds_per_out == b.post_adds_per_out);
  CHECK(a.post_compares_per_out == b.post_compares_per_out);
  CHECK(a.candidates == b.candidates);
  CHECK(a.feasible_candidates == b.feasible_candidates);
  CHECK(a.status == b.status);
  CHECK(a.warnings == b.warnings);
}

void CheckSame(const Schedule& a, const Schedule& b) {
  CHECK(a.version == b.version);
  CHECK(a.network == b.network);
  CHECK(a.arch == b.arch);
  CHECK(a.objective == b.objective);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    INFO("layer " << i);
    CheckSame(a.layers[i], b.layers[i]);
  }
}

// One conv layer written by hand, compactly, as docs/schedule-format.md describes it.
const char* kHandWritten =
    R"({"version":1,"network":"net","arch":"acc","objective":"cycles","layers":[)"
    R"({"index":0,"name":"conv1","op":"conv2d","kind":"gemm",)"
    R"("gemm":{"count":1,"m":1024,"k":27,"n":16},)"
    R"("bits":{"a_bits":8,"w_bits":8,"out_bits":8,"mac_a_bits":8,"mac_w_bits":8,)"
    R"("acc_bits":32,"binary":false},"pack":1,)"
    R"("tiling":{"m":64,"k":27,"n":16,"order":"mnk"},)"
    R"("geometry":{"in_h":32,"in_w":32,"out_h":32,"out_w":32,"kernel_h":3,"kernel_w":3,)"
    R"("stride_h":1,"dilation_h":1},)"
    R"("required_acc_bits":21,"in_elements":3072,"out_elements":16384,)"
    R"("post":{"multiplies_per_out":1,"adds_per_out":2,"compares_per_out":1},)"
    R"("mapper":{"candidates":120,"feasible_candidates":40},"status":"","warnings":[]}]})";

// The message of the InputError that parsing `text` throws ("" if it parses).
std::string ParseError(const std::string& text) {
  try {
    ScheduleFromJson(text, "sched.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// kHandWritten with the first `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to) {
  std::string s = kHandWritten;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// A fresh path in the temporary directory (removed at the end of the test).
struct TempPath {
  std::filesystem::path path;
  explicit TempPath(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("quasar_test_" + std::to_string(std::random_device{}()) + "_" + name)) {}
  ~TempPath() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("Schedule JSON round trips every field of every layer kind", "[schedule_json]") {
  const Schedule s = Example();
  const std::string text = ScheduleToJson(s);
  CheckSame(ScheduleFromJson(text, "example.json"), s);
  // Writing what was read gives the same text.
  CHECK(ScheduleToJson(ScheduleFromJson(text, "example.json")) == text);
  // Defaults round trip too (a default layer and an empty network).
  Schedule d;
  d.layers.resize(1);
  d.layers[0].op = "conv2d";  // the op must be a network op name
  CheckSame(ScheduleFromJson(ScheduleToJson(d), "d.json"), d);
  CheckSame(ScheduleFromJson(ScheduleToJson(Schedule{}), "e.json"), Schedule{});
}

TEST_CASE("Schedule JSON round trips every enum name", "[schedule_json]") {
  Schedule s = Example();
  for (LoopOrder o : kAllLoopOrders) {
    for (Objective obj : {Objective::kCycles, Objective::kEnergy, Objective::kEdp}) {
      s.objective = obj;
      s.layers[0].tiling.order = o;
      CheckSame(ScheduleFromJson(ScheduleToJson(s), "x.json"), s);
    }
  }
}

TEST_CASE("Schedule JSON layout: 2-space indent, documented key order", "[schedule_json]") {
  Schedule s;
  s.network = "n";
  s.arch = "a";
  s.objective = Objective::kEnergy;
  CHECK(ScheduleToJson(s) ==
        "{\n  \"version\": 1,\n  \"network\": \"n\",\n  \"arch\": \"a\",\n"
        "  \"objective\": \"energy\",\n  \"layers\": []\n}\n");
  const std::string text = ScheduleToJson(Example());
  const std::vector<std::string> keys = {
      "\"index\"",       "\"name\"",         "\"op\"",     "\"kind\"",     "\"gemm\"",
      "\"bits\"",        "\"pack\"",         "\"tiling\"", "\"geometry\"", "\"required_acc_bits\"",
      "\"in_elements\"", "\"out_elements\"", "\"post\"",   "\"mapper\"",   "\"status\"",
      "\"warnings\""};
  size_t at = 0;
  for (const auto& k : keys) {
    INFO(k);
    const size_t next = text.find(k, at);
    REQUIRE(next != std::string::npos);
    at = next;
  }
  CHECK(text.find("\"order\": \"knm\"") != std::string::npos);
  CHECK(text.find("\"kind\": \"post\"") != std::string::npos);
  CHECK(text.find("\"in_elements\": 1099511627776") != std::string::npos);
}

TEST_CASE("Schedule JSON: the hand-written form parses", "[schedule_json]") {
  const Schedule s = ScheduleFromJson(kHandWritten, "hand.json");
  REQUIRE(s.layers.size() == 1);
  const LayerSchedule& l = s.layers[0];
  CHECK(l.gemm.m == 1024);
  CHECK(l.tiling.m == 64);
  CHECK(l.tiling.order == LoopOrder::kMNK);
  CHECK(l.required_acc_bits == 21);
  CHECK(l.post_adds_per_out == 2);
  CHECK(l.feasible_candidates == 40);
  CHECK(l.ok());
}

TEST_CASE("Schedule JSON: the example of docs/schedule-format.md is exact", "[schedule_json]") {
  std::ifstream in(std::string(QUASAR_SOURCE_DIR) + "/docs/schedule-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto start = doc.find("```json\n");
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```", start + 8);
  REQUIRE(end != std::string::npos);
  const std::string example = doc.substr(start + 8, end - start - 8);
  const Schedule s = ScheduleFromJson(example, "docs/schedule-format.md");
  CHECK(s.layers.size() == 2);
  CHECK(ScheduleToJson(s) == example);  // the documented text is what the writer writes
}

TEST_CASE("Schedule JSON errors name the file, JSON path and value", "[schedule_json]") {
  struct Case {
    std::string text;
    std::vector<std::string> expected;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {Edit(R"("tiling":{"m":64)", R"("tiling":{"m":0)"),
       {"sched.json: layers[0].tiling.m: must be >= 1, got 0"}},
      {Edit(R"("order":"mnk")", R"("order":"mkx")"),
       {"layers[0].tiling.order: must be one of mnk, mkn, nmk, nkm, kmn or knm, got \"mkx\""}},
      {Edit(R"("tiling":{"m":64,"k":27,"n":16,"order":"mnk"},)", ""),
       {"sched.json: layers[0].tiling: is required"}},
      {Edit(R"("pack":1)", R"("pack":1,"colour":"red")"),
       {"layers[0].colour: is not a known key", "got \"red\""}},
      {Edit(R"("version":1)", R"("version":2)"), {"sched.json: version: must be 1, got 2"}},
      {"this is not JSON", {"sched.json: malformed JSON", "line 1"}},
      {"", {"sched.json: malformed JSON"}},
      // A number no double holds (found by fuzz/fuzz_schedule_json.cc; nlohmann's
      // out_of_range.406, not a parse_error).
      {Edit(R"("version":1)", R"("version":1E999)"),
       {"sched.json: malformed JSON: number overflow parsing '1E999'"}},
      {"[1, 2]", {"sched.json: a schedule must be a JSON object, got [1,2]"}},
      {Edit(R"("pack":1)", R"("pack":0)"), {"layers[0].pack: must be in 1..2147483647, got 0"}},
      {Edit(R"("a_bits":8)", R"("a_bits":65)"),
       {"layers[0].bits.a_bits: must be in 1..64, got 65"}},
      {Edit(R"("acc_bits":32)", R"("acc_bits":0)"),
       {"layers[0].bits.acc_bits: must be in 1..64, got 0"}},
      {Edit(R"("binary":false)", R"("binary":0)"),
       {"layers[0].bits.binary: must be true or false, got 0"}},
      // A block scale is read as a pair: one key without the other names the missing one.
      {Edit(R"("binary":false)", R"("binary":false,"w_scale_bits":8)"),
       {"layers[0].bits.w_scale_block: is required"}},
      {Edit(R"("binary":false)", R"("binary":false,"a_scale_block":32,"a_scale_bits":256)"),
       {"layers[0].bits.a_scale_bits: must be in 1..255, got 256"}},
      {Edit(R"("m":1024)", R"("m":"1024")"),
       {"layers[0].gemm.m: must be an integer, got \"1024\""}},
      {Edit(R"("m":1024)", R"("m":1.5)"), {"layers[0].gemm.m: must be an integer, got 1.5"}},
      {Edit(R"("m":1024)", R"("m":-1)"), {"layers[0].gemm.m: must be >= 0, got -1"}},
      {Edit(R"("m":1024)", R"("m":9223372036854775808)"),
       {"layers[0].gemm.m: must be >= 0, got 9223372036854775808"}},
      {Edit(R"("stride_h":1)", R"("stride_h":0)"),
       {"layers[0].geometry.stride_h: must be >= 1, got 0"}},
      {Edit(R"("out_w":32)", R"("out_w":0)"),
       {"layers[0].geometry.out_w: must be >= 1 when kernel_h > 0 (a convolution), got 0"}},
      {Edit(R"("index":0)", R"("index":4294967296)"),
       {"layers[0].index: must be in 0..2147483647, got 4294967296"}},
      {Edit(R"("objective":"cycles")", R"("objective":"speed")"),
       {"objective: must be one of cycles, energy or edp, got \"speed\""}},
      {Edit(R"("kind":"gemm")", R"("kind":"conv")"),
       {"layers[0].kind: must be one of gemm, post or view, got \"conv\""}},
      {Edit(R"("op":"conv2d")", R"("op":"conv3d")"),
       {"layers[0].op: must be one of conv2d,", "got \"conv3d\""}},
      {Edit(R"("network":"net")", R"("network":7)"), {"network: must be a string, got 7"}},
      {Edit(R"("warnings":[])", R"("warnings":["ok",3])"),
       {"layers[0].warnings[1]: must be a string, got 3"}},
      {Edit(R"("warnings":[])", R"("warnings":"none")"),
       {"layers[0].warnings: must be a JSON array, got \"none\""}},
      {Edit(R"("mapper":{)", R"("mapper":[],"x":{)"),
       {"layers[0].mapper: must be a JSON object, got []"}},
      {Edit(R"("layers":[{)", R"("layers":[7,{)"), {"layers[0]: must be a JSON object, got 7"}},
      {Edit(R"("layers":[)", R"("layers":{"a":1},"b":[)"),
       {"layers: must be a JSON array, got {\"a\":1}"}},
      {Edit(R"("n":16},)", R"("n":16,"n":17},)"),
       {"layers[0].gemm.n: appears twice in one object, got \"n\""}},
      {Edit(R"("status":"")", R"("status":null)"),
       {"layers[0].status: must be a string, got null"}},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string message = ParseError(c.text);
    REQUIRE(!message.empty());
    for (const auto& e : c.expected) {
      CHECK_THAT(message, Catch::Contains(e));
    }
  }
}

TEST_CASE("Schedule JSON reports every problem together", "[schedule_json]") {
  std::string text = Edit(R"("version":1)", R"("version":3)");
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"("order":"mnk")", R"("order":"mkx")"},
           {R"("k":27,"n":16,"order")", R"("k":0,"n":16,"order")"},
           {R"("geometry":{)", R"("geometry":{"pad_h":1,)"}}) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  const std::string message = ParseError(text);
  CHECK_THAT(message, Catch::Contains("sched.json: version: must be 1, got 3"));
  CHECK_THAT(message, Catch::Contains("sched.json: layers[0].tiling.k: must be >= 1, got 0"));
  CHECK_THAT(message, Catch::Contains("sched.json: layers[0].tiling.order:"));
  CHECK_THAT(message, Catch::Contains("sched.json: layers[0].geometry.pad_h: is not a known key"));
  CHECK(std::count(message.begin(), message.end(), '\n') == 3);
}

TEST_CASE("Schedule JSON refuses to write a name that is not UTF-8", "[schedule_json]") {
  Schedule s = Example();
  s.layers[1].name = "bad\xff";
  try {
    ScheduleToJson(s);
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("layers[1].name: is not valid UTF-8"));
  }
}

TEST_CASE("SaveSchedule and LoadSchedule round trip through a file", "[schedule_json]") {
  const TempPath file("schedule.json");
  const Schedule s = Example();
  SaveSchedule(s, file.path.string());
  CheckSame(LoadSchedule(file.path.string()), s);
  std::ifstream in(file.path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == ScheduleToJson(s));
}

TEST_CASE("LoadSchedule and SaveSchedule name a file they cannot use", "[schedule_json]") {
  const TempPath missing("does_not_exist.json");
  try {
    LoadSchedule(missing.path.string());
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(missing.path.string() + ": cannot open file"));
  }
  const std::string in_missing_dir = (missing.path / "out.json").string();
  try {
    SaveSchedule(Example(), in_missing_dir);
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(in_missing_dir));
  }
  // A malformed file is reported under its path.
  const TempPath bad("bad.json");
  std::ofstream(bad.path) << "{\"version\": 1,";
  try {
    LoadSchedule(bad.path.string());
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(bad.path.string() + ": malformed JSON"));
  }
}
