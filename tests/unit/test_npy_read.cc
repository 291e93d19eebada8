// Tests of .npy reading: byte orders, layouts, header forms and malformed files (format: NumPy NEP 1 / numpy/lib/format.py).

#include <catch2/catch.hpp>

#include "npy_test_util.h"

namespace quasar::models {
namespace {

using namespace npy_test;

TEST_CASE("ReadNpy byte-swaps big-endian data", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("be.npy");
  SECTION("int32") {
    WriteFileBytes(path, NpyFile("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }",
                                 Bytes({1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe})));
    const NpyArray a = ReadNpy(path);
    CHECK(a.dtype == NpyDtype::kInt32);
    CHECK(a.ints == std::vector<int64_t>{0x01020304, -2});
  }
  SECTION("uint16, int16, int64, int8") {
    WriteFileBytes(path, NpyFile("{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }",
                                 Bytes({0xff, 0xfe})));
    CHECK(ReadNpy(path).ints == std::vector<int64_t>{65534});
    WriteFileBytes(path, NpyFile("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }",
                                 Bytes({0x80, 0x01})));
    CHECK(ReadNpy(path).ints == std::vector<int64_t>{-32767});
    WriteFileBytes(path, NpyFile("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }",
                                 Bytes({0x80, 0, 0, 0, 0, 0, 0, 1})));
    CHECK(ReadNpy(path).ints == std::vector<int64_t>{INT64_MIN + 1});
    WriteFileBytes(
        path, NpyFile("{'descr': '>i1', 'fortran_order': False, 'shape': (1,), }", Bytes({0x80})));
    CHECK(ReadNpy(path).ints == std::vector<int64_t>{-128});
  }
  SECTION("float32") {
    WriteFileBytes(path, NpyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                 Bytes({0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0})));
    CHECK(ReadNpy(path).floats == std::vector<float>{1.0f, -2.5f});
  }
}

TEST_CASE("ReadNpy transposes fortran_order data into row-major", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("f.npy");
  SECTION("2-d int16") {
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    WriteFileBytes(path, NpyFile("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }",
                                 Bytes({1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0})));
    const NpyArray a = ReadNpy(path);
    CHECK(a.shape == Shape{2, 3});
    CHECK(a.ints == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  }
  SECTION("3-d big-endian float32") {
    std::string data;  // element (i, j, k) = 100i + 10j + k, first index fastest
    for (int k = 0; k < 4; ++k) {
      for (int j = 0; j < 3; ++j) {
        for (int i = 0; i < 2; ++i) {
          const uint32_t bits = FloatBits(static_cast<float>(100 * i + 10 * j + k));
          data += Bytes({static_cast<int>(bits >> 24), static_cast<int>((bits >> 16) & 0xff),
                         static_cast<int>((bits >> 8) & 0xff), static_cast<int>(bits & 0xff)});
        }
      }
    }
    WriteFileBytes(path,
                   NpyFile("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3, 4), }", data));
    const NpyArray a = ReadNpy(path);
    REQUIRE(a.floats.size() == 24);
    size_t n = 0;
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 3; ++j) {
        for (int k = 0; k < 4; ++k) {
          CHECK(a.floats[n++] == static_cast<float>(100 * i + 10 * j + k));
        }
      }
    }
  }
  SECTION("1-d is unchanged") {
    WriteFileBytes(path, NpyFile("{'descr': '|u1', 'fortran_order': True, 'shape': (3,), }",
                                 Bytes({7, 8, 9})));
    CHECK(ReadNpy(path).ints == std::vector<int64_t>{7, 8, 9});
  }
}

TEST_CASE("ReadNpy accepts format 2.0 and 3.0 headers", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("v.npy");
  const int major = GENERATE(2, 3);
  const std::string file = NpyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }",
                                   Bytes({1, 0xfe, 3, 4}), major);
  REQUIRE(file[6] == major);
  REQUIRE(file.size() == 128 + 4);
  REQUIRE(file[8] == 128 - 12);  // 4-byte header length
  WriteFileBytes(path, file);
  const NpyArray a = ReadNpy(path);
  CHECK(a.shape == Shape{2, 2});
  CHECK(a.ints == std::vector<int64_t>{1, -2, 3, 4});
}

