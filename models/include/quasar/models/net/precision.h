#pragma once
// The precision policy of a network: how its weights and activations are quantized (code, bits,
// signedness, symmetry, granularity, calibration), the rounding mode, and the accumulator, as
// network defaults with per-layer overrides and a first/last-layer rule.

#include <optional>
#include <string>
#include <utility>

#include "quasar/models/accumulator.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/error.h"
#include "quasar/models/int_type.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/rounding.h"

namespace quasar::models {

// kPerGroup: integer weights with a scale (and zero point) per group of `group_size` weights
// along K and per output column, as GPTQ/AWQ checkpoints store them (group_quant.h).
enum class Granularity { kPerTensor, kPerChannel, kPerGroup };
// "per_tensor", "per_channel", "per_group", as the network format writes them (one table,
// precision.cc).
std::string GranularityName(Granularity g);
std::optional<Granularity> ParseGranularity(const std::string& name);
std::string GranularityChoices();

// The resolved quantization of one operand kind (the weights of a layer, or a tensor of
// activations).
struct OperandPrecision {
  QuantCode code = QuantCode::kLinear;
  int bits = 8;           // linear 1..16, pow2 2..5; binary 1, ternary 2
  bool is_signed = true;  // linear only
  bool symmetric = true;  // zero point 0 (signed symmetric grids are narrow: [-qmax, qmax])
  Granularity granularity = Granularity::kPerTensor;
  CalibMethod calibration = CalibMethod::kMinMax;
  int group_size = 0;  // weights along K per scale, with kPerGroup (1..65536); else 0

  // The IntType the integer values are held in: int<bits>/uint<bits>, binary, ternary, and for
  // pow2 the signed type that holds +-2^E, E = 2^(bits-1) - 2.
  IntType StorageType() const;
  // "int8 sym per-channel minmax", "uint4 asym kl", "binary", "pow2-4 per-channel", "fp8_e4m3",
  // "uint4 asym per-group-128 minmax".
  std::string Describe() const;
};

// A partial OperandPrecision: the fields a layer (or the --bits option) sets.
struct OperandOverride {
  std::optional<QuantCode> code;
  std::optional<int> bits;
  std::optional<bool> is_signed;
  std::optional<bool> symmetric;
  std::optional<Granularity> granularity;
  std::optional<CalibMethod> calibration;
  std::optional<int> group_size;

  bool empty() const {
    return !code && !bits && !is_signed && !symmetric && !granularity && !calibration &&
           !group_size;
  }
  void ApplyTo(OperandPrecision* p) const;
};

struct PrecisionOverride {
  OperandOverride weights;
  OperandOverride activations;  // the layer's output tensor
  AccumulatorOverride accumulator;
  bool empty() const { return weights.empty() && activations.empty() && accumulator.empty(); }
};

// Network-wide defaults.
struct PrecisionPolicy {
  OperandPrecision weights{QuantCode::kLinear,  8, true, true, Granularity::kPerChannel,
                           CalibMethod::kMinMax};
  OperandPrecision activations{QuantCode::kLinear,  8, true, false, Granularity::kPerTensor,
                               CalibMethod::kMinMax};
  RoundingMode rounding = RoundingMode::kTflite;
  AccumulatorSpec accumulator;
  // When set, the first and last weighted layers keep linear weights of this many bits, the
  // network inputs and the tensors the last weighted layer reads and writes keep linear
  // activations of this many bits (the usual practice for 4-bit and binary networks: FINN,
  // XNOR-Net, DoReFa-Net). Explicit layer overrides still win.
  std::optional<int> first_last_bits;
  double percentile = 99.99;  // for percentile calibration
};

// The precision one layer runs at, after resolution.
struct LayerPrecision {
  OperandPrecision weights;
  OperandPrecision output;
  AccumulatorSpec accumulator;
  RoundingMode rounding = RoundingMode::kTflite;
};

// Parses the --bits shorthand "w<W>a<A>": each of W and A is a bit count (1 means binary), `t`
// (ternary) or, for weights, `p<bits>` (power of two): w8a8, w4a4, w2a2, w1a1, wta8, wp4a8.
// Or a number format for both operands: a format code's name (fp8_e5m2, mxint8, ...) or fp8,
// mxfp8, mxfp6, mxfp4 (the E4M3, E4M3, E2M3 and E2M1 elements). Or "w<W>a<A>g<G>": W-bit
// linear weights, asymmetric, per group of G along K (GPTQ/AWQ's w4a16g128). Returns the two
// overrides, or an InputError naming the text.
std::pair<OperandOverride, OperandOverride> ParseBitsShorthand(const std::string& text);

// A number format by its code's name (fp8_e5m2, mxint8, ...) or the short name of its usual
// element: fp8 (E4M3), mxfp8 (E4M3), mxfp6 (E2M3), mxfp4 (E2M1); nullopt for anything else.
std::optional<QuantCode> ParseFormatShorthand(const std::string& text);

// Checks one resolved precision; appends problems to `errors` under `key`.
// `accumulator_output`: a layer's output, which may also be the signed 32-bit accumulator.
void ValidateOperand(const OperandPrecision& p, bool is_weights, const std::string& key,
                     ErrorList* errors, bool accumulator_output = false);

}  // namespace quasar::models
