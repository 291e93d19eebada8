// `quasar gen-tensor`: writes a seeded, uniformly random integer tensor as .npy, so demos and
// experiments have reproducible inputs without Python.

#include <fmt/core.h>

#include <random>

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/int_type.h"
#include "quasar/models/npy.h"
#include "output_paths.h"

namespace quasar::cli {

Command AddGenTensorCommand(CLI::App& app) {
  struct Options {
    std::string shape, type = "int8", out, dtype;
    uint64_t seed = 1;
    std::optional<int64_t> lo, hi;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("gen-tensor", "Write a seeded random integer tensor (.npy)");
  cmd->add_option("--shape", opt->shape, "Comma-separated shape, e.g. 1,8,16,16")->required();
  cmd->add_option("--type", opt->type, "Value type: int1..int16, uint1..uint16, binary, ternary")
      ->capture_default_str();
  cmd->add_option("--min", opt->lo, "Smallest value (default: the type's minimum)");
  cmd->add_option("--max", opt->hi, "Largest value (default: the type's maximum)");
  cmd->add_option("--seed", opt->seed, "Random seed (same seed, same tensor)")
      ->check(NonNegativeInteger())
      ->capture_default_str();
  cmd->add_option("--out", opt->out, "Output .npy path")->required()
      ->check(OutputFile());
  return [opt]() {
    const auto type = models::ParseIntType(opt->type);
    if (!type) {
      throw InputError("--type: must be int1..int16, uint1..uint16, binary or ternary, got '" +
                       opt->type + "'");
    }
    models::Shape shape;
    for (const std::string& item :
         ListItems("--shape", {opt->shape}, "1,8,16,16", /*repeats_allowed=*/true)) {
      try {
        size_t used = 0;
        const int64_t d = std::stoll(item, &used);
        if (used != item.size() || d < 0) {
          throw std::invalid_argument(item);
        }
        shape.push_back(d);
      } catch (const std::exception&) {
        throw InputError("--shape: '" + item + "' is not a non-negative integer");
      }
    }
    const int64_t lo = opt->lo.value_or(type->min());
    const int64_t hi = opt->hi.value_or(type->max());
    if (lo > hi || lo < type->min() || hi > type->max()) {
      throw InputError(fmt::format("--min/--max: [{}, {}] must be a non-empty range inside {} "
                                   "[{}, {}]", lo, hi, type->Name(), type->min(), type->max()));
    }
    // mt19937_64's sequence is fixed by the C++ standard; the modulo mapping keeps the tensor
    // identical across standard libraries (std::uniform_int_distribution is not).
    std::mt19937_64 rng(opt->seed);
    const bool binary = type->kind == models::IntKind::kBinary;
    const uint64_t span = binary ? 2 : static_cast<uint64_t>(hi - lo) + 1;
    models::IntTensor t(shape);
    for (auto& v : t.data) {
      const auto draw = static_cast<int64_t>(rng() % span);
      v = static_cast<int32_t>(binary ? (draw == 0 ? -1 : 1) : lo + draw);
    }
    const models::NpyDtype dtype = type->bits <= 8 ? (type->is_signed() ? models::NpyDtype::kInt8
                                                                        : models::NpyDtype::kUint8)
                                                   : models::NpyDtype::kInt32;
    models::WriteNpy(opt->out, t, dtype);
    fmt::print("wrote {} {} {} (seed {})\n", opt->out, type->Name(), models::ShapeToString(shape),
               opt->seed);
    return 0;
  };
}

}  // namespace quasar::cli
