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

}  // namespace quasar::models
