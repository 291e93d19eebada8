// The ways a GEMM op's A is gathered (models/net/gemm_input.h): one row per GemmInput, and each
// windowed row's source rule against its operation written in the other direction (a
// convolution's windows by the input positions each output's taps cover; a transposed
// convolution's by scattering each input position through each tap).

#include <catch2/catch.hpp>
#include <map>
#include <utility>

#include "quasar/models/net/gemm_input.h"
#include "quasar/models/net/ops.h"

using namespace quasar::models;

TEST_CASE("every GemmInput has its row, windowed rows a source rule") {
  for (const GemmInput in :
       {GemmInput::kDirect, GemmInput::kConvWindows, GemmInput::kTransposedWindows}) {
    const GemmInputDef& row = GemmInputOf(in);
    INFO(row.name);
    CHECK(row.input == in);
    CHECK((row.source == nullptr) == (in == GemmInput::kDirect));
  }
  // Every GEMM op of the registry gathers A by one of them.
  for (const OpDef& d : Ops()) {
    CHECK(GemmInputOf(d.gemm_input).input == d.gemm_input);
  }
}

namespace {

// For every geometry in a small range: the map (output position, tap) -> input position built by
// `cover`, against the row's source rule at every output position and tap.
template <typename Cover>
void CheckSource(GemmInput in, Cover cover) {
  const WindowSource source = GemmInputOf(in).source;
  REQUIRE(source != nullptr);
  for (int64_t stride = 1; stride <= 3; ++stride) {
    for (int64_t dilation = 1; dilation <= 2; ++dilation) {
      for (int64_t pad = 0; pad <= 2; ++pad) {
        for (int64_t extent = 1; extent <= 6; ++extent) {
          std::map<std::pair<int64_t, int64_t>, int64_t> expected;
          for (int64_t i = 0; i < extent; ++i) {
            for (int64_t t = 0; t < 3; ++t) {
              const int64_t o = cover(i, t, stride, pad, dilation);
              if (o >= 0) {
                expected[{o, t}] = i;
              }
            }
          }
          for (int64_t o = 0; o < 20; ++o) {
            for (int64_t t = 0; t < 3; ++t) {
              INFO("stride " << stride << " dilation " << dilation << " pad " << pad << " extent "
                             << extent << " o " << o << " t " << t);
              const auto it = expected.find({o, t});
              CHECK(source(o, t, stride, pad, dilation, extent) ==
                    (it == expected.end() ? -1 : it->second));
            }
          }
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("a convolution's window source is the input position its tap covers") {
  // Output o's window starts at o * stride - pad; tap t reads t * dilation further. Input i is
  // read by output o through tap t when that lands on i: o = (i + pad - t * dilation) / stride.
  CheckSource(GemmInput::kConvWindows,
              [](int64_t i, int64_t t, int64_t stride, int64_t pad, int64_t dilation) -> int64_t {
                const int64_t start = i + pad - t * dilation;
                return start >= 0 && start % stride == 0 ? start / stride : -1;
              });
}

TEST_CASE("a transposed convolution's window source is the input its scatter reaches from") {
  // ONNX ConvTranspose scatters input i through tap t to output i * stride + t * dilation - pad.
  CheckSource(GemmInput::kTransposedWindows,
              [](int64_t i, int64_t t, int64_t stride, int64_t pad, int64_t dilation) -> int64_t {
                return i * stride + t * dilation - pad;
              });
}
