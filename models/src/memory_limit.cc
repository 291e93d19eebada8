#include "quasar/models/memory_limit.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "quasar/models/error.h"

namespace quasar::models {
namespace {

constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

// 0: not set; the environment and the default apply.
std::atomic<uint64_t> g_limit{0};

}  // namespace

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

uint64_t ShapeBytes(const std::vector<int64_t>& shape, uint64_t element_bytes) {
  uint64_t bytes = element_bytes;
  for (int64_t d : shape) {
    bytes = d < 0 ? kSaturated : SaturatingMul(bytes, static_cast<uint64_t>(d));
  }
  return bytes;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " bytes";
  }
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    v /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", v, kUnits[unit]);
  return text;
}

uint64_t ParseMemorySize(const std::string& text, const std::string& source) {
  auto fail = [&](const std::string& why) -> uint64_t {
    throw InputError(source + ": '" + text + "' is not a memory size (" + why +
                     "; a whole number of bytes with an optional suffix K, M, G or T, e.g. 512M)");
  };
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (__builtin_mul_overflow(value, uint64_t{10}, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(text[i] - '0'), &value)) {
      return fail("too large");
    }
    ++i;
  }
  if (i == 0) {
    return fail(text.empty() ? "empty" : "it does not start with a digit");
  }
  std::string suffix = text.substr(i);
  for (char& c : suffix) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  int shift = -1;
  const char* const kSuffixes[] = {"K", "M", "G", "T"};
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  }
  for (int k = 0; k < 4 && shift < 0; ++k) {
    const std::string s = kSuffixes[k];
    if (suffix == s || suffix == s + "B" || suffix == s + "IB") {
      shift = 10 * (k + 1);
    }
  }
  if (shift < 0) {
    return fail("unknown suffix '" + text.substr(i) + "'");
  }
  if (value > (kSaturated >> shift)) {
    return fail("too large");
  }
  value <<= shift;
  if (value == 0) {
    return fail("it must be at least 1 byte");
  }
  return value;
}

uint64_t PhysicalMemoryBytes() {
  // sysconf(3): _SC_PHYS_PAGES, the number of pages of physical memory, times _SC_PAGESIZE, the
  // size of a page in bytes (a glibc extension, also on macOS; see the man page's NOTES).
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) {
    return uint64_t{16} << 30;
  }
  return SaturatingMul(static_cast<uint64_t>(pages), static_cast<uint64_t>(page_size));
}

uint64_t DefaultMemoryLimit() {
  static const uint64_t half = PhysicalMemoryBytes() / 2;  // sysconf may be a system call
  return half;
}

uint64_t MemoryLimit() {
  const uint64_t set = g_limit.load(std::memory_order_relaxed);
  if (set != 0) {
    return set;
  }
  // Read on every call until set: cheap next to the allocations it guards, and a bad value is
  // reported where it is used rather than cached.
  const char* env = std::getenv(kMemoryLimitEnv);
  if (env != nullptr) {
    return ParseMemorySize(env, kMemoryLimitEnv);
  }
  return DefaultMemoryLimit();
}

void SetMemoryLimit(uint64_t bytes) { g_limit.store(bytes, std::memory_order_relaxed); }

void CheckAllocation(uint64_t bytes, const std::string& what, uint64_t limit) {
  if (bytes <= limit) {
    return;
  }
  const std::string need = bytes == kSaturated
                               ? "more than 2^64 bytes"
                               : std::to_string(bytes) + " bytes (" + FormatBytes(bytes) + ")";
  throw InputError(what + " would need " + need + ", over the memory limit of " +
                   FormatBytes(limit) + " (set by " + kMemoryLimitOption + " or " +
                   kMemoryLimitEnv + "; by default half the physical memory)");
}

void CheckAllocation(uint64_t bytes, const std::string& what) {
  CheckAllocation(bytes, what, MemoryLimit());
}

}  // namespace quasar::models
