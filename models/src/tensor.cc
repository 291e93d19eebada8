#include "quasar/models/tensor.h"

#include "quasar/models/memory_limit.h"

namespace quasar::models {

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

size_t CheckedTensorElements(const Shape& shape, size_t element_bytes) {
  const uint64_t bytes = ShapeBytes(shape, element_bytes);
  const uint64_t limit = MemoryLimit();
  if (bytes > limit) {  // the message is formed only when needed: tensors are made often
    CheckAllocation(bytes,
                    "a tensor of shape " + ShapeToString(shape) + " (" +
                        std::to_string(element_bytes) + " bytes per element)",
                    limit);
  }
  return static_cast<size_t>(bytes / element_bytes);
}

}  // namespace quasar::models
