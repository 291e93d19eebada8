// Reading and writing NumPy .npy files. Format: NumPy NEP 1 / numpy/lib/format.py.

#include "quasar/models/npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <utility>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"

namespace quasar::models {
namespace {

constexpr char kMagic[] = "\x93NUMPY";       // then the major and minor version bytes
constexpr size_t kAlign = 64;                // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;  // numpy's spare header room for growing axis 0
constexpr char kSupported[] = " (supported: int8, uint8, int16, uint16, int32, int64, float32)";

// The byte layout and value range of one supported dtype.
struct DtypeInfo {
  NpyDtype dtype;
  const char* name;
  char kind;  // 'i', 'u' or 'f', as in a descr
  int size;   // bytes per element
  int64_t min, max;
};

constexpr DtypeInfo kDtypes[] = {
    {NpyDtype::kInt8, "int8", 'i', 1, INT8_MIN, INT8_MAX},
    {NpyDtype::kUint8, "uint8", 'u', 1, 0, UINT8_MAX},
    {NpyDtype::kInt16, "int16", 'i', 2, INT16_MIN, INT16_MAX},
    {NpyDtype::kUint16, "uint16", 'u', 2, 0, UINT16_MAX},
    {NpyDtype::kInt32, "int32", 'i', 4, INT32_MIN, INT32_MAX},
    {NpyDtype::kInt64, "int64", 'i', 8, INT64_MIN, INT64_MAX},
    {NpyDtype::kFloat32, "float32", 'f', 4, 0, 0},
};

const DtypeInfo& Info(NpyDtype dtype) {
  for (const DtypeInfo& info : kDtypes) {
    if (info.dtype == dtype) return info;
  }
  throw std::logic_error("unknown NpyDtype " + std::to_string(static_cast<int>(dtype)));
}

[[noreturn]] void Fail(const std::string& path, const std::string& problem) {
  throw InputError(path + ": " + problem);
}

// Fails on the first of `ints` outside the range of `info`.
void CheckRange(const std::string& path, const std::vector<int64_t>& ints, const DtypeInfo& info) {
  for (size_t i = 0; i < ints.size(); ++i) {
    if (ints[i] < info.min || ints[i] > info.max) {
      Fail(path, "value " + std::to_string(ints[i]) + " at index " + std::to_string(i) +
                     " does not fit " + info.name + " [" + std::to_string(info.min) + ", " +
                     std::to_string(info.max) + "]");
    }
  }
}

// Element count of `shape`, or -1 if a dimension is negative or count * item_size overflows.
int64_t CheckedCount(const Shape& shape, int item_size) {
  int64_t product = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d > 0 && product > std::numeric_limits<int64_t>::max() / item_size / d) return -1;
    product *= std::max<int64_t>(d, 1);
  }
  return std::count(shape.begin(), shape.end(), 0) ? 0 : product;
}

