// Tests of .npy reading and writing (format: NumPy NEP 1 / numpy/lib/format.py).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/npy.h"

namespace quasar::models {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("quasar_test_npy_" + std::to_string(random()) + "_" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string Bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s += static_cast<char>(v);
  return s;
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A .npy file built by hand: magic, version `major`.0, header length, `dict` padded with spaces
// and '\n' so the data starts at a multiple of `align`, then `data`.
std::string NpyFile(const std::string& dict, const std::string& data, int major = 1,
                    size_t align = 64) {
  const size_t len_size = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + len_size + header.size() + 1) % align != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t k = 0; k < len_size; ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

// The message of the InputError `fn` throws; fails the test if it throws nothing.
std::string InputErrorMessage(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

// The message of the InputError ReadNpy throws for a file holding `bytes`.
std::string ReadError(const TempDir& dir, const std::string& bytes) {
  const std::string path = dir.File("bad.npy");
  WriteFileBytes(path, bytes);
  const std::string message = InputErrorMessage([&] { ReadNpy(path); });
  CHECK_THAT(message, Contains(path));
  return message;
}

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

TEST_CASE("NpyDtypeName names every dtype", "[npy]") {
  CHECK(NpyDtypeName(NpyDtype::kInt8) == "int8");
  CHECK(NpyDtypeName(NpyDtype::kUint8) == "uint8");
  CHECK(NpyDtypeName(NpyDtype::kInt16) == "int16");
  CHECK(NpyDtypeName(NpyDtype::kUint16) == "uint16");
  CHECK(NpyDtypeName(NpyDtype::kInt32) == "int32");
  CHECK(NpyDtypeName(NpyDtype::kInt64) == "int64");
  CHECK(NpyDtypeName(NpyDtype::kFloat32) == "float32");
}

TEST_CASE("every integer dtype round-trips its extreme values", "[npy]") {
  struct Case {
    NpyDtype dtype;
    int64_t min, max;
    size_t size;
  };
  const Case cases[] = {
      {NpyDtype::kInt8, INT8_MIN, INT8_MAX, 1},    {NpyDtype::kUint8, 0, UINT8_MAX, 1},
      {NpyDtype::kInt16, INT16_MIN, INT16_MAX, 2}, {NpyDtype::kUint16, 0, UINT16_MAX, 2},
      {NpyDtype::kInt32, INT32_MIN, INT32_MAX, 4}, {NpyDtype::kInt64, INT64_MIN, INT64_MAX, 8},
  };
  TempDir dir;
  for (const Case& c : cases) {
    INFO(NpyDtypeName(c.dtype));
    const std::string path = dir.File(NpyDtypeName(c.dtype) + ".npy");
    NpyArray a{{2, 3}, c.dtype, {c.min, c.max, 0, 1, c.min + 1, c.max - 1}, {}};
    WriteNpy(path, a);
    CHECK(fs::file_size(path) == 128 + 6 * c.size);  // 128-byte header, then the data
    const NpyArray b = ReadNpy(path);
    CHECK(b.shape == Shape{2, 3});
    CHECK(b.dtype == c.dtype);
    CHECK(b.ints == a.ints);
    CHECK(b.floats.empty());
  }
}

TEST_CASE("float32 round-trips special values bit for bit", "[npy]") {
  using L = std::numeric_limits<float>;
  const std::vector<float> values = {L::lowest(), L::max(),      L::min(),       L::denorm_min(),
                                     -0.0f,       L::infinity(), -L::infinity(), L::quiet_NaN(),
                                     1.5f,        -3.25e-7f};
  TempDir dir;
  const std::string path = dir.File("f.npy");
  WriteNpy(path, FloatTensor({2, 5}, values));
  const NpyArray a = ReadNpy(path);
  CHECK(a.dtype == NpyDtype::kFloat32);
  CHECK(a.ints.empty());
  REQUIRE(a.floats.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) CHECK(FloatBits(a.floats[i]) == FloatBits(values[i]));
  const FloatTensor t = ToFloatTensor(a, path);
  CHECK(t.shape == Shape{2, 5});
  CHECK(std::signbit(t.data[4]));
}

TEST_CASE("scalar and zero-size shapes round-trip", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("s.npy");
  SECTION("scalar") {
    WriteNpy(path, NpyArray{{}, NpyDtype::kInt16, {-7}, {}});
    CHECK_THAT(ReadFileBytes(path), Contains("'shape': (), }"));
    const NpyArray a = ReadNpy(path);
    CHECK(a.shape.empty());
    CHECK(a.ints == std::vector<int64_t>{-7});
  }
  SECTION("float scalar") {
    WriteNpy(path, FloatTensor(Shape{}, std::vector<float>{2.5f}));
    CHECK(ReadNpy(path).floats == std::vector<float>{2.5f});
  }
  for (const Shape& shape : {Shape{0}, Shape{3, 0, 2}, Shape{0, 0}}) {
    DYNAMIC_SECTION("zero-size " << ShapeToString(shape)) {
      WriteNpy(path, IntTensor(shape), NpyDtype::kInt32);
      CHECK(fs::file_size(path) == 128);  // header only
      const NpyArray a = ReadNpy(path);
      CHECK(a.shape == shape);
      CHECK(a.ints.empty());
      CHECK(a.floats.empty());
      CHECK(ToIntTensor(a, path).data.empty());
    }
  }
}

TEST_CASE("WriteNpy output is byte-identical to numpy.save", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("w.npy");
  SECTION("int8 2x3") {
    const std::string dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
    REQUIRE(dict.size() == 59);
    // 10 prefix bytes + 118 header bytes (dict, 58 spaces, '\n') = 128, a multiple of 64.
    const std::string expected = std::string("\x93NUMPY", 6) + Bytes({1, 0, 118, 0}) + dict +
                                 std::string(58, ' ') + "\n" +
                                 Bytes({0x80, 0xff, 0x00, 0x01, 0x02, 0x7f});
    REQUIRE(expected.size() == 134);
    WriteNpy(path, IntTensor({2, 3}, {-128, -1, 0, 1, 2, 127}), NpyDtype::kInt8);
    CHECK(ReadFileBytes(path) == expected);
  }
  SECTION("int16 1-d, little-endian") {
    const std::string dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }";
    const std::string expected = std::string("\x93NUMPY", 6) + Bytes({1, 0, 118, 0}) + dict +
                                 std::string(118 - dict.size() - 1, ' ') + "\n" +
                                 Bytes({0xfe, 0xff, 0x02, 0x01, 0xff, 0x7f});
    WriteNpy(path, IntTensor({3}, {-2, 258, 32767}), NpyDtype::kInt16);
    CHECK(ReadFileBytes(path) == expected);
  }
  SECTION("spare room to grow axis 0") {
    // numpy.save adds 21 - len(str(shape[0])) spaces after the dict before padding to 64; for
    // this rank-15 shape that pushes the data start from 128 to 192.
    const std::string dict =
        "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
        "1, 1), }";
    REQUIRE(dict.size() == 98);
    const std::string expected = std::string("\x93NUMPY", 6) + Bytes({1, 0, 182, 0}) + dict +
                                 std::string(182 - dict.size() - 1, ' ') + "\n" + Bytes({7});
    WriteNpy(path, IntTensor(Shape(15, 1), 7), NpyDtype::kUint8);
    CHECK(ReadFileBytes(path) == expected);
  }
  SECTION("float32 scalar") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    const std::string expected = std::string("\x93NUMPY", 6) + Bytes({1, 0, 118, 0}) + dict +
                                 std::string(118 - dict.size() - 1, ' ') + "\n" +
                                 Bytes({0x00, 0x00, 0x80, 0x3f});
    WriteNpy(path, FloatTensor(Shape{}, std::vector<float>{1.0f}));
    CHECK(ReadFileBytes(path) == expected);
  }
}

TEST_CASE("written headers are 64-byte aligned for every rank", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("r.npy");
  for (size_t rank = 0; rank <= 40; ++rank) {
    INFO("rank " << rank);
    const Shape shape(rank, rank % 2 ? 1 : 0);
    WriteNpy(path, IntTensor(shape), NpyDtype::kUint8);
    const std::string bytes = ReadFileBytes(path);
    REQUIRE(bytes.size() >= 10);
    const size_t data_start = 10 + static_cast<unsigned char>(bytes[8]) +
                              256 * static_cast<size_t>(static_cast<unsigned char>(bytes[9]));
    CHECK(data_start % 64 == 0);
    CHECK(bytes[data_start - 1] == '\n');
    CHECK(bytes.size() == data_start + static_cast<size_t>(NumElements(shape)));
    CHECK(ReadNpy(path).shape == shape);
  }
}

TEST_CASE("a header too long for format 1.0 is written as 2.0", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("v2.npy");
  const Shape shape(25000, 1);  // "1, " per dimension: over 65535 header bytes
  WriteNpy(path, IntTensor(shape, 5), NpyDtype::kInt8);
  const std::string bytes = ReadFileBytes(path);
  CHECK(bytes[6] == 2);
  const NpyArray a = ReadNpy(path);
  CHECK(a.shape == shape);
  CHECK(a.ints == std::vector<int64_t>{5});
}

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

TEST_CASE("WriteNpy rejects values that do not fit the dtype", "[npy]") {
  TempDir dir;
  const std::string path = dir.File("w.npy");
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, IntTensor({3}, {1, 128, 300}), NpyDtype::kInt8);
             }),
             Contains(path) && Contains("value 128 at index 1") && Contains("int8 [-128, 127]"));
  CHECK_FALSE(fs::exists(path));  // nothing written
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, IntTensor({2}, {0, -1}), NpyDtype::kUint8);
             }),
             Contains("value -1 at index 1") && Contains("uint8"));
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, IntTensor({1}, std::vector<int32_t>{65536}), NpyDtype::kUint16);
             }),
             Contains("value 65536 at index 0"));
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, NpyArray{{1}, NpyDtype::kInt32, {1LL << 31}, {}});
             }),
             Contains("value 2147483648 at index 0"));

  // Integers as float32 must be exact.
  WriteNpy(path, IntTensor({2}, {16777216, -16777216}), NpyDtype::kFloat32);
  CHECK(ReadNpy(path).floats == std::vector<float>{16777216.0f, -16777216.0f});
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, IntTensor({2}, {0, 16777217}), NpyDtype::kFloat32);
             }),
             Contains("value 16777217 at index 1") && Contains("float32"));
  CHECK_THAT(InputErrorMessage([&] {
               WriteNpy(path, IntTensor({1}, std::vector<int32_t>{INT32_MAX}), NpyDtype::kFloat32);
             }),
             Contains("value 2147483647 at index 0"));
}

