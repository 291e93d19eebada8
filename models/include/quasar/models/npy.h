#pragma once
// Reading and writing NumPy .npy files (NumPy NEP 1 / numpy/lib/format.py).
//
// ReadNpy accepts format versions 1.0, 2.0 and 3.0, little- and big-endian data (byte-swapped on
// read) and fortran_order arrays (transposed into row-major on read). It rejects, with an
// InputError naming the file, anything it cannot represent exactly: other dtypes, object and
// structured dtypes, malformed headers, and a data section whose size does not match the header
// exactly (both truncated data and trailing bytes after the data are errors).
//
// WriteNpy writes format 1.0 (2.0 only if the header would not fit 1.0's 16-bit length), C order,
// little-endian descr ('|i1'/'|u1' for the byte types, as NumPy writes them), with the header
// padded exactly as numpy.save pads it, so the output is byte-identical to NumPy's.

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/int_type.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

enum class NpyDtype { kInt8, kUint8, kInt16, kUint16, kInt32, kInt64, kFloat32 };

// "int8", "uint8", "int16", "uint16", "int32", "int64", "float32".
std::string NpyDtypeName(NpyDtype dtype);

// The contents of one .npy file: a row-major array of one of the supported dtypes.
struct NpyArray {
  Shape shape;  // empty shape = scalar (1 element)
  NpyDtype dtype = NpyDtype::kInt32;
  std::vector<int64_t> ints;  // filled for integer dtypes (row-major), empty otherwise
  std::vector<float> floats;  // filled for float32, empty otherwise
};

// Reads `path`. Throws InputError (message starts with the path) if the file cannot be read, is
// not a well-formed .npy file, or holds an unsupported dtype.
NpyArray ReadNpy(const std::string& path);

// Writes `a` to `path`. Throws InputError if the file cannot be written or a value in `a.ints` does
// not fit `a.dtype`; throws std::invalid_argument if `a` is inconsistent (negative dimension, or
// the element count of `a.shape` does not match the vector of its dtype, or the other is
// non-empty), which is a caller bug.
void WriteNpy(const std::string& path, const NpyArray& a);

// Integer dtypes only (float32 is an InputError). int64 values outside the int32 range are an
// InputError naming the first bad index and value. `path` is only used in messages.
IntTensor ToIntTensor(const NpyArray& a, const std::string& path);

// float32 only, anything else is an InputError. `path` is only used in messages.
FloatTensor ToFloatTensor(const NpyArray& a, const std::string& path);

// Writes `t` as `dtype`. InputError if a value does not fit `dtype` (naming index and value); for
// kFloat32 a value fits if float32 represents it exactly (|v| <= 2^24 always does).
void WriteNpy(const std::string& path, const IntTensor& t, NpyDtype dtype);

// The smallest dtype that holds every value of `type` (binary and ternary as int8).
NpyDtype NpyDtypeFor(const IntType& type);

// Writes `t` as float32.
void WriteNpy(const std::string& path, const FloatTensor& t);

}  // namespace quasar::models
