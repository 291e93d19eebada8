// RunInSystemCThread (rtl_models.h): one SystemC thread around a body of code.

#include <exception>
#include <systemc>

#include "quasar/sim/rtl/rtl_models.h"

namespace quasar::sim::rtl {
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
    // No sc_stop(): the models run no free clock, so the simulation ends with this thread
    // (and sc_stop would print an info line on stdout, into a JSON report).
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

}  // namespace quasar::sim::rtl
