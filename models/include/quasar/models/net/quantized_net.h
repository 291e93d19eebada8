#pragma once
// A fully quantized network: integer weights and biases and every tensor's quantization
// parameters, ready for the golden kernels. Produced by post-training quantization of a float
// network (QuantizeNetwork), run end to end by RunQuantizedNetwork, saved and loaded by
// SaveQuantizedNetwork / LoadQuantizedNetwork (qnet_io.cc).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/layer.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/network.h"

namespace quasar::models {

// One layer as the golden reference runs it.
struct QuantizedLayer {
  // The LayerSpec RunLayer executes (weighted ops, matmul, add, pools, global average pool);
  // flatten, reshape and transpose only move integers and have runs_kernel == false.
  LayerSpec spec;
  bool runs_kernel = true;
  IntTensor weights;              // weighted ops: OIHW or [out, in] integers
  std::optional<IntTensor> bias;  // weighted ops with a bias: int32 [out], scale s_x * s_w
};

struct QuantizedNetwork {
  NetworkSpec net;
  std::map<std::string, QuantParams> tensors;  // every tensor, by name
  std::vector<QuantizedLayer> layers;          // parallel to net.layers
  // The seed of the synthetic float weights and inputs it was quantized from, when known; saved
  // so that a later fidelity run compares against the same float network.
  std::optional<uint64_t> seed;
};

struct QuantizeOptions {
  int histogram_bins = 2048;  // for the mse and kl calibration methods
  // Called with a short message before each phase (float calibration runs, quantization).
  std::function<void(const std::string&)> progress;
};

// Post-training quantization. Runs the float network on every calibration sample and observes
// each tensor; chooses each tensor's parameters by its resolved precision (linear: the
// calibration method's range then AffineParams; binary: scale mean|x| (XNOR-Net's beta),
// ternary: a symmetric 3-level grid); quantizes the weights by their code; and quantizes the
// float biases by the rounding mode's framework rule (QuantizeBias). A binary output's bias also
// carries the output stage's threshold (FirstNonNegativeAccumulator), so the output is the sign
// of the accumulator, 0 giving +1 (docs/calibration.md).
QuantizedNetwork QuantizeNetwork(const NetworkSpec& net, const FloatNetParams& params,
                                 const std::vector<std::map<std::string, FloatTensor>>& calibration,
                                 const QuantizeOptions& options = {});

// The calibration inputs of post-training quantization: MakeInputs samples 1..n, n the most
// calibration files a network input lists, else `calib_samples`.
std::vector<std::map<std::string, FloatTensor>> PostTrainingCalibration(const NetworkSpec& net,
                                                                        uint64_t seed,
                                                                        int calib_samples);

// Post-training quantization as every command runs it: calibrates on `calib_samples` inputs
// (MakeInputs samples 1..n of `seed`; the evaluation input is sample 0, held out), or on as many
// as the network inputs' `calibration:` files list, then QuantizeNetwork; the result records
// `seed`. `progress`, when set, also gets a note for each input evaluated on a real file but
// calibrated on synthetic samples.
QuantizedNetwork QuantizePostTraining(const NetworkSpec& net, const FloatNetParams& params,
                                      uint64_t seed, int calib_samples,
                                      const std::function<void(const std::string&)>& progress = {});

// Overrides every layer's accumulator (for what-if runs: a narrower or a widened register):
// all of it, or only the fields an override sets.
QuantizedNetwork WithAccumulator(QuantizedNetwork qnet, const AccumulatorSpec& accumulator);
QuantizedNetwork WithAccumulator(QuantizedNetwork qnet, const AccumulatorOverride& accumulator);

// Quantizes a float network input with its parameters; binary inputs take sign(x) (+1 at 0).
IntTensor QuantizeInput(const FloatTensor& x, const QuantParams& p, RoundingMode mode);

// What one layer did in a golden run.
struct LayerRunReport {
  std::string name;
  NetOp op = NetOp::kConv2d;
  KernelStats stats;                      // MACs, overflow events, final accumulator range
  std::optional<AccumulatorWidth> width;  // weighted ops and matmul
  int accumulator_bits = 0;               // the configured register width

  // The width that holds for any input: with fixed weights, the bound of those weights; for an
  // op whose B is its second input (matmul), itself an activation, the bound of the operand
  // types (run_qnet.cc).
  int required_bits() const;
};

struct QuantizedRun {
  std::map<std::string, IntTensor> tensors;  // every tensor, by name
  std::vector<LayerRunReport> layers;
  int64_t overflow_events = 0;
  int required_bits = 0;  // max over layers of LayerRunReport::required_bits()
};

// Runs the network through the golden kernels from float inputs (quantized with QuantizeInput).
QuantizedRun RunQuantizedNetwork(const QuantizedNetwork& qnet,
                                 const std::map<std::string, FloatTensor>& inputs,
                                 const std::function<void(size_t)>& on_layer = {});

// SQNR (dB) of every tensor of a quantized run, dequantized, against the float run's tensor of
// the same name; by layer name, in layer order.
std::vector<std::pair<std::string, double>> LayerSqnr(
    const QuantizedNetwork& qnet, const QuantizedRun& run,
    const std::map<std::string, FloatTensor>& float_tensors);

// Writes `dir`/network.yaml (the topology and policy), `dir`/quant.yaml (every tensor's and
// layer's parameters) and one .npy per weight and bias tensor. Creates `dir` if needed.
void SaveQuantizedNetwork(const QuantizedNetwork& qnet, const std::string& dir);
// Reads what SaveQuantizedNetwork wrote, validating it (shapes, value ranges, channel counts);
// throws InputError naming the file and key.
QuantizedNetwork LoadQuantizedNetwork(const std::string& dir);

// Builds the layers' LayerSpecs from net, tensors and the integer weights/biases (used by
// QuantizeNetwork and LoadQuantizedNetwork; the weights and bias must already be set).
void BuildLayerSpecs(QuantizedNetwork* qnet,
                     const std::map<std::string, QuantParams>& weight_params);

}  // namespace quasar::models