// The dict of a .npy header.
struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// A parser for the Python dict literal of a .npy header; every failure is an InputError.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  Header Parse() {
    Header header;
    const std::string keys[] = {"descr", "fortran_order", "shape"};
    bool seen[3] = {false, false, false};
    Expect("{");
    while (!Accept("}")) {
      const std::string key = ParseString();
      const size_t slot = static_cast<size_t>(std::find(keys, keys + 3, key) - keys);
      if (slot == 3) Bad("unknown key '" + key + "'");
      if (seen[slot]) Bad("duplicate key '" + key + "'");
      seen[slot] = true;
      Expect(":");
      if (slot == 0 && Accept("[")) {
        Fail(path_,
             std::string("structured dtypes (descr is a list) are not supported") + kSupported);
      }
      if (slot == 0) header.descr = ParseString();
      if (slot == 1) {
        header.fortran_order = Accept("True");
        if (!header.fortran_order && !Accept("False")) Bad("'fortran_order' is not True or False");
      }
      if (slot == 2) header.shape = ParseShape();
      if (!Accept(",")) {
        Expect("}");
        break;
      }
    }
    Accept("");  // skips trailing whitespace and padding
    if (pos_ != text_.size()) Bad("unexpected text after '}'");
    for (size_t k = 0; k < 3; ++k) {
      if (!seen[k]) Bad("missing key '" + keys[k] + "'");
    }
    return header;
  }

 private:
  [[noreturn]] void Bad(const std::string& what) {
    // The header as text: non-printable bytes as '?', without its padding, at most 200 chars.
    std::string shown = text_.substr(0, std::min(text_.find_last_not_of(" \n") + 1, size_t{200}));
    for (char& c : shown) c = (c >= 0x20 && c < 0x7f) ? c : '?';
    Fail(path_, "bad .npy header: " + what + " (at offset " + std::to_string(pos_) + " of \"" +
                    shown + "\")");
  }
  bool Accept(const std::string& token) {  // skips whitespace, then consumes `token` if next
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (text_.compare(pos_, token.size(), token) != 0) return false;
    pos_ += token.size();
    return true;
  }
  void Expect(const std::string& token) {
    if (!Accept(token)) Bad("expected '" + token + "'");
  }
  std::string ParseString() {
    const char quote = Accept("'") ? '\'' : Accept("\"") ? '"' : '\0';
    const size_t end = text_.find(quote, pos_);
    if (quote == '\0' || end == std::string::npos) Bad("expected a quoted string");
    std::string s = text_.substr(pos_, end - pos_);
    if (s.find('\\') != std::string::npos) Bad("escape sequences are not supported");
    pos_ = end + 1;
    return s;
  }
  Shape ParseShape() {
    Expect("(");
    Shape shape;
    bool comma = false;
    while (!Accept(")")) {
      const char* begin = text_.c_str() + pos_;
      char* end = nullptr;
      errno = 0;
      const intmax_t d = std::strtoimax(begin, &end, 10);
      if (end == begin) Bad("expected a dimension");
      if (errno == ERANGE)
        Bad("dimension " + text_.substr(pos_, static_cast<size_t>(end - begin)) + " too large");
      if (d < 0) Bad("negative dimension " + std::to_string(d));
      pos_ += static_cast<size_t>(end - begin);
      Accept("L");  // Python 2 long literal, as in (2L, 3L)
      shape.push_back(d);
      if (!(comma = Accept(","))) {
        Expect(")");
        break;
      }
    }
    if (shape.size() == 1 && !comma) Bad("a 1-d shape must be written (n,)");
    return shape;
  }

  const std::string& path_;
  const std::string& text_;
  size_t pos_ = 0;
};

// The dtype named by `descr` and whether its data is big-endian.
std::pair<const DtypeInfo*, bool> ParseDescr(const std::string& path, const std::string& descr) {
  if (descr.size() >= 2 && descr[1] == 'O') {
    Fail(path,
         "object dtype '" + descr + "' (pickled Python objects) is not supported" + kSupported);
  }
  for (const DtypeInfo& info : kDtypes) {
    if (descr.size() < 3 || descr[1] != info.kind || descr.substr(2) != std::to_string(info.size)) {
      continue;
    }
    if (descr[0] == '<' || descr[0] == '>') return {&info, descr[0] == '>'};
    if (descr[0] == '|' && info.size == 1) return {&info, false};
  }
  Fail(path, "unsupported dtype '" + descr + "'" + kSupported);
}

uint64_t LoadBits(const char* p, int size, bool big_endian) {
  uint64_t bits = 0;
  for (int k = 0; k < size; ++k) {
    bits = (bits << 8) | static_cast<unsigned char>(p[big_endian ? k : size - 1 - k]);
  }
  return bits;
}

// Reorders column-major `data` of `shape` into row-major order.
template <typename T>
std::vector<T> FortranToRowMajor(const std::vector<T>& data, const Shape& shape) {
  std::vector<T> out(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    size_t rest = i;    // row-major index, split into its coordinates from the last axis...
    size_t offset = 0;  // ...which, by Horner's rule, give the column-major offset
    for (size_t k = shape.size(); k-- > 0;) {
      const size_t d = static_cast<size_t>(shape[k]);
      offset = offset * d + rest % d;
      rest /= d;
    }
    out[i] = data[offset];
  }
  return out;
}

// The whole file; its size bounds every later allocation.
std::string ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Fail(path, "is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(path, std::string("cannot open for reading: ") + std::strerror(errno));
  const std::streamoff size = in.seekg(0, std::ios::end).tellg();
  if (!in.seekg(0) || size < 0) Fail(path, "cannot determine the file size");
  CheckAllocation(static_cast<uint64_t>(size), path + ": reading the file");
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in.read(bytes.data(), size)) Fail(path, "read error");
  return bytes;
}

}  // namespace

