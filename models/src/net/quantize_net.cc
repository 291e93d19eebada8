// Post-training quantization of a whole network (QuantizeNetwork) and the construction of the
// LayerSpecs the golden kernels run.

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "bias_rule.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/calib/weight_quantizers.h"
#include "quasar/models/error.h"
#include "quasar/models/net/fixed_quant.h"
#include "quasar/models/net/input_storage.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/requant.h"

namespace quasar::models {
namespace {

QuantParams ActivationParams(const Observer& obs, const OperandPrecision& p,
                             const CalibOptions& opt) {
  RequireGolden(p.code, "the activations");
  return QuantCodeOf(p.code).activation_params(obs, p.StorageType(), p.symmetric, opt);
}

bool SameParams(const QuantParams& a, const QuantParams& b) {
  return a.type == b.type && a.scales == b.scales && a.zero_points == b.zero_points;
}

// The parameters the model fixes for `tensor`, checked against its resolved precision.
std::optional<QuantParams> Fixed(const NetworkSpec& net, const std::string& tensor,
                                 const OperandPrecision& p) {
  const auto f = net.fixed_params.find(tensor);
  if (f == net.fixed_params.end()) {
    return std::nullopt;
  }
  if (!(f->second.type == p.StorageType())) {
    throw InputError("tensor " + tensor + ": the model quantizes it as " + f->second.type.Name() +
                     ", its precision is " + p.Describe());
  }
  return f->second;
}

}  // namespace

QuantizedNetwork QuantizeNetwork(const NetworkSpec& net, const FloatNetParams& params,
                                 const std::vector<std::map<std::string, FloatTensor>>& calibration,
                                 const QuantizeOptions& options) {
  if (calibration.empty()) {
    throw InputError("quantization needs at least one calibration sample");
  }
  for (const NetLayer& l : net.layers) {
    if (NetOpHasWeights(l.op)) {
      RequireGolden(l.precision.weights.code, "layer '" + l.name + "': its weights");
      if (l.precision.weights.granularity == Granularity::kPerGroup) {
        throw InputError(
            "layer '" + l.name + "': its weights are quantized per group of " +
            std::to_string(l.precision.weights.group_size) +
            ": group-quantized weights are priced (quasar run, compile, sweep, "
            "compare), their fidelity and accuracy emulated in float32 (compare) "
            "and their golden format run is `quasar infer` and `verify`'s, but the "
            "golden path of integer codes (the SystemC backends' data) does not run them "
            "(docs/formats.md)");
      }
    }
  }
  for (const auto& [name, prec] : net.tensor_precision) {
    RequireGolden(prec.code, "tensor '" + name + "': its activations");
  }
  auto progress = [&](const std::string& msg) {
    if (options.progress) {
      options.progress(msg);
    }
  };
  // 1. Observe every tensor that owns parameters over the calibration set.
  std::map<std::string, Observer> observers;
  for (const auto& [name, prec] : net.tensor_precision) {
    if (net.OwnsQuantParams(name)) {
      observers.emplace(name, Observer(false, 0));
    }
  }
  for (size_t s = 0; s < calibration.size(); ++s) {
    progress("calibration sample " + std::to_string(s + 1) + "/" +
             std::to_string(calibration.size()) + ": float forward pass");
    // A stored input (input_storage.h) is observed as stored, as the golden run reads it.
    const auto tensors =
        RunFloatNetwork(net, params, StoredInputs(net, calibration[s], net.policy.rounding));
    for (auto& [name, obs] : observers) {
      obs.Observe(tensors.at(name));
    }
  }
  progress("choosing activation ranges and quantizing weights");

  // 2. Activation parameters, in graph order (pass-through ops share their input's).
  QuantizedNetwork q;
  q.net = net;
  for (const NetInput& in : net.inputs) {
    const OperandPrecision& p = net.tensor_precision.at(in.name);
    const CalibOptions opt{p.calibration, net.policy.percentile, options.histogram_bins};
    const auto fixed = Fixed(net, in.name, p);  // calibrated only when the model fixes none
    q.tensors[in.name] = fixed ? *fixed : ActivationParams(observers.at(in.name), p, opt);
  }
  for (const NetLayer& l : net.layers) {
    if (NetOpMovesDataOnly(l.op)) {
      q.tensors[l.name] = q.tensors.at(l.inputs[0]);
      const auto f = net.fixed_params.find(l.name);
      if (f != net.fixed_params.end() && !SameParams(f->second, q.tensors[l.name])) {
        throw InputError("layer " + l.name + ": " + NetOpName(l.op) + " keeps its input's " +
                         "quantization, but the model quantizes its output differently");
      }
    } else {
      const OperandPrecision& p = l.precision.output;
      // Calibrated only when the model fixes none (an int32 accumulator output has no grid
      // to calibrate).
      const auto fixed = Fixed(net, l.name, p);
      q.tensors[l.name] =
          fixed ? *fixed
                : ActivationParams(observers.at(l.name), p,
                                   {p.calibration, net.policy.percentile, options.histogram_bins});
    }
  }

  // 3. Weights and biases.
  std::map<std::string, QuantParams> weight_params;
  q.layers.resize(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    if (!NetOpHasWeights(l.op)) {
      continue;
    }
    const FloatLayerParams& fp = params.at(l.name);
    const OperandPrecision& pw = l.precision.weights;
    const CalibOptions wopt{pw.calibration, net.policy.percentile, options.histogram_bins};
    const auto fixed = net.fixed_weight_params.find(l.name);
    QuantizedWeights qw =
        fixed != net.fixed_weight_params.end()
            ? QuantizedWeights{QuantizeFixedWeights(fp.weights, fixed->second, l.name),
                               fixed->second}
            : QuantizeWeights(fp.weights, pw.code, pw.StorageType(), pw.bits, pw.symmetric,
                              pw.granularity == Granularity::kPerChannel, wopt);
    const QuantParams& in = q.tensors.at(l.inputs[0]);
    const QuantParams& out = q.tensors.at(l.name);
    // A binary output is the sign of the accumulator: the bias also carries the threshold that
    // makes the output stage switch at accumulator 0 (FirstNonNegativeAccumulator).
    const bool binary_out = out.type.kind == IntKind::kBinary;
    if (KeepsIntegerBias(l, out)) {
      const int64_t channels = l.out_channels;
      IntTensor bias({channels});
      for (int64_t oc = 0; oc < channels; ++oc) {
        const float b = fp.bias.empty() ? 0.0f : fp.bias[static_cast<size_t>(oc)];
        const float s_w = qw.params.scale(oc);
        int64_t bias_q = QuantizeBias(b, in.scales[0], s_w, net.policy.rounding);
        if (binary_out) {
          const Multiplier m =
              MakeMultiplier(l.precision.rounding, in.scales[0], s_w, out.scales[0]);
          const std::optional<int64_t> first = FirstNonNegativeAccumulator(m, out.zero_points[0]);
          if (!first) {
            throw InputError("layer " + l.name + ": its binary output's multiplier s_x*s_w/s_y " +
                             "is zero in channel " + std::to_string(oc) +
                             ", so the output cannot follow the sign of the accumulator");
          }
          bias_q += *first;
          if (bias_q < std::numeric_limits<int32_t>::min() ||
              bias_q > std::numeric_limits<int32_t>::max()) {
            throw InputError("layer " + l.name + ": the threshold of its binary output in " +
                             "channel " + std::to_string(oc) + " needs a bias of " +
                             std::to_string(bias_q) + ", outside int32");
          }
        }
        bias[oc] = static_cast<int32_t>(bias_q);
      }
      q.layers[i].bias = std::move(bias);
    }
    q.layers[i].weights = std::move(qw.values);
    weight_params[l.name] = std::move(qw.params);
  }
  BuildLayerSpecs(&q, weight_params);
  return q;
}

void BuildLayerSpecs(QuantizedNetwork* qnet,
                     const std::map<std::string, QuantParams>& weight_params) {
  const NetworkSpec& net = qnet->net;
  qnet->layers.resize(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetLayer& l = net.layers[i];
    QuantizedLayer& ql = qnet->layers[i];
    LayerSpec& s = ql.spec;
    s = LayerSpec{};
    ql.runs_kernel = true;
    s.geometry = l.geometry;
    if (!l.inputs.empty()) {  // a constant reads none
      s.input = qnet->tensors.at(l.inputs[0]);
    }
    s.output = qnet->tensors.at(l.name);
    s.rounding = l.precision.rounding;
    s.activation = l.activation;
    s.accumulator = l.precision.accumulator;
    s.kernel_h = l.kernel_h;
    s.kernel_w = l.kernel_w;
    s.count_include_pad = l.count_include_pad;
    const QuantParams* w = NetOpHasWeights(l.op) ? &weight_params.at(l.name) : nullptr;
    // The op's integer layer (ops.h).
    ql.runs_kernel = OpOf(l.op).int_spec(l, net, qnet->tensors, w, ql.bias.has_value(), &s);
    // Checked once here, so the golden runs need not (LayerInputs::weights_checked).
    if (ql.runs_kernel && w != nullptr) {
      CheckValues(ql.weights, s.weights.type, "layer " + l.name + ": weights");
    }
  }
}

QuantizedNetwork WithAccumulator(QuantizedNetwork qnet, const AccumulatorSpec& accumulator) {
  return WithAccumulator(std::move(qnet),
                         AccumulatorOverride{accumulator.bits, accumulator.overflow});
}

QuantizedNetwork WithAccumulator(QuantizedNetwork qnet, const AccumulatorOverride& accumulator) {
  for (size_t i = 0; i < qnet.layers.size(); ++i) {
    accumulator.ApplyTo(&qnet.layers[i].spec.accumulator);
    accumulator.ApplyTo(&qnet.net.layers[i].precision.accumulator);
  }
  return qnet;
}

IntTensor QuantizeInput(const FloatTensor& x, const QuantParams& p, RoundingMode mode) {
  IntTensor q(x.shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    q[i] = p.type.kind == IntKind::kBinary
               ? (x[i] >= 0.0f ? 1 : -1)
               : Quantize(x[i], p.scales[0], p.zero_points[0], p.type, mode);
  }
  return q;
}

}  // namespace quasar::models
