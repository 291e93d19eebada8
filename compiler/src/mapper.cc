#include "quasar/compiler/mapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

#include "quasar/models/error.h"
#include "quasar/models/net/input_storage.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/spec/arch_fields.h"

namespace quasar::compiler {
namespace {

using models::NetOp;

// Widths as the MAC sees them: an unsigned operand on a signed MAC takes one more bit.
int MacBits(const models::OperandPrecision& p, bool mac_signed) {
  const models::IntType t = p.StorageType();
  return t.bits + (mac_signed && !t.is_signed() ? 1 : 0);
}

// The largest |x - z| an operand of this precision can take: the whole range when the zero point
// may sit anywhere (asymmetric), else the larger magnitude of the range.
int64_t MaxMagnitude(const models::OperandPrecision& p) {
  const models::IntType t = p.StorageType();
  if (!p.symmetric && models::QuantCodeOf(p.code).affine) {
    return t.max() - t.min();
  }
  return std::max(std::abs(t.min()), std::abs(t.max()));
}

// The block scale stored with an operand's values: its code's (MX blocks), or for weights
// quantized per group, the group's float16 scale and, asymmetric, its zero point of the weights'
// bits (llm-awq's WQLinear stores `scales` as float16 [K / g, N] and `qzeros` packed at the
// weights' bits, awq/quantize/qmodule.py), or none.
BlockScale BlockScaleOf(const models::OperandPrecision& p) {
  if (p.granularity == models::Granularity::kPerGroup) {
    return BlockScale{p.group_size, 16 + (p.symmetric ? 0 : p.bits)};
  }
  const models::QuantCodeDef& d = models::QuantCodeOf(p.code);
  return BlockScale{d.block, d.block_scale_bits};
}

// What an operand's values are stored as in DRAM and SRAM: a network input's storage format
// (input_storage.h; converted to its precision at the array's edge), else its precision.
models::OperandPrecision StoredPrecision(const models::NetworkSpec& net, const std::string& tensor,
                                         const models::OperandPrecision& p) {
  const models::NetInput* in = net.FindInput(tensor);
  return in != nullptr ? models::StoragePrecision(*in).value_or(p) : p;
}

// Signed bits holding +-(k * a * w).
int SignedBitsFor(int64_t k, int64_t a, int64_t w) {
  const long double bound = static_cast<long double>(k) * a * w;
  int bits = 1;
  long double half_range = 1;  // 2^(bits - 1), doubled exactly in step with bits
  while (half_range - 1 < bound) {
    ++bits;
    half_range *= 2;
  }
  return bits;
}

}  // namespace

LayerSchedule PrepareLayer(const models::NetLayer& layer, const models::NetworkSpec& net,
                           const models::ArchSpec& arch) {
  LayerSchedule l;
  l.index = static_cast<int>(&layer - net.layers.data());
  l.name = layer.name;
  l.op = models::NetOpName(layer.op);
  const models::OperandPrecision& out_p = net.tensor_precision.at(layer.name);
  const models::OperandPrecision& in_p =  // a constant reads none: its value is its output
      layer.inputs.empty() ? out_p : net.tensor_precision.at(layer.inputs[0]);
  l.out_elements = models::NumElements(layer.output_shape);
  for (const std::string& t : layer.inputs) {
    l.in_elements += models::NumElements(net.ShapeOf(t));
  }
  const models::OperandPrecision in_stored =
      layer.inputs.empty() ? in_p : StoredPrecision(net, layer.inputs[0], in_p);
  l.bits.a_bits = in_stored.bits;
  l.bits.out_bits = out_p.bits;
  l.bits.a_scale = BlockScaleOf(in_stored);
  l.bits.out_scale = BlockScaleOf(out_p);
  l.bits.acc_bits = arch.mac.accumulator.bits;

  const models::OpDef& op = models::OpOf(layer.op);
  const models::PostEvents post = op.post_events(layer, net);
  l.post_multiplies_per_out = post.multiplies, l.post_adds_per_out = post.adds;
  l.post_compares_per_out = post.compares;
  switch (op.lowering) {
    case models::OpLowering::kView:
      l.kind = LayerKind::kView;
      return l;
    case models::OpLowering::kPost:  // data movement and arithmetic on the post unit
      l.kind = LayerKind::kPost;
      return l;
    case models::OpLowering::kGemm:
      break;
  }
  l.kind = LayerKind::kGemm;
  l.gemm = *LowerToGemm(layer, net);
  const models::OperandPrecision w_p = models::GemmBPrecision(layer, net);
  const models::OperandPrecision w_stored =
      models::GemmBIsInput(layer.op) ? StoredPrecision(net, layer.inputs[1], w_p) : w_p;
  l.bits.w_bits = w_stored.bits;
  l.bits.w_scale = BlockScaleOf(w_stored);
  l.bits.w_grouped = w_p.granularity == models::Granularity::kPerGroup;
  l.bits.mac_a_bits = MacBits(in_p, arch.mac.is_signed);
  l.bits.mac_w_bits = MacBits(w_p, arch.mac.is_signed);
  l.bits.binary = models::XnorProducts(in_p.StorageType(), w_p.StorageType());
  l.pack = l.bits.binary ? arch.mac.BinaryProductsPerCycle()
                         : arch.mac.ProductsPerCycle(w_p.code, in_p.code, l.bits.mac_w_bits,
                                                     l.bits.mac_a_bits);
  const bool formats = models::IsNumberFormat(w_p.code) || models::IsNumberFormat(in_p.code) ||
                       arch.mac.format != models::QuantCode::kLinear;
  const models::GemmInput from = models::OpOf(layer.op).gemm_input;
  if (from != models::GemmInput::kDirect) {
    const models::Shape& x = net.ShapeOf(layer.inputs[0]);
    l.in_h = x[2], l.in_w = x[3];
    l.out_h = layer.output_shape[2], l.out_w = layer.output_shape[3];
    l.kernel_h = layer.kernel_h, l.kernel_w = layer.kernel_w;
    l.stride_h = layer.geometry.stride_h, l.dilation_h = layer.geometry.dilation_h;
    if (models::GemmInputOf(from).footprint_stride_one) {
      l.stride_h = 1;  // the input footprint (schedule.cc) bounded as for stride 1 (gemm_input.h)
    }
  }
  l.tiling = Tiling{l.gemm.m, l.gemm.k, l.gemm.n, LoopOrder::kMNK};
  // Integer operands only: a number format's products are not integers on a grid.
  l.required_acc_bits =
      formats ? 0 : SignedBitsFor(l.gemm.k, MaxMagnitude(in_p), MaxMagnitude(w_p));
  if (l.required_acc_bits > l.bits.acc_bits) {
    l.warnings.push_back(fmt::format(
        "accumulator of {} bits is narrower than the {} bits {} products of {} x {} operands can "
        "reach; outputs may {} (a golden run, `quasar infer`, gives the width these weights need)",
        l.bits.acc_bits, l.required_acc_bits, l.gemm.k, in_p.Describe(), w_p.Describe(),
        arch.mac.accumulator.overflow == models::OverflowMode::kSaturate ? "saturate" : "wrap"));
  }
  if (arch.conventions == models::Conventions::kScaleSim && l.pack > 1) {
    l.pack = 1;  // SCALE-Sim's PEs complete one product per cycle whatever the widths
  }
  if (l.pack == 0 && formats) {
    l.status = fmt::format(
        "the {} MAC cannot run {} activations x {} weights (a format MAC runs "
        "its own format only, an integer MAC none)",
        arch.mac.format == models::QuantCode::kLinear
            ? fmt::format("{}-bit x {}-bit integer", arch.mac.activation_bits, arch.mac.weight_bits)
            : models::QuantCodeName(arch.mac.format),
        in_p.Describe(), w_p.Describe());
    l.pack = 1;
  } else if (l.pack == 0) {
    l.status = fmt::format(
        "the {}-bit x {}-bit MAC (precision_scaling {}) cannot run {}-bit activations x {}-bit "
        "weights",
        arch.mac.activation_bits, arch.mac.weight_bits,
        models::PrecisionScalingName(arch.mac.scaling), l.bits.mac_a_bits, l.bits.mac_w_bits);
    l.pack = 1;
  }
  return l;
}

std::string PrepareKey(const models::ArchSpec& arch) {
  std::string key;
  for (const models::ArchField& f : models::ArchFields()) {
    if (f.key.compare(0, 4, "mac.") != 0 && f.key != "conventions") {
      continue;
    }
    const models::ArchValue v = f.get(arch);
    key += f.key + '=';
    if (const auto* i = std::get_if<int64_t>(&v)) {
      key += std::to_string(*i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      key += models::ShortestNumber(*d);
    } else if (const auto* b = std::get_if<bool>(&v)) {
      key += *b ? "true" : "false";
    } else {
      key += std::get<std::string>(v);
    }
    key += ';';
  }
  return key;
}

bool TilingFits(const LayerSchedule& l, const Tiling& tiling, const models::ArchSpec& arch,
                std::string* why) {
  // The largest tile is the tiling clipped to the GEMM.
  const Tiling t{std::min(tiling.m, l.gemm.m), std::min(tiling.k, l.gemm.k),
                 std::min(tiling.n, l.gemm.n), tiling.order};
  const int64_t a =
      PackedBytes(InputFootprintBound(l, t.m, t.k), l.bits.a_bits, l.bits.a_scale, t.k);
  const int64_t b = PackedBytes(t.k * t.n, l.bits.w_bits, l.bits.w_scale, t.k);
  const int64_t o = PackedBytes(t.m * t.n, l.bits.acc_bits);
  const int64_t ua = arch.input.UsableBytes(), ub = arch.weight.UsableBytes(),
                uo = arch.output.UsableBytes();
  if (why != nullptr) {
    why->clear();
    auto note = [&](const char* buf, int64_t need, int64_t have) {
      *why += fmt::format("{}{} buffer needs {} bytes, {} usable", why->empty() ? "" : "; ", buf,
                          need, have);
    };
    if (a > ua) note("input", a, ua);
    if (b > ub) note("weight", b, ub);
    if (o > uo) note("output", o, uo);
  }
  return a <= ua && b <= ub && o <= uo;
}

Schedule CompileNetwork(const models::NetworkSpec& net, const models::ArchSpec& arch,
                        Objective objective, const CostFn& cost, const CostFn& bound,
                        MapperSearch search) {
  return CompileNetwork(net, arch, objective,
                        [&](LayerSchedule* l) { MapLayer(l, arch, cost, bound, search); });
}

Schedule CompileNetwork(const models::NetworkSpec& net, const models::ArchSpec& arch,
                        Objective objective, const LayerMapFn& map,
                        const std::vector<LayerSchedule>* prepared) {
  if (prepared != nullptr && prepared->size() != net.layers.size()) {
    throw std::logic_error("CompileNetwork: prepared layers of another network");
  }
  Schedule s;
  s.network = net.name;
  s.arch = arch.name;
  s.objective = objective;
  // Everything PrepareLayer sets that the price reads: shape, geometry, widths, packing.
  std::map<LayerFields, LayerSchedule> memo;
  for (const models::NetLayer& layer : net.layers) {
    LayerSchedule l = prepared != nullptr
                          ? (*prepared)[static_cast<size_t>(&layer - net.layers.data())]
                          : PrepareLayer(layer, net, arch);
    if (l.kind == LayerKind::kGemm && l.ok()) {
      const LayerFields key = LayerFieldsOf(l);
      auto it = memo.find(key);
      if (it != memo.end()) {
        l.tiling = it->second.tiling;
        l.candidates = it->second.candidates;
        l.feasible_candidates = it->second.feasible_candidates;
        l.priced = it->second.priced;
        l.status = it->second.status;
      } else {
        map(&l);
        memo.emplace(key, l);
      }
    }
    s.layers.push_back(std::move(l));
  }
  return s;
}

std::string ScheduleMismatch(const Schedule& schedule, const models::NetworkSpec& net,
                             const models::ArchSpec& arch) {
  const size_t n = std::min(schedule.layers.size(), net.layers.size());
  for (size_t i = 0; i < n; ++i) {
    const LayerSchedule& got = schedule.layers[i];
    const LayerSchedule want = PrepareLayer(net.layers[i], net, arch);
    const std::string where = fmt::format("layer {} '{}'", i, got.name);
    if (got.name != want.name || got.op != want.op || got.kind != want.kind) {
      return fmt::format("{} ({}) is '{}' ({}) in network {}", where, got.op, want.name, want.op,
                         net.name);
    }
    if (want.kind != LayerKind::kGemm) {
      continue;
    }
    const GemmShape &g = got.gemm, &w = want.gemm;
    if (g.count != w.count || g.m != w.m || g.k != w.k || g.n != w.n) {
      return fmt::format("{}: GEMM {}x({}x{}x{}) differs from the network's {}x({}x{}x{})", where,
                         g.count, g.m, g.k, g.n, w.count, w.m, w.k, w.n);
    }
    if (got.in_h != want.in_h || got.in_w != want.in_w || got.out_h != want.out_h ||
        got.out_w != want.out_w || got.kernel_h != want.kernel_h || got.kernel_w != want.kernel_w ||
        got.stride_h != want.stride_h || got.dilation_h != want.dilation_h ||
        got.in_elements != want.in_elements || got.out_elements != want.out_elements ||
        got.post_multiplies_per_out != want.post_multiplies_per_out ||
        got.post_adds_per_out != want.post_adds_per_out ||
        got.post_compares_per_out != want.post_compares_per_out) {
      return fmt::format("{}: geometry or post-processing work differs from the network's", where);
    }
    if (got.ok() && !want.ok()) {
      return fmt::format("{}: cannot run on {}: {}", where, arch.name, want.status);
    }
    if (got.tiling.m > g.m || got.tiling.k > g.k || got.tiling.n > g.n) {
      return fmt::format("{}: tiling {}x{}x{} exceeds the GEMM {}x{}x{}", where, got.tiling.m,
                         got.tiling.k, got.tiling.n, g.m, g.k, g.n);
    }
    if (got.pack > 1 && got.tiling.k < g.k && got.tiling.k % got.pack != 0) {
      return fmt::format(
          "{}: tiling k = {} is not a whole number of packed words of {} (the "
          "reduction tile must be a multiple of the pack, or all of K = {})",
          where, got.tiling.k, got.pack, g.k);
    }
    const LayerBits &gb = got.bits, &wb = want.bits;
    if (gb.a_bits != wb.a_bits || gb.w_bits != wb.w_bits || gb.out_bits != wb.out_bits ||
        gb.mac_a_bits != wb.mac_a_bits || gb.mac_w_bits != wb.mac_w_bits ||
        gb.acc_bits != wb.acc_bits || gb.binary != wb.binary || got.pack != want.pack ||
        gb.a_scale.Key() != wb.a_scale.Key() || gb.w_scale.Key() != wb.w_scale.Key() ||
        gb.out_scale.Key() != wb.out_scale.Key() || gb.w_grouped != wb.w_grouped) {
      return fmt::format(
          "{}: was compiled for a{} w{} out{} acc{} pack {}, but this network on {} gives a{} w{} "
          "out{} acc{} pack {}",
          where, gb.a_bits, gb.w_bits, gb.out_bits, gb.acc_bits, got.pack, arch.name, wb.a_bits,
          wb.w_bits, wb.out_bits, wb.acc_bits, want.pack);
    }
    // Whether the tiling fits the buffers is not a mismatch: the layer is infeasible on this
    // accelerator, which evaluating it reports (exit 3 with the whole report).
  }
  if (schedule.layers.size() != net.layers.size()) {
    return fmt::format("the schedule has {} layers, network {} has {}", schedule.layers.size(),
                       net.name, net.layers.size());
  }
  return "";
}

}  // namespace quasar::compiler