std::string NpyDtypeName(NpyDtype dtype) { return Info(dtype).name; }

NpyArray ReadNpy(const std::string& path) {
  const std::string file = ReadFile(path);
  if (file.compare(0, 6, kMagic) != 0) {
    Fail(path, "not a .npy file (it does not start with the magic string \"\\x93NUMPY\")");
  }
  const int major = file.size() > 7 ? static_cast<unsigned char>(file[6]) : 0;
  const int minor = file.size() > 7 ? static_cast<unsigned char>(file[7]) : 0;
  if (file.size() < 8 || major < 1 || major > 3 || minor != 0) {
    Fail(path, file.size() < 8 ? "truncated header: no format version"
                               : "unsupported .npy format version " + std::to_string(major) + "." +
                                     std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  }
  const size_t header_start = major == 1 ? 10 : 12;  // after a 2- or 4-byte header length
  if (file.size() < header_start) Fail(path, "truncated header: no complete header length");
  const uint64_t header_len = LoadBits(&file[8], static_cast<int>(header_start - 8), false);
  if (header_len > file.size() - header_start) {
    Fail(path, "truncated header: expected " + std::to_string(header_len) +
                   " header bytes, found " + std::to_string(file.size() - header_start));
  }
  const std::string text = file.substr(header_start, header_len);
  const Header header = HeaderParser(path, text).Parse();
  const auto [info, big_endian] = ParseDescr(path, header.descr);
  const int64_t count = CheckedCount(header.shape, info->size);
  const std::string what = "shape " + ShapeToString(header.shape) + " of " + info->name;
  if (count < 0) Fail(path, what + " is too large");
  const size_t data_start = header_start + header_len;
  const uint64_t expected = static_cast<uint64_t>(count * info->size);
  if (file.size() - data_start != expected) {  // trailing bytes too: the header does not fit
    Fail(path, (file.size() - data_start < expected ? "truncated data: "
                                                    : "unexpected bytes after the data: ") +
                   what + " needs " + std::to_string(expected) + " data bytes, found " +
                   std::to_string(file.size() - data_start));
  }
  // The data match the header, so a header alone cannot ask for much. Held at once: the file,
  // the decoded values (int64 or float) and, for Fortran order, their row-major copy.
  const uint64_t decoded =
      SaturatingMul(static_cast<uint64_t>(count),
                    info->dtype == NpyDtype::kFloat32 ? sizeof(float) : sizeof(int64_t));
  CheckAllocation(SaturatingAdd(file.size(), SaturatingMul(decoded, header.fortran_order ? 2 : 1)),
                  path + ": decoding " + what);

  NpyArray a{header.shape, info->dtype, {}, {}};
  const bool is_float = info->dtype == NpyDtype::kFloat32;
  const int width = 8 * info->size;
  a.floats.resize(static_cast<size_t>(is_float ? count : 0));
  a.ints.resize(static_cast<size_t>(is_float ? 0 : count));
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    const uint64_t bits = LoadBits(&file[data_start + i * info->size], info->size, big_endian);
    if (is_float) {
      const uint32_t bits32 = static_cast<uint32_t>(bits);
      std::memcpy(&a.floats[i], &bits32, sizeof(bits32));
    } else if (info->kind == 'i' && width < 64 && (bits >> (width - 1)) != 0) {
      a.ints[i] = static_cast<int64_t>(bits) - (int64_t{1} << width);  // negative: sign-extend
    } else {
      a.ints[i] = static_cast<int64_t>(bits);
    }
  }
  if (header.fortran_order) {
    a.ints = FortranToRowMajor(a.ints, a.shape);
    a.floats = FortranToRowMajor(a.floats, a.shape);
  }
  return a;
}

