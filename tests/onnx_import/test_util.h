#pragma once
// Paths of the ONNX import tests' data and a writer for hand-edited models.

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace quasar::onnx_test {

// tests/data/onnx/<name> (compile definition QUASAR_SOURCE_DIR).
inline std::string DataPath(const std::string& name) {
  return std::string(QUASAR_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

// Writes `bytes` to a file of the temporary directory named `name`; returns its path.
inline std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const auto path = (std::filesystem::temp_directory_path() / ("quasar_onnx_" + name)).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline std::string WriteTemp(const std::string& name, const onnx::ModelProto& m) {
  return WriteTemp(name, m.SerializeAsString());
}

}  // namespace quasar::onnx_test