TEST_CASE("ReadNpy parses header variations", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("h.npy");
  const auto read = [&](const std::string& dict, size_t align = 64) {
    WriteFileBytes(path, NpyFile(dict, Bytes({1, 2, 3, 4, 5, 6}), 1, align));
    return ReadNpy(path);
  };
  CHECK(read("{'shape': (2, 3), 'fortran_order': False, 'descr': '<i1'}").ints.size() == 6);
  CHECK(read("{\"descr\":\"|u1\",\"fortran_order\":False,\"shape\":(6,)}").shape == Shape{6});
  CHECK(read(" {  'descr' :\t'|u1' ,\n'fortran_order': False,'shape':( 6 , ) , } ").shape ==
        Shape{6});
  CHECK(read("{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 3L), }").shape == Shape{2, 3});
  CHECK(read("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 6,), }", 16).shape ==
        Shape{1, 6});
  CHECK(read("{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }", 1).ints ==
        std::vector<int64_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("ReadNpy rejects malformed files with the path in the message", "[npy]") {
  TempDir dir;
  const std::string dict_i4 = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::string data24(24, '\0');
  const auto header = [](const std::string& body) { return NpyFile(body, ""); };

  CHECK_THAT(ReadError(dir, ""), Contains("not a .npy file"));
  CHECK_THAT(ReadError(dir, "PK\x03\x04 zip file"), Contains("not a .npy file"));
  CHECK_THAT(ReadError(dir, "\x93NUMP"), Contains("not a .npy file"));
  CHECK_THAT(ReadError(dir, "\x93NUMPY"), Contains("truncated header"));
  CHECK_THAT(ReadError(dir, "\x93NUMPY" + Bytes({1, 0, 118})), Contains("truncated header"));
  CHECK_THAT(ReadError(dir, "\x93NUMPY" + Bytes({2, 0, 118, 0, 0})), Contains("truncated header"));
  CHECK_THAT(ReadError(dir, NpyFile(dict_i4, data24).substr(0, 60)),
             Contains("truncated header: expected 118 header bytes, found 50"));
  std::string v4 = NpyFile(dict_i4, data24);
  v4[6] = 4;
  CHECK_THAT(ReadError(dir, v4), Contains("unsupported .npy format version 4.0"));
  v4[6] = 1;
  v4[7] = 1;
  CHECK_THAT(ReadError(dir, v4), Contains("unsupported .npy format version 1.1"));

  CHECK_THAT(ReadError(dir, NpyFile(dict_i4, data24.substr(0, 20))),
             Contains("truncated data") && Contains("needs 24 data bytes, found 20"));
  CHECK_THAT(ReadError(dir, NpyFile(dict_i4, "")), Contains("needs 24 data bytes, found 0"));
  CHECK_THAT(ReadError(dir, NpyFile(dict_i4, data24 + "xyz")),
             Contains("unexpected bytes after the data") && Contains("found 27"));

  const std::string path = dir.File("bad.npy");
  WriteFileBytes(path, header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"));
  CHECK_THAT(InputErrorMessage([&] { ReadNpy(path); }),
             Equals(path + ": unsupported dtype '<c8' (supported: int8, uint8, int16, uint16, "
                           "int32, int64, float32)"));
  for (const char* descr : {"<f8", "<u4", "<u8", "|b1", "|i4", "=i4", "<i3", "i4", "", "<V16"}) {
    INFO(descr);
    CHECK_THAT(ReadError(dir, header(std::string("{'descr': '") + descr +
                                     "', 'fortran_order': False, 'shape': (), }")),
               Contains("unsupported dtype '" + std::string(descr) + "'"));
  }
  CHECK_THAT(ReadError(dir, header("{'descr': '|O', 'fortran_order': False, 'shape': (), }")),
             Contains("object dtype '|O'"));
  CHECK_THAT(ReadError(dir, header("{'descr': [('a', '<i4'), ('b', '<f4')], "
                                   "'fortran_order': False, 'shape': (), }")),
             Contains("structured dtypes (descr is a list) are not supported"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3), }")),
             Contains("negative dimension -3"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'fortran_order': False, 'shape': (), "
                                   "'extra': 1, }")),
             Contains("unknown key 'extra'"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'shape': (), }")),
             Contains("missing key 'fortran_order'"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, "
                                   "'shape': (), }")),
             Contains("duplicate key 'descr'"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'fortran_order': 0, 'shape': (), }")),
             Contains("'fortran_order' is not True or False"));
  CHECK_THAT(ReadError(dir, header("{'descr': '<i4', 'fortran_order': False, 'shape': (5), }")),
             Contains("(n,)"));
  for (const char* body :
       {"", "garbage", "[1, 2]", "{'descr': '<i4', 'fortran_order': False, 'shape': [2, 3], }",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2,, 3), }",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2, x), }",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)",
        "{'descr': '<i4' 'fortran_order': False, 'shape': (), }",
        "{'descr': '<i4, 'fortran_order': False, 'shape': (), }", "{'descr: '<i4'",
        "{'descr': '\\x3ci4', 'fortran_order': False, 'shape': (), }",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (), } extra"}) {
    INFO(body);
    CHECK_THAT(ReadError(dir, header(body)), Contains("bad .npy header"));
  }
  CHECK_THAT(ReadError(dir, header(std::string("{'descr': '<i4'\0\x01, }", 20))),
             Contains("bad .npy header") && Contains("'<i4'??"));
}

TEST_CASE("ReadNpy rejects absurd shapes without allocating them", "[npy]") {
  TempDir dir;
  const auto header = [](const std::string& shape) {
    return NpyFile("{'descr': '<i8', 'fortran_order': False, 'shape': " + shape + ", }", "");
  };
  CHECK_THAT(ReadError(dir, header("(99999999999999999999,)")), Contains("too large"));
  CHECK_THAT(ReadError(dir, header("(4611686018427387904, 4)")), Contains("too large"));
  CHECK_THAT(ReadError(dir, header("(1152921504606846975,)")),
             Contains("needs 9223372036854775800 data bytes, found 0"));
  CHECK_THAT(ReadError(dir, header("(1000000, 1000000)")), Contains("truncated data"));
  // Dimensions whose product overflows are rejected even next to a zero (NumElements() of such a
  // shape could overflow); large dimensions next to a zero are a legal empty array.
  CHECK_THAT(ReadError(dir, header("(4611686018427387904, 0, 4611686018427387904)")),
             Contains("too large"));
  const std::string path = dir.File("empty.npy");
  WriteFileBytes(path, header("(1000000000, 0, 1000000000)"));
  const NpyArray a = ReadNpy(path);
  CHECK(a.shape == Shape{1000000000, 0, 1000000000});
  CHECK(a.ints.empty());
}

TEST_CASE("ReadNpy reports unreadable paths", "[npy]") {
  TempDir dir;
  const std::string missing = dir.File("missing.npy");
  CHECK_THAT(InputErrorMessage([&] { ReadNpy(missing); }),
             Contains(missing) && Contains("cannot open"));
  const std::string subdir = dir.File("sub.npy");
  fs::create_directories(subdir);
  CHECK_THAT(InputErrorMessage([&] { ReadNpy(subdir); }),
             Contains(subdir) && Contains("directory"));
}

}  // namespace
}  // namespace quasar::models
