// Catch2 entry point of the RTL tests (see tests/cycle/main.cc: libsystemc.so brings its own
// main(), which would call sc_main(); this program drives SystemC itself).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

extern "C" int sc_main(int, char**) { return 1; }

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
