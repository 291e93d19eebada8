#pragma once
// ArchSpec: the accelerator Quasar maps networks onto, as read from a versioned YAML file (format:
// docs/arch-format.md; presets in workloads/accelerators/). A rows x cols systolic array of MAC
// processing elements with one dataflow, three on-chip SRAMs (input, weight, output/accumulator),
// a DRAM interface, a clock, a technology table for energy and area, and a post-processing unit.
// Parsed and validated in one pass that reports every problem with the file, key path and value.

#include <cstdint>
#include <optional>
#include <string>

#include "quasar/models/accumulator.h"
#include "quasar/models/dataflow.h"
#include "quasar/models/quant_code.h"

namespace quasar::models {

// How a MAC built for B-bit operands runs narrower ones.
enum class PrecisionScaling {
  kNone,       // one product per cycle whatever the operand widths
  kBitFusion,  // Bit Fusion (Sharma et al., ISCA 2018): 2-bit BitBricks fuse into
               // (B_w/w)*(B_a/a) products per cycle
};
std::string PrecisionScalingName(PrecisionScaling s);  // "none" | "bit_fusion"
std::optional<PrecisionScaling> ParsePrecisionScaling(const std::string& name);

// Whose modelling conventions the analytical model applies (docs/scalesim.md).
enum class Conventions {
  kQuasar,    // tiles under buffer capacity, partial sums at accumulator width, the pipeline
              // of docs/analytical-model.md
  kScaleSim,  // scale-sim-v2's: whole-layer folds, one-byte words, its per-fold cycle counts
};
std::string ConventionsName(Conventions c);  // "quasar" | "scalesim"
std::optional<Conventions> ParseConventions(const std::string& name);

// One on-chip SRAM.
struct BufferSpec {
  int64_t kib = 256;            // capacity in KiB (1024 bytes), 1..1048576
  int64_t word_bytes = 16;      // bytes per access (one row of the SRAM), a power of two 1..1024
  bool double_buffered = true;  // half the capacity fills while the other half is read

  int64_t Bytes() const { return kib * 1024; }
  // The capacity one tile may use: half the SRAM when double buffered.
  int64_t UsableBytes() const { return double_buffered ? Bytes() / 2 : Bytes(); }
};

// The off-chip memory interface, in accelerator clock cycles.
struct DramSpec {
  double bytes_per_cycle = 32;   // sustained bandwidth, > 0
  int64_t latency_cycles = 100;  // from request to first byte, 0..10^9
};

// The multiply-accumulate unit of one PE.
struct MacSpec {
  int weight_bits = 8;  // operand widths the multiplier is built for, 1..16
  int activation_bits = 8;
  bool is_signed = true;        // two's complement operands (false: unsigned)
  AccumulatorSpec accumulator;  // 8..64 bits, wrap | saturate
  PrecisionScaling scaling = PrecisionScaling::kNone;
  int binary_lanes = 0;  // XNOR-popcount lanes per PE for binary layers, 0..1024 (0: none)
  // The number format the MAC multiplies (a code with IsNumberFormat: FP8, MX), or kLinear for
  // an integer MAC ("int" in the file). weight_bits and activation_bits are then the format's
  // element bits (validated).
  QuantCode format = QuantCode::kLinear;

  // Products of integer operands of w_bits x a_bits one PE completes per cycle, 0 if this MAC
  // cannot run them. Widths are as the MAC sees them (an unsigned b-bit operand needs b + 1 bits
  // on a signed MAC; the caller accounts for that). A binary (+-1) operand on the MAC path counts
  // as 1 bit.
  //  - kNone: 1 if w_bits <= weight_bits and a_bits <= activation_bits, else 0.
  //  - kBitFusion: (weight_bits / w') * (activation_bits / a'), where x' is x rounded up to a
  //    power of two and to at least 2: the fused processing engines of a Fusion Unit are built
  //    from 2-bit BitBricks in powers of two, so a 16-brick (8x8) unit offers 1, 2, 4, 8 or 16
  //    engines, binary and ternary operands using one brick each (Sharma et al., ISCA 2018,
  //    Sec. III; act-lab.org/artifacts/bitfusion). 0 if w' > weight_bits or a' > activation_bits.
  //    E.g. an 8x8 unit: w8a8 -> 1, w2a8 -> 4, w4a4 -> 4, w2a2 and w1a1 -> 16, w3a8 -> 2.
  // w_bits or a_bits outside 1..16 give 0.
  int ProductsPerCycle(int w_bits, int a_bits) const;
  // The same for a layer whose operands have these codes: a format MAC completes one product
  // per cycle of its own format (both operands in it) and none of anything else; an integer MAC
  // runs no number format, and integer codes by ProductsPerCycle(w_bits, a_bits).
  int ProductsPerCycle(QuantCode w_code, QuantCode a_code, int w_bits, int a_bits) const;
  // Products of binary x binary (+-1) operands one PE completes per cycle: binary_lanes
  // XNOR-popcount lanes when the PE has them (XNOR-Net, Rastegari et al., ECCV 2016: a +-1 dot
  // product is 2*popcount(xnor) - n), otherwise the MAC path, ProductsPerCycle(1, 1).
  int BinaryProductsPerCycle() const;
};

struct ArchSpec {
  std::string name;
  std::string description;
  std::string source;  // citation of the design it models, if any
  std::string file;    // where it was read from (the `where` of ParseArchSpec)

  int64_t rows = 0;  // PE rows, 1..4096
  int64_t cols = 0;  // PE columns, 1..4096
  Dataflow dataflow = Dataflow::kWeightStationary;
  MacSpec mac;
  BufferSpec input;   // input activations (ifmap)
  BufferSpec weight;  // weights (filters)
  BufferSpec output;  // outputs and partial sums (ofmap / accumulators)
  DramSpec dram;
  double clock_mhz = 700;  // (0, 100000]
  // A built-in energy/area table name or the path of a table YAML, as written in the file (a
  // relative path is relative to the directory of `file`); checked by the cost model.
  std::string technology = "horowitz45";
  double post_elements_per_cycle = 32;  // requantization/activation/pooling outputs per cycle
  Conventions conventions = Conventions::kQuasar;

  int64_t PeCount() const { return rows * cols; }
  // PeCount() * ProductsPerCycle(w_bits, a_bits) * clock_mhz * 10^6.
  double PeakMacsPerSecond(int w_bits, int a_bits) const;
  // PeCount() * BinaryProductsPerCycle() * clock_mhz * 10^6.
  double PeakBinaryMacsPerSecond() const;
};

// Reads and validates an architecture file; every problem is reported together in one
// quasar::InputError ("<file>: <key.path>: <problem>, got <value>"), malformed YAML with its line.
// A path ending in ".cfg" is a SCALE-Sim configuration (scalesim_config.h).
ArchSpec LoadArchSpec(const std::string& path);
// The same from text; `where` names it in messages and becomes ArchSpec::file.
ArchSpec ParseArchSpec(const std::string& yaml_text, const std::string& where);
// Version-1 YAML with every key explicit; ParseArchSpec reads it back to an equal ArchSpec.
std::string ArchSpecToYaml(const ArchSpec& arch);

// The format's checks of combinations of fields each valid alone (a Bit Fusion MAC's widths),
// on a spec built in memory: the same InputError ParseArchSpec(ArchSpecToYaml(a), a.file) would
// throw for them, without the round trip (a sweep checks every configuration).
void CheckArchCombinations(const ArchSpec& a);

}  // namespace quasar::models
