// The allocation limit (quasar/models/memory_limit.h, docs/reliability.md "Allocations are
// bounded"): its parser, its sources (option, environment, default), CheckAllocation's arithmetic,
// and every kind of allocation decided from input refused over a small limit, before allocating,
// with the bytes it would need.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <limits>

#include "npy_test_util.h"
#include "quasar/models/data/dataset.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/tensor.h"

namespace quasar::models {
namespace {

using Catch::Matchers::Contains;
using npy_test::InputErrorMessage;
using npy_test::NpyFile;
using npy_test::TempDir;
using npy_test::WriteFileBytes;

// Sets the limit for one test and returns to the environment and the default after it.
class LimitGuard {
 public:
  explicit LimitGuard(uint64_t bytes) { SetMemoryLimit(bytes); }
  ~LimitGuard() { SetMemoryLimit(0); }
  LimitGuard(const LimitGuard&) = delete;
  LimitGuard& operator=(const LimitGuard&) = delete;
};

// Sets QUASAR_MEMORY_LIMIT for one test (unset when `value` is null), restoring it after.
class EnvGuard {
 public:
  explicit EnvGuard(const char* value) {
    const char* old = std::getenv(kMemoryLimitEnv);
    had_ = old != nullptr;
    old_ = had_ ? old : "";
    Set(value);
  }
  ~EnvGuard() { Set(had_ ? old_.c_str() : nullptr); }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  static void Set(const char* value) {
    if (value != nullptr) {
      setenv(kMemoryLimitEnv, value, 1);
    } else {
      unsetenv(kMemoryLimitEnv);
    }
  }
  bool had_ = false;
  std::string old_;
};

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST_CASE("memory sizes: bytes with an optional K, M, G or T suffix", "[memory_limit]") {
  CHECK(ParseMemorySize("1", "--memory-limit") == 1);
  CHECK(ParseMemorySize("4096", "--memory-limit") == 4096);
  CHECK(ParseMemorySize("100B", "x") == 100);
  CHECK(ParseMemorySize("1K", "x") == 1024);
  CHECK(ParseMemorySize("1k", "x") == 1024);
  CHECK(ParseMemorySize("1KiB", "x") == 1024);
  CHECK(ParseMemorySize("1kb", "x") == 1024);
  CHECK(ParseMemorySize("512M", "x") == uint64_t{512} << 20);
  CHECK(ParseMemorySize("16G", "x") == uint64_t{16} << 30);
  CHECK(ParseMemorySize("2T", "x") == uint64_t{2} << 40);
  CHECK(ParseMemorySize("16777215T", "x") == uint64_t{16777215} << 40);
  CHECK(ParseMemorySize("18446744073709551615", "x") == kMax);
}

TEST_CASE("bad memory sizes are InputErrors naming the option or variable and the value",
          "[memory_limit]") {
  for (const char* bad : {"", "-1", "1.5G", "0", "0M", "12X", "1 G", "G", "1GG", "0x10",
                          "18446744073709551616", "16777216T", "99999999999999999999999"}) {
    INFO("value '" << bad << "'");
    CHECK_THAT(InputErrorMessage([&] { ParseMemorySize(bad, "--memory-limit"); }),
               Contains("--memory-limit: '" + std::string(bad) + "' is not a memory size"));
  }
  CHECK_THAT(InputErrorMessage([] { ParseMemorySize("1.5G", kMemoryLimitEnv); }),
             Contains("QUASAR_MEMORY_LIMIT: '1.5G'"));
  CHECK_THAT(InputErrorMessage([] { ParseMemorySize("12X", "o"); }),
             Contains("unknown suffix 'X'"));
  CHECK_THAT(InputErrorMessage([] { ParseMemorySize("16777216T", "o"); }), Contains("too large"));
}

TEST_CASE("the limit: set, else QUASAR_MEMORY_LIMIT, else half the physical memory",
          "[memory_limit]") {
  SetMemoryLimit(0);
  CHECK(PhysicalMemoryBytes() > 0);
  CHECK(DefaultMemoryLimit() == PhysicalMemoryBytes() / 2);
  {
    EnvGuard env(nullptr);
    CHECK(MemoryLimit() == DefaultMemoryLimit());
  }
  {
    EnvGuard env("3M");
    CHECK(MemoryLimit() == uint64_t{3} << 20);
    LimitGuard set(1000);
    CHECK(MemoryLimit() == 1000);  // the option wins over the variable
  }
  {
    EnvGuard env("lots");
    CHECK_THAT(InputErrorMessage([] { MemoryLimit(); }),
               Contains("QUASAR_MEMORY_LIMIT: 'lots' is not a memory size"));
    // Any allocation check then names the variable rather than passing silently.
    CHECK_THAT(InputErrorMessage([] { IntTensor t({2, 2}); }), Contains("QUASAR_MEMORY_LIMIT"));
  }
}

TEST_CASE("CheckAllocation: sizes formed without overflow, refused over the limit",
          "[memory_limit]") {
  CHECK(SaturatingMul(uint64_t{1} << 32, uint64_t{1} << 31) == uint64_t{1} << 63);
  CHECK(SaturatingMul(uint64_t{1} << 32, uint64_t{1} << 32) == kMax);
  CHECK(SaturatingAdd(kMax - 1, 1) == kMax);
  CHECK(SaturatingAdd(kMax, 1) == kMax);
  CHECK(ShapeBytes({2, 3, 4}, 4) == 96);
  CHECK(ShapeBytes({}, 8) == 8);  // a scalar
  CHECK(ShapeBytes({int64_t{1} << 40, 0}, 4) == 0);
  CHECK(ShapeBytes({int64_t{1} << 40, int64_t{1} << 40}, 4) == kMax);  // 2^82: saturates
  CHECK(ShapeBytes({3, -1}, 4) == kMax);
  CHECK(FormatBytes(100) == "100 bytes");
  CHECK(FormatBytes(1536) == "1.5 KiB");
  CHECK(FormatBytes(uint64_t{3} << 30) == "3.0 GiB");

  CHECK_NOTHROW(CheckAllocation(1024, "x", 1024));
  CHECK_THAT(InputErrorMessage([] { CheckAllocation(2048, "the thing", 1024); }),
             Contains("the thing would need 2048 bytes (2.0 KiB), over the memory limit of "
                      "1.0 KiB") &&
                 Contains("--memory-limit") && Contains("QUASAR_MEMORY_LIMIT"));
  CHECK_THAT(InputErrorMessage([] { CheckAllocation(kMax, "the thing", kMax - 1); }),
             Contains("the thing would need more than 2^64 bytes"));
  LimitGuard limit(1 << 20);
  CHECK_NOTHROW(CheckAllocation(1 << 20, "x"));
  CHECK_THAT(InputErrorMessage([] { CheckAllocation((1 << 20) + 1, "x"); }),
             Contains("over the memory limit of 1.0 MiB"));
}

TEST_CASE("a tensor over the limit is refused before it is allocated", "[memory_limit]") {
  LimitGuard limit(1 << 20);
  CHECK(IntTensor({1, 1, 256, 256}).size() == 65536);  // 256 KiB
  CHECK(FloatTensor(Shape{}).size() == 1);
  CHECK_THAT(InputErrorMessage([] {
               IntTensor t({1, 1, 1024, 1024});
             }),
             Contains("a tensor of shape [1, 1, 1024, 1024] (4 bytes per element) would need "
                      "4194304 bytes (4.0 MiB)"));
  // The shape of issue 19, and one whose product overflows 64 bits.
  CHECK_THAT(InputErrorMessage([] {
               FloatTensor t({1, 100000, 100000, 3});
             }),
             Contains("would need 120000000000 bytes (111.8 GiB)"));
  CHECK_THAT(InputErrorMessage([] {
               Tensor<int64_t> t({int64_t{1} << 40, int64_t{1} << 40});
             }),
             Contains("would need more than 2^64 bytes"));
}

TEST_CASE("a padded convolution input over the limit is refused before it is allocated",
          "[memory_limit]") {
  const IntTensor x({1, 1, 4, 4}, 1), w({1, 1, 1, 1}, 1);
  IntConvParams p;
  p.geometry.pad_top = p.geometry.pad_bottom = p.geometry.pad_left = p.geometry.pad_right = 1000;
  LimitGuard limit(1 << 20);
  CHECK_THAT(InputErrorMessage([&] { Conv2dAccumulate(x, w, {}, p, nullptr); }),
             Contains("the padded convolution input [1, 1, 2004, 2004]") &&
                 Contains("padding 1000/1000/1000/1000") && Contains("would need 16064064 bytes"));
  p.geometry.pad_top = p.geometry.pad_bottom = p.geometry.pad_left = p.geometry.pad_right = 1;
  CHECK(Conv2dAccumulate(x, w, {}, p, nullptr).shape == Shape{1, 1, 6, 6});
}

TEST_CASE("a .npy file whose data or decoded values exceed the limit is refused",
          "[memory_limit]") {
  TempDir dir;
  const std::string path = dir.File("a.npy");
  const std::string bytes = NpyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (1000,), }",
                                    std::string(1000, '\1'));
  WriteFileBytes(path, bytes);
  const uint64_t file = bytes.size();  // 1000 bytes of data after the header
  CHECK(ReadNpy(path).ints.size() == 1000);
  {
    LimitGuard limit(2000);  // the file fits; its 1000 int64 values do not
    CHECK_THAT(InputErrorMessage([&] { ReadNpy(path); }),
               Contains(path + ": decoding shape [1000] of int8 would need " +
                        std::to_string(file + 8000) + " bytes"));
  }
  {
    LimitGuard limit(100);
    CHECK_THAT(InputErrorMessage([&] { ReadNpy(path); }),
               Contains(path + ": reading the file would need " + std::to_string(file) + " bytes"));
  }
}

