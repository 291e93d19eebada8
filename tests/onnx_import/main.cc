// Catch2 entry point of the ONNX import tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
