// Fuzz target: the ONNX importer (docs/onnx-import.md): float, QDQ, QOperator and QONNX models,
// ImportOnnx on a file (it reads paths only).
#include "fuzz_util.h"
#include "quasar/models/onnx/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const quasar::fuzz::TempFile file(quasar::fuzz::Text(data, size), ".onnx");
  return quasar::fuzz::AcceptInputErrors([&] { quasar::models::ImportOnnx(file.path()); });
}
