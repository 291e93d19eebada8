#pragma once
// Dense row-major tensors with a shape. Quantized tensors store int32_t values whatever their
// hardware width (see int_type.h); float tensors store float. Activations are NCHW, convolution
// weights OIHW, fully-connected weights [out, in] (PyTorch's layouts).

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace quasar::models {

using Shape = std::vector<int64_t>;

inline int64_t NumElements(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

std::string ShapeToString(const Shape& shape);  // "[1, 3, 224, 224]"

template <typename T>
struct Tensor {
  Shape shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(Shape s, T fill = T{})
      : shape(std::move(s)), data(static_cast<size_t>(NumElements(shape)), fill) {}
  Tensor(Shape s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {}

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[static_cast<size_t>(i)]; }
  T& operator[](int64_t i) { return data[static_cast<size_t>(i)]; }
  const T& operator[](int64_t i) const { return data[static_cast<size_t>(i)]; }
};

using IntTensor = Tensor<int32_t>;
using FloatTensor = Tensor<float>;

}  // namespace quasar::models
