// Catch2's runner and main() for every test executable, compiled once as the object library
// quasar_catch_main (tests/CMakeLists.txt): Catch2's implementation is the largest compile of a
// test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
