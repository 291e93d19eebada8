#include "rtl_test_util.h"

#include <exception>
#include <systemc>

namespace quasar::test {
namespace {

class Harness : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Harness);
  Harness(sc_core::sc_module_name name, const std::function<void()>& body)
      : sc_module(name), body_(body) {
    SC_THREAD(Run);
  }
  std::exception_ptr error;

 private:
  void Run() {
    try {
      // Let the models' first evaluation settle (their constant outputs included).
      sc_core::wait(sc_core::SC_ZERO_TIME);
      sc_core::wait(sc_core::SC_ZERO_TIME);
      body_();
    } catch (...) {
      error = std::current_exception();
    }
    sc_core::sc_stop();
  }
  std::function<void()> body_;
};

}  // namespace

void RunInSystemCThread(const std::function<void()>& body) {
  Harness harness("harness", body);
  sc_core::sc_start();
  if (harness.error) {
    std::rethrow_exception(harness.error);
  }
}

models::ArchSpec LoadPreset(const std::string& file) {
  return models::LoadArchSpec(std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators/" + file);
}

}  // namespace quasar::test
