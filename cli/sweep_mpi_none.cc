// A build without MPI (CMake QUASAR_MPI=OFF, or AUTO without MPI's C API): `quasar sweep` always
// runs as one process (sweep_mpi.h).

#include <cstdlib>

#include "quasar/models/error.h"
#include "sweep_mpi.h"

namespace quasar::cli {

bool SweepMpi::Available() { return false; }

std::unique_ptr<SweepMpi> SweepMpi::Start(bool forced) {
  if (forced) {
    throw InputError("--mpi: this quasar was built without MPI (CMake option QUASAR_MPI; "
                     "scripts/install-deps.sh installs libopenmpi-dev)");
  }
  return nullptr;
}

SweepMpi::~SweepMpi() = default;
void SweepMpi::Broadcast(std::vector<char>*) {}
void SweepMpi::SendRow(size_t, const std::string&) {}
void SweepMpi::SendEnd() {}
void SweepMpi::Receive(bool, const std::function<void(size_t, std::string)>&) {}
void SweepMpi::Abort(int code) { std::exit(code); }

}  // namespace quasar::cli
