#include "conformance.h"

#include <limits>
#include <stdexcept>

#include "quasar/models/onnx/tensor_proto.h"

namespace quasar::onnx_tests {
using namespace models::onnx_io;  // the TensorProto reader
namespace {

std::vector<std::string>& MutableCheckedTests() {
  static std::vector<std::string> names;
  return names;
}

}  // namespace

bool RegisterCheckedTest(const char* name) {
  MutableCheckedTests().emplace_back(name);
  return true;
}

const std::vector<std::string>& CheckedTests() { return MutableCheckedTests(); }

models::IntType IntTypeOf(int32_t data_type) {
  const int bits = IntegerBits(data_type);
  if (bits == 0 || bits > 32) {
    throw std::runtime_error("no Quasar integer type for ONNX " + DataTypeName(data_type));
  }
  return IsSignedInteger(data_type) ? models::IntType::Signed(bits)
                                    : models::IntType::Unsigned(bits);
}

models::IntTensor ToIntTensor(const onnx::TensorProto& t) {
  const std::vector<int64_t> values = DecodeIntegers(t);
  models::IntTensor out(ShapeOf(t));
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < std::numeric_limits<int32_t>::min() ||
        values[i] > std::numeric_limits<int32_t>::max()) {
      throw std::runtime_error("tensor '" + t.name() + "': value " + std::to_string(values[i]) +
                               " does not fit in int32");
    }
    out.data[i] = static_cast<int32_t>(values[i]);
  }
  return out;
}

std::vector<int32_t> ZeroPoints(const onnx::TensorProto* zero_point) {
  if (zero_point == nullptr) {
    return {0};
  }
  const models::IntTensor values = ToIntTensor(*zero_point);
  if (values.data.empty()) {
    throw std::runtime_error("zero point '" + zero_point->name() + "' is empty");
  }
  return values.data;
}

int32_t ScalarZeroPoint(const onnx::TensorProto* zero_point, const std::string& what) {
  const std::vector<int32_t> values = ZeroPoints(zero_point);
  if (values.size() != 1) {
    throw std::runtime_error(what + " has " + std::to_string(values.size()) +
                             " zero points; only a per-tensor zero point is supported");
  }
  return values[0];
}

models::Conv2dGeometry ConvGeometry(const NodeTest& test, const models::IntTensor& w) {
  const std::string where = test.name() + ": " + test.node().op_type();
  const std::string auto_pad = test.StringAttribute("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    throw std::runtime_error(where + ": auto_pad " + auto_pad + " is not modelled");
  }
  if (w.rank() != 4) {
    throw std::runtime_error(where + ": only 2-D convolution (OIHW weights) is modelled, got " +
                             models::ShapeToString(w.shape));
  }
  const std::vector<int64_t> kernel = test.IntsAttribute("kernel_shape");
  if (!kernel.empty() && kernel != std::vector<int64_t>{w.dim(2), w.dim(3)}) {
    throw std::runtime_error(where + ": kernel_shape disagrees with weights " +
                             models::ShapeToString(w.shape));
  }
  auto pair_or = [&](const char* attribute, int64_t fallback) {
    std::vector<int64_t> v = test.IntsAttribute(attribute);
    if (v.empty()) {
      v = {fallback, fallback};
    }
    if (v.size() != 2) {
      throw std::runtime_error(where + ": " + attribute + " must have 2 entries");
    }
    return v;
  };
  const std::vector<int64_t> strides = pair_or("strides", 1);
  const std::vector<int64_t> dilations = pair_or("dilations", 1);
  std::vector<int64_t> pads = test.IntsAttribute("pads");
  if (pads.empty() || auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  }
  if (pads.size() != 4) {
    throw std::runtime_error(where + ": pads must have 4 entries");
  }
  models::Conv2dGeometry g;
  g.stride_h = strides[0];
  g.stride_w = strides[1];
  g.dilation_h = dilations[0];
  g.dilation_w = dilations[1];
  g.pad_top = pads[0];
  g.pad_left = pads[1];
  g.pad_bottom = pads[2];
  g.pad_right = pads[3];
  g.groups = test.IntAttribute("group", 1);
  return g;
}

}  // namespace quasar::onnx_tests
