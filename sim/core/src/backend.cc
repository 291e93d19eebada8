#include "quasar/sim/core/backend.h"

#include <stdexcept>

#include "quasar/models/error.h"

namespace quasar::sim {

void Backend::Check(const models::ArchSpec&, const RunOptions&) const {}

void Backend::RunOnArray(
    const models::ArchSpec& arch, const RunOptions&,
    const std::function<void(cycle::ArrayIf&, const cycle::ArrayWidths&)>&) const {
  throw InputError("the " + Title(arch) + " has no PE array to run a GEMM on");
}

void RequireQuasarConventions(const models::ArchSpec& arch, const std::string& backend) {
  if (arch.conventions != models::Conventions::kQuasar) {
    throw InputError(arch.file + ": conventions: " + models::ConventionsName(arch.conventions) +
                     " is a mode of the analytical model; the " + backend +
                     " runs Quasar's own tiles (use --backend analytical, or conventions: "
                     "quasar)");
  }
}

void BackendRegistry::Add(BackendInfo info) {
  if (Find(info.name) != nullptr) {
    throw std::logic_error("backend '" + info.name + "' registered twice");
  }
  backends_.push_back(std::move(info));
}

const BackendInfo* BackendRegistry::Find(const std::string& name) const {
  for (const BackendInfo& b : backends_) {
    if (b.name == name) {
      return &b;
    }
  }
  return nullptr;
}

const BackendInfo& BackendRegistry::Get(const std::string& name, const std::string& flag) const {
  if (const BackendInfo* b = Find(name)) {
    return *b;
  }
  std::string names;
  for (const BackendInfo& b : backends_) {
    names += (names.empty() ? "" : ", ") + b.name;
  }
  throw InputError(flag + ": unknown backend '" + name + "' (this build has: " + names + ")");
}

std::vector<std::string> BackendRegistry::Names() const {
  std::vector<std::string> names;
  for (const BackendInfo& b : backends_) {
    names.push_back(b.name);
  }
  return names;
}

}  // namespace quasar::sim
