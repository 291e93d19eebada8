#pragma once
// The one thread pool of the project: runs work(i) for every i in [0, n) on a few threads,
// handing out indices in increasing order. Callers store results by index, so what they compute
// does not depend on the thread count.

#include <cstddef>
#include <functional>

namespace quasar::models {

// The thread count `requested` means: itself when > 0, else every core
// (std::thread::hardware_concurrency(), at least 1).
int ThreadCount(int requested);

// Runs work(i) for i in [0, n) on ThreadCount(threads) threads (never more than n), then
// returns. Without `caller`, the calling thread is one of them; with it, the calling thread runs
// caller() instead (e.g. to hand out finished results in order or report progress) while the
// workers run, and caller() must return once it has nothing more to do. The first exception, of
// a work item or of caller(), stops the hand-out of new indices and is rethrown after every
// thread has finished.
void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& work,
                 const std::function<void()>& caller = {});

// Tells the C library to keep up to 64 MiB of freed memory at the top of each of its arenas
// (so up to 64 MiB more per arena in use) for reuse instead of handing it back to the kernel, and
// to serve blocks below 32 MiB from its arenas (glibc's M_TRIM_THRESHOLD and M_MMAP_THRESHOLD; a
// no-op elsewhere). Threads allocate from arenas of their own (up to 8 per core), and glibc
// returns an arena's freed top with madvise(MADV_DONTNEED), which
// stops every core running the process to flush its TLB: on a sweep whose configurations reuse
// their evaluations that was thousands of calls a second and 40 % of the time on 2 threads
// (docs/benchmarks.md, "Sweep workers that do not wait"). Called once by the programs' main(),
// before any thread starts; outputs do not depend on it.
void KeepFreedMemory();

}  // namespace quasar::models
