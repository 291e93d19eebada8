// The converter registry: every ONNX op type the importer takes, by family. A new op is a
// converter in its family's file plus its line there; a new family is a file and a line here.

#include "importer.h"

namespace quasar::models::onnx_import {

const std::vector<Converter>& Converters() {
  static const std::vector<Converter> all = [] {
    std::vector<Converter> v;
    for (auto family : {ConvConverters, ActivationConverters, PoolConverters, TensorConverters,
                        ConstantConverters, FoldConverters, ElementwiseConverters, NormConverters,
                        ResizeConverters, QdqConverters, QonnxConverters,
                        QonnxTruncConverters, QOperatorConverters, ConvTransposeConverters,
                        IntegerConverters}) {
      const auto f = family();
      v.insert(v.end(), f.begin(), f.end());
    }
    return v;
  }();
  return all;
}

}  // namespace quasar::models::onnx_import
