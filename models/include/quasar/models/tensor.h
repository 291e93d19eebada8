#pragma once
// Dense row-major tensors with a shape. Quantized tensors store int32_t values whatever their
// hardware width (see int_type.h); float tensors store float. Activations are NCHW, convolution
// weights OIHW, fully-connected weights [out, in] (PyTorch's layouts).

#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace quasar::models {

using Shape = std::vector<int64_t>;

inline int64_t NumElements(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

std::string ShapeToString(const Shape& shape);  // "[1, 3, 224, 224]"

// The element count of a tensor of `shape` about to be allocated with `element_bytes` per
// element: an InputError naming the shape and the bytes it would need when they exceed the
// memory limit (memory_limit.h), checked before anything is allocated.
size_t CheckedTensorElements(const Shape& shape, size_t element_bytes);

template <typename T>
struct Tensor {
  Shape shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(Shape s, T fill = T{})
      : shape(std::move(s)), data(CheckedTensorElements(shape, sizeof(T)), fill) {}
  Tensor(Shape s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {}

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[static_cast<size_t>(i)]; }
  T& operator[](int64_t i) { return data[static_cast<size_t>(i)]; }
  const T& operator[](int64_t i) const { return data[static_cast<size_t>(i)]; }
};

using IntTensor = Tensor<int32_t>;
using FloatTensor = Tensor<float>;

// A float32's bits. Two floats are equal bit for bit when these are: a NaN equals a NaN of the
// same bits, and +0 differs from -0.
inline uint32_t Float32Bits(float v) {
  uint32_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

}  // namespace quasar::models
