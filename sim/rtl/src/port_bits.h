#pragma once
// Moving integers across the ports of a Verilated SystemC model. Verilator maps a port of up
// to 32 bits to uint32_t, up to 64 bits to uint64_t and a wider one to sc_bv<N> (bit 0 = the
// vector's bit 0), whatever its signedness; these helpers build and read such ports as a
// little-endian array of 32-bit words, with fields at bit offsets.

#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "quasar/models/error.h"

namespace quasar::sim::rtl {

// A port's value as 32-bit words, bit i of the port at bit (i % 32) of word i / 32.
class BitWords {
 public:
  explicit BitWords(int64_t bits = 0) { Resize(bits); }
  void Resize(int64_t bits) { words_.assign(static_cast<size_t>((bits + 31) / 32), 0); }
  void Clear() { std::fill(words_.begin(), words_.end(), 0u); }
  // Writes the low `width` (<= 64) bits of v at bit `pos`.
  void Put(int64_t pos, int width, uint64_t v) {
    for (int done = 0; done < width;) {
      const int64_t bit = pos + done;
      const size_t w = static_cast<size_t>(bit / 32);
      const int off = static_cast<int>(bit % 32);
      const int n = std::min(32 - off, width - done);
      const uint32_t mask = n == 32 ? 0xffffffffu : ((1u << n) - 1u) << off;
      words_[w] = (words_[w] & ~mask) | (static_cast<uint32_t>(v >> done << off) & mask);
      done += n;
    }
  }
  // The `width` (<= 64) bits at `pos`, sign-extended.
  int64_t GetSigned(int64_t pos, int width) const {
    uint64_t v = 0;
    for (int done = 0; done < width;) {
      const int64_t bit = pos + done;
      const int off = static_cast<int>(bit % 32);
      const int n = std::min(32 - off, width - done);
      const uint64_t part = (words_[static_cast<size_t>(bit / 32)] >> off) &
                            (n == 32 ? 0xffffffffull : (1ull << n) - 1);
      v |= part << done;
      done += n;
    }
    const int unused = 64 - width;
    return static_cast<int64_t>(v << unused) >> unused;
  }
  uint32_t word(size_t i) const { return words_[i]; }
  uint32_t& word(size_t i) { return words_[i]; }
  size_t size() const { return words_.size(); }

 private:
  std::vector<uint32_t> words_;
};

inline void Store(sc_core::sc_signal<uint32_t>& s, const BitWords& b) { s.write(b.word(0)); }
inline void Store(sc_core::sc_signal<uint64_t>& s, const BitWords& b) {
  s.write(b.word(0) | (b.size() > 1 ? uint64_t{b.word(1)} << 32 : 0));
}
template <int N>
void Store(sc_core::sc_signal<sc_dt::sc_bv<N>>& s, const BitWords& b) {
  sc_dt::sc_bv<N> v;
  for (size_t i = 0; i < b.size(); ++i) {
    v.set_word(static_cast<int>(i), b.word(i));
  }
  s.write(v);
}

inline void Load(const sc_core::sc_signal<uint32_t>& s, BitWords* b) { b->word(0) = s.read(); }
inline void Load(const sc_core::sc_signal<uint64_t>& s, BitWords* b) {
  const uint64_t v = s.read();
  b->word(0) = static_cast<uint32_t>(v);
  if (b->size() > 1) {
    b->word(1) = static_cast<uint32_t>(v >> 32);
  }
}
template <int N>
void Load(const sc_core::sc_signal<sc_dt::sc_bv<N>>& s, BitWords* b) {
  const sc_dt::sc_bv<N>& v = s.read();
  for (size_t i = 0; i < b->size(); ++i) {
    b->word(i) = v.get_word(static_cast<int>(i));
  }
}

// Puts `count` operands into lanes of `width` bits from bit 0 on, checking that each fits
// (two's complement when is_signed, else unsigned); `what` names them in the error.
inline void PutLanes(BitWords* b, int64_t first_lane, const int32_t* v, int64_t count, int width,
                     bool is_signed, const char* what) {
  const int64_t lo = is_signed ? -(int64_t{1} << (width - 1)) : 0;
  const int64_t hi = is_signed ? (int64_t{1} << (width - 1)) - 1 : (int64_t{1} << width) - 1;
  for (int64_t i = 0; i < count; ++i) {
    if (v[i] < lo || v[i] > hi) {
      throw InputError(std::string("RTL: ") + what + " operand " + std::to_string(v[i]) +
                       " does not fit the MAC's " + std::to_string(width) + "-bit " +
                       (is_signed ? "signed" : "unsigned") + " lane (range " + std::to_string(lo) +
                       ".." + std::to_string(hi) + ")");
    }
    b->Put((first_lane + i) * width, width, static_cast<uint64_t>(static_cast<int64_t>(v[i])));
  }
}

// The data type T of a Verilated model's port member (sc_in<T>& or sc_out<T>&).
template <typename Port>
using PortType = typename std::remove_reference_t<Port>::data_type;

}  // namespace quasar::sim::rtl