void WriteNpy(const std::string& path, const NpyArray& a) {
  const DtypeInfo& info = Info(a.dtype);
  const bool is_float = a.dtype == NpyDtype::kFloat32;
  const size_t size = is_float ? a.floats.size() : a.ints.size();
  const int64_t count = CheckedCount(a.shape, info.size);
  if (count < 0 || static_cast<uint64_t>(count) != size ||
      !(is_float ? a.ints.empty() : a.floats.empty())) {
    throw std::invalid_argument("WriteNpy(" + path + "): shape " + ShapeToString(a.shape) +
                                " does not match the " + std::to_string(a.ints.size()) +
                                " ints and " + std::to_string(a.floats.size()) + " floats given");
  }
  if (!is_float) CheckRange(path, a.ints, info);
  // The header exactly as numpy.save writes it: sorted keys, repr() values, room to grow axis 0,
  // then spaces and one '\n' so the data starts at a multiple of 64; format 2.0 only if 1.0's
  // 16-bit header length is too small.
  std::string dict = std::string("{'descr': '") + (info.size == 1 ? '|' : '<') + info.kind +
                     std::to_string(info.size) + "', 'fortran_order': False, 'shape': (";
  for (size_t k = 0; k < a.shape.size(); ++k) dict += (k ? ", " : "") + std::to_string(a.shape[k]);
  dict += a.shape.size() == 1 ? ",), }" : "), }";
  if (!a.shape.empty()) dict.append(kGrowthAxisMaxDigits - std::to_string(a.shape[0]).size(), ' ');
  auto padded_len = [&](size_t prefix) {
    return dict.size() + 1 + kAlign - (prefix + dict.size() + 1) % kAlign;
  };
  const size_t len_size = padded_len(10) > 0xffff ? 4 : 2;
  const size_t header_len = padded_len(8 + len_size);
  std::string out = std::string(kMagic) + static_cast<char>(len_size / 2) + '\0';
  for (size_t k = 0; k < len_size; ++k) out += static_cast<char>((header_len >> (8 * k)) & 0xff);
  out += dict + std::string(header_len - dict.size() - 1, ' ') + '\n';
  out.reserve(out.size() + size * static_cast<size_t>(info.size));
  for (size_t i = 0; i < size; ++i) {
    uint32_t bits32 = 0;
    if (is_float) std::memcpy(&bits32, &a.floats[i], sizeof(bits32));
    const uint64_t bits = is_float ? bits32 : static_cast<uint64_t>(a.ints[i]);
    for (int k = 0; k < info.size; ++k) out += static_cast<char>((bits >> (8 * k)) & 0xff);
  }

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) Fail(path, std::string("cannot open for writing: ") + std::strerror(errno));
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  file.close();
  if (!file) Fail(path, std::string("write failed: ") + std::strerror(errno));
}

IntTensor ToIntTensor(const NpyArray& a, const std::string& path) {
  if (a.dtype == NpyDtype::kFloat32) Fail(path, "expected an integer array, got float32");
  CheckRange(path, a.ints, Info(NpyDtype::kInt32));
  return IntTensor(a.shape, std::vector<int32_t>(a.ints.begin(), a.ints.end()));
}

FloatTensor ToFloatTensor(const NpyArray& a, const std::string& path) {
  if (a.dtype != NpyDtype::kFloat32) {
    Fail(path, "expected a float32 array, got " + NpyDtypeName(a.dtype));
  }
  return FloatTensor(a.shape, a.floats);
}

void WriteNpy(const std::string& path, const IntTensor& t, NpyDtype dtype) {
  NpyArray a{t.shape, dtype, {}, {}};
  if (dtype != NpyDtype::kFloat32) a.ints.assign(t.data.begin(), t.data.end());
  for (size_t i = 0; dtype == NpyDtype::kFloat32 && i < t.data.size(); ++i) {
    a.floats.push_back(static_cast<float>(t.data[i]));
    if (static_cast<int64_t>(a.floats.back()) != t.data[i]) {
      Fail(path, "value " + std::to_string(t.data[i]) + " at index " + std::to_string(i) +
                     " does not fit float32 exactly");
    }
  }
  WriteNpy(path, a);
}

void WriteNpy(const std::string& path, const FloatTensor& t) {
  WriteNpy(path, NpyArray{t.shape, NpyDtype::kFloat32, {}, t.data});
}

NpyDtype NpyDtypeFor(const IntType& t) {
  if (t.bits <= 8) {  // binary and ternary too: signed, 1 and 2 bits
    return t.is_signed() ? NpyDtype::kInt8 : NpyDtype::kUint8;
  }
  if (t.bits <= 16) {
    return t.is_signed() ? NpyDtype::kInt16 : NpyDtype::kUint16;
  }
  return NpyDtype::kInt32;
}

}  // namespace quasar::models