TEST_CASE("a network run whose tensors exceed the limit is refused before it starts",
          "[memory_limit]") {
  const NetworkSpec net = ParseNetwork(R"(
version: 1
name: wide
inputs: [{name: x, shape: [1, 3, 64, 64]}]
layers:
  - {name: c, op: conv2d, out_channels: 8, kernel: 3, padding: 1}
)",
                                       "wide.yaml");
  CHECK(NetworkTensorBytes(net, 4) == (3 + 8) * 64 * 64 * 4);
  const FloatNetParams params = MakeFloatParams(net, 1);
  const auto inputs = MakeInputs(net, 1, 0);
  LimitGuard limit(100000);
  CHECK_THAT(InputErrorMessage([&] { RunFloatNetwork(net, params, inputs); }),
             Contains("network wide: the float reference run (its inputs and 1 layer outputs, "
                      "4 bytes per element) would need 180224 bytes"));
}

TEST_CASE("datasets over the limit are refused before their data are read", "[memory_limit]") {
  TempDir dir;
  const std::string csv = dir.File("d.csv");
  WriteFileBytes(csv, "1,2,3,0\n4,5,6,1\n7,8,9,2\n");  // 24 bytes
  {
    LimitGuard limit(64);
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(csv, 1); }),
               Contains(csv + ": parsing 24 bytes of CSV") && Contains("would need 96 bytes"));
  }
  {
    LimitGuard limit(16);
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(csv, 1); }),
               Contains(csv + ": the contents (decompressed, read so far) would need 24 bytes"));
  }
  // IDX: 3 images of 2x2, held as bytes then as floats: 12 * 5 bytes.
  const std::string images = dir.File("m-images-idx3-ubyte");
  std::string idx = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
  idx += std::string(12, '\1');
  WriteFileBytes(images, idx);
  WriteFileBytes(dir.File("m-labels-idx1-ubyte"), std::string{0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2});
  CHECK_NOTHROW(LoadDataset(images, 1));
  LimitGuard limit(50);
  CHECK_THAT(
      InputErrorMessage([&] { LoadDataset(images, 1); }),
      Contains(images + ": reading and converting 3 samples of 4 bytes would need 60 bytes"));
}

}  // namespace
}  // namespace quasar::models
