#pragma once
// The MPI mode of `quasar sweep` (docs/sweep.md, "Running on a cluster"): the ranks of an
// `mpirun -n N quasar sweep ...` evaluate the configurations round robin in blocks of the
// sweep's runs (sim::explore::SharedCountsRun: rank r those whose index / run % N is r), and
// every rank sends its rows to rank 0, which writes them in configuration order. This is the
// transport only (MPI's C API, sweep_mpi.cc); a build without MPI links sweep_mpi_none.cc, a world
// of one rank. Every call is made from the main thread (MPI_THREAD_FUNNELED).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace quasar::cli {

class SweepMpi {
 public:
  // Initializes MPI when `forced` (the --mpi flag) or when the process was started by an MPI
  // launcher (one of the environment variables OMPI_COMM_WORLD_SIZE of Open MPI's mpirun,
  // PMIX_RANK of PMIx launchers such as Slurm's srun --mpi=pmix, PMI_SIZE of MPICH's Hydra);
  // otherwise returns null and the sweep runs as one process, unchanged. --mpi in a build
  // without MPI is an InputError.
  static std::unique_ptr<SweepMpi> Start(bool forced);
  static bool Available();  // built with MPI
  ~SweepMpi();              // MPI_Finalize

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Rank 0's `bytes` to every rank (the others' are resized to it).
  void Broadcast(std::vector<char>* bytes);
  // From a rank other than 0: one row (configuration `index`, its CSV line) to rank 0, sent
  // with others in a batch (sweep_mpi.cc), and the message that this rank has sent all its rows
  // (after the last batch).
  void SendRow(size_t index, const std::string& line);
  void SendEnd();
  // On rank 0: hands every row that has arrived to `sink`; with `wait`, keeps receiving until
  // every other rank has sent its end message.
  void Receive(bool wait, const std::function<void(size_t, std::string)>& sink);
  // Ends every rank of the job with this exit code (after an error on one rank).
  [[noreturn]] void Abort(int code);

 private:
  SweepMpi(int rank, int size) : rank_(rank), size_(size) {}
  int rank_ = 0, size_ = 1;
  int ended_ = 0;  // rank 0: how many ranks have sent their end message
  // Ranks other than 0: rows not sent yet, and when the last batch went.
  void Flush();
  std::string batch_;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
};

}  // namespace quasar::cli