TEST_CASE("WriteNpy reports unwritable paths and rejects inconsistent arrays", "[npy]") {
  TempDir dir;
  const std::string bad = dir.File("no_such_dir/x.npy");
  CHECK_THAT(InputErrorMessage([&] { WriteNpy(bad, FloatTensor({1}, 0.0f)); }),
             Contains(bad) && Contains("cannot open for writing"));
  const std::string path = dir.File("x.npy");
  CHECK_THROWS_AS(WriteNpy(path, NpyArray{{2, 2}, NpyDtype::kInt8, {1, 2, 3}, {}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WriteNpy(path, NpyArray{{1}, NpyDtype::kInt8, {1}, {1.0f}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WriteNpy(path, NpyArray{{-1}, NpyDtype::kInt8, {}, {}}), std::invalid_argument);
}

TEST_CASE("ToIntTensor and ToFloatTensor check the dtype and range", "[npy]") {
  const std::string path = "in/x.npy";
  const NpyArray u16{{2}, NpyDtype::kUint16, {0, 65535}, {}};
  const IntTensor t = ToIntTensor(u16, path);
  CHECK(t.shape == Shape{2});
  CHECK(t.data == std::vector<int32_t>{0, 65535});

  const NpyArray i64{{3}, NpyDtype::kInt64, {INT32_MIN, INT32_MAX, int64_t{INT32_MAX} + 1}, {}};
  CHECK_THAT(
      InputErrorMessage([&] { ToIntTensor(i64, path); }),
      Contains(path) && Contains("value 2147483648 at index 2") && Contains("does not fit int32"));
  const NpyArray i64_low{{2}, NpyDtype::kInt64, {0, int64_t{INT32_MIN} - 1}, {}};
  CHECK_THAT(InputErrorMessage([&] { ToIntTensor(i64_low, path); }),
             Contains("value -2147483649 at index 1"));

  const NpyArray f32{{1}, NpyDtype::kFloat32, {}, {1.0f}};
  CHECK_THAT(InputErrorMessage([&] { ToIntTensor(f32, path); }),
             Contains(path) && Contains("float32"));
  CHECK(ToFloatTensor(f32, path).data == std::vector<float>{1.0f});
  CHECK_THAT(InputErrorMessage([&] { ToFloatTensor(u16, path); }),
             Contains(path) && Contains("expected a float32 array, got uint16"));
}

}  // namespace
}  // namespace quasar::models
