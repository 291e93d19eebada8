// Tests of .npy writing, round trips and tensor conversion (format: NumPy NEP 1 / numpy/lib/format.py).

#include <catch2/catch.hpp>

#include "npy_test_util.h"

namespace quasar::models {
namespace {

using namespace npy_test;

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
