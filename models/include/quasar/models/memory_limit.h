#pragma once
// The allocation limit (issue 19, part 2, "Allocations are bounded"): a tensor, padded input,
// network run, dataset, ONNX initializer or sweep whose size, decided from user input, exceeds
// the limit is refused before anything is allocated, with an InputError (exit code 2) giving the
// bytes it would need. The one rule lives here; the places that size a large allocation call
// CheckAllocation.
//
// The limit, in bytes, is in order of precedence:
//   1. SetMemoryLimit (the `quasar --memory-limit SIZE` option; tests),
//   2. the environment variable QUASAR_MEMORY_LIMIT,
//   3. half of the physical memory (DefaultMemoryLimit).
// SIZE is a whole number of bytes with an optional suffix K, M, G or T (powers of 1024; KiB,
// MiB, GiB, TiB and KB, MB, GB, TB read the same), e.g. 512M or 16G.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quasar::models {

// The environment variable and the command-line option that set the limit (for messages).
inline constexpr char kMemoryLimitEnv[] = "QUASAR_MEMORY_LIMIT";
inline constexpr char kMemoryLimitOption[] = "--memory-limit";

// Parses SIZE as described above; an empty, negative, zero, fractional or overflowing value, or
// an unknown suffix, is an InputError naming `source` (the option or the variable) and the value.
uint64_t ParseMemorySize(const std::string& text, const std::string& source);

// The physical memory, from sysconf (16 GiB if sysconf cannot tell), and half of it.
uint64_t PhysicalMemoryBytes();
uint64_t DefaultMemoryLimit();

// The limit in force: the value set by SetMemoryLimit, else QUASAR_MEMORY_LIMIT (read on first
// use; a bad value is an InputError naming the variable), else DefaultMemoryLimit(). Thread-safe.
uint64_t MemoryLimit();

// Sets the limit for the rest of the process (0 returns to the environment and the default).
void SetMemoryLimit(uint64_t bytes);

// Throws InputError "<what> would need N bytes (X GiB), over the memory limit of ..." when
// `bytes` exceeds `limit` (by default MemoryLimit()).
void CheckAllocation(uint64_t bytes, const std::string& what);
void CheckAllocation(uint64_t bytes, const std::string& what, uint64_t limit);

// Sizes in bytes, saturating at UINT64_MAX on overflow (which no limit admits), so a product of
// hostile dimensions is refused rather than wrapped; a negative dimension saturates too.
uint64_t SaturatingMul(uint64_t a, uint64_t b);
uint64_t SaturatingAdd(uint64_t a, uint64_t b);
uint64_t ShapeBytes(const std::vector<int64_t>& shape, uint64_t element_bytes);

// "1.5 GiB", "512.0 MiB", "100 bytes": a human-readable size.
std::string FormatBytes(uint64_t bytes);

}  // namespace quasar::models
