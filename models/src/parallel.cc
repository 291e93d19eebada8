// ParallelFor and KeepFreedMemory (parallel.h).

#include "quasar/models/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace quasar::models {

int ThreadCount(int requested) {
  return requested > 0 ? requested
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& work,
                 const std::function<void()>& caller) {
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto fail = [&] {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) {
      error = std::current_exception();
    }
    next = n;  // stop handing out work
  };
  const auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        work(i);
      } catch (...) {
        fail();
      }
    }
  };
  const size_t count = std::min(static_cast<size_t>(ThreadCount(threads)), n);
  std::vector<std::thread> pool;
  for (size_t t = caller ? 0 : 1; t < count; ++t) {
    pool.emplace_back(worker);
  }
  if (caller) {
    try {
      caller();
    } catch (...) {
      fail();
    }
  } else if (count > 0) {
    worker();
  }
  for (auto& t : pool) {
    t.join();
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

void KeepFreedMemory() {
#ifdef __GLIBC__
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // Setting one threshold stops glibc from raising the other as large blocks are freed, which
  // left every allocation of 128 KiB or more to its own mmap and munmap (six times the page
  // faults of a compile); 32 MiB is the most that glibc's own adjustment reaches on 64-bit.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

}  // namespace quasar::models
