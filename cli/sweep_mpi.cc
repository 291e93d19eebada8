// The MPI transport of `quasar sweep` (sweep_mpi.h) on MPI's C API (MPI 3.1 standard,
// https://www.mpi-forum.org/docs/mpi-3.1/mpi31-report.pdf: MPI_Init_thread 12.4.3, MPI_Ibcast and
// MPI_Ibarrier 5.12, MPI_Isend/MPI_Test 3.7, MPI_Recv 3.2, MPI_Iprobe and MPI_Get_count 3.8,
// MPI_Abort 8.7).

// The C API only: without these, Open MPI's and MPICH's mpi.h also declare their deprecated C++
// bindings (removed in MPI 3.0), whose casts fail -Wcast-function-type.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "sweep_mpi.h"

namespace quasar::cli {
namespace {

// kTagRows: rows, each an 8-byte configuration index, the 8-byte length of its CSV line, then
// the line. A rank sends its rows in batches: one message per row cost a rank about 0.5 ms a row
// (the send's completion waits for rank 0's next call into MPI), which on a sweep of cheap rows
// made 2 ranks 6 times slower than one process (docs/sweep.md, "Scaling measured here").
constexpr int kTagRows = 1;
constexpr int kTagEnd = 2;  // empty: the sender has sent all its rows
// A batch goes when it holds this many bytes, or when a row comes this long after the last batch
// went (so rank 0's rows file lags a slow rank by one row at most, and a fast one by this long).
constexpr size_t kBatchBytes = 64 << 10;
constexpr auto kBatchAge = std::chrono::milliseconds(20);

// Waits for a non-blocking operation, yielding the core between tests: Open MPI's blocking
// calls poll without yielding when a rank has a core to itself (MCA mpi_yield_when_idle), which
// takes a core from the ranks still evaluating configurations on the same machine (measured on
// 2 cores: bench/sweep_mpi_scaling.sh's sweep on 2 ranks took 2.8-4.5 s with blocking calls,
// 1.3-1.6 s with this).
void Wait(MPI_Request* request) {
  int done = 0;
  for (;;) {
    MPI_Test(request, &done, MPI_STATUS_IGNORE);
    if (done) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

bool UnderLauncher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(var) != nullptr) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool SweepMpi::Available() { return true; }

std::unique_ptr<SweepMpi> SweepMpi::Start(bool forced) {
  if (!forced && !UnderLauncher()) {
    return nullptr;
  }
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<SweepMpi>(new SweepMpi(rank, size));
}

SweepMpi::~SweepMpi() {
  // Every rank reaches this point before MPI_Finalize, whose own synchronization polls.
  MPI_Request barrier;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
  Wait(&barrier);
  MPI_Finalize();
}

void SweepMpi::Broadcast(std::vector<char>* bytes) {
  uint64_t n = bytes->size();
  MPI_Request request;
  MPI_Ibcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request);
  Wait(&request);
  bytes->resize(n);
  // In pieces: MPI counts are ints.
  constexpr uint64_t kPiece = 1u << 30;
  for (uint64_t at = 0; at < n; at += kPiece) {
    const int len = static_cast<int>(std::min(kPiece, n - at));
    MPI_Ibcast(bytes->data() + at, len, MPI_CHAR, 0, MPI_COMM_WORLD, &request);
    Wait(&request);
  }
}

void SweepMpi::SendRow(size_t index, const std::string& line) {
  const uint64_t header[2] = {index, line.size()};
  const size_t at = batch_.size();
  batch_.resize(at + sizeof header);
  std::memcpy(batch_.data() + at, header, sizeof header);
  batch_ += line;
  const auto now = std::chrono::steady_clock::now();
  if (batch_.size() >= kBatchBytes || now - last_sent_ >= kBatchAge) {
    Flush();
  }
}

void SweepMpi::Flush() {
  if (batch_.empty()) {
    return;
  }
  MPI_Request request;
  MPI_Isend(batch_.data(), static_cast<int>(batch_.size()), MPI_CHAR, 0, kTagRows, MPI_COMM_WORLD,
            &request);
  Wait(&request);
  batch_.clear();
  last_sent_ = std::chrono::steady_clock::now();
}

void SweepMpi::SendEnd() {
  Flush();
  MPI_Request request;
  MPI_Isend(nullptr, 0, MPI_CHAR, 0, kTagEnd, MPI_COMM_WORLD, &request);
  Wait(&request);
}

void SweepMpi::Receive(bool wait, const std::function<void(size_t, std::string)>& sink) {
  std::string buffer;
  while (ended_ < size_ - 1) {
    MPI_Status status;
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (!flag && !wait) {
      return;
    }
    if (!flag) {  // not MPI_Probe, which polls (Wait above)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    buffer.resize(static_cast<size_t>(count));
    MPI_Recv(buffer.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kTagEnd) {
      ++ended_;
      continue;
    }
    for (size_t at = 0; at < buffer.size();) {
      uint64_t header[2];
      std::memcpy(header, buffer.data() + at, sizeof header);
      at += sizeof header;
      sink(static_cast<size_t>(header[0]), buffer.substr(at, header[1]));
      at += header[1];
    }
  }
}

void SweepMpi::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);  // not reached: MPI_Abort ends the process
}

}  // namespace quasar::cli
