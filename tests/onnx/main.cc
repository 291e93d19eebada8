// Catch2 entry point of the ONNX conformance-test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
