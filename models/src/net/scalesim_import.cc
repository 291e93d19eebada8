#include "quasar/models/net/scalesim_import.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "../ascii_lower.h"
#include "quasar/models/spec/geometry_reader.h"
#include "quasar/models/text_file.h"

namespace quasar::models {
namespace {

std::string TrimSpace(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) {
    ++b;
  }
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) {
    --e;
  }
  return s.substr(b, e - b);
}

std::vector<std::string> SplitRow(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) {
    cells.push_back(TrimSpace(cell));
  }
  while (!cells.empty() && cells.back().empty()) {  // SCALE-Sim's trailing comma
    cells.pop_back();
  }
  return cells;
}

}  // namespace

NetworkSpec ParseScaleSimCsv(const std::string& text, const std::string& where,
                             const std::string& name) {
  ErrorList errors(where);
  NetworkSpec net;
  net.name = name;
  net.file = where;
  net.source = "imported from the SCALE-Sim topology " + where;
  std::stringstream in(text);
  std::string line;
  int line_no = 0;
  bool gemm = false, have_header = false;
  while (std::getline(in, line)) {
    ++line_no;
    const std::vector<std::string> cells = SplitRow(line);
    if (cells.empty()) {
      continue;
    }
    const std::string at = "line " + std::to_string(line_no);
    if (!have_header) {
      have_header = true;
      const std::string h = cells.size() > 1 ? AsciiLower(cells[1]) : "";
      gemm = cells.size() == 4 && h == "m" && AsciiLower(cells[2]) == "n" &&
             AsciiLower(cells[3]) == "k";
      if (!gemm && h.find("ifmap") == std::string::npos) {
        errors.Add(at,
                   "expected a SCALE-Sim header (\"Layer name, IFMAP Height, ...\" or "
                   "\"Layer, M, N, K\"), got '" +
                       TrimSpace(line) + "'");
        break;
      }
      continue;
    }
    const size_t want_min = gemm ? 4 : 8, want_max = gemm ? 4 : 9;
    if (cells.size() < want_min || cells.size() > want_max) {
      errors.Add(at, "expected " + std::to_string(want_min) +
                         (want_min == want_max ? "" : " or " + std::to_string(want_max)) +
                         " comma-separated fields, got " + std::to_string(cells.size()));
      continue;
    }
    std::vector<int64_t> v;
    bool ok = true;
    for (size_t c = 1; c < cells.size(); ++c) {
      size_t used = 0;
      long long x = 0;
      try {
        x = std::stoll(cells[c], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != cells[c].size() || x < 1 || x > kMaxExtent) {
        errors.Add(
            at + ", column " + std::to_string(c + 1),
            "must be an integer in 1.." + std::to_string(kMaxExtent) + ", got '" + cells[c] + "'");
        ok = false;
      }
      v.push_back(x);
    }
    if (!ok) {
      continue;
    }
    NetLayer l;
    l.name = cells[0].empty() ? "line" + std::to_string(line_no) : cells[0];
    if (std::any_of(net.layers.begin(), net.layers.end(),
                    [&](const NetLayer& other) { return other.name == l.name; })) {
      errors.Add(at, "layer name '" + l.name + "' is used by an earlier row");
      continue;
    }
    NetInput input;
    input.name = l.name + ".ifmap";
    if (gemm) {  // M, N, K
      l.op = NetOp::kFullyConnected;
      l.out_channels = v[1];
      input.shape = {v[0], v[2]};
    } else {  // ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filter, stride_h[, stride_w]
      const bool depthwise = cells[0].find("DP") != std::string::npos;
      l.op = depthwise ? NetOp::kDepthwiseConv2d : NetOp::kConv2d;
      l.kernel_h = v[2];
      l.kernel_w = v[3];
      l.geometry.stride_h = v[6];
      l.geometry.stride_w = v.size() == 8 ? v[7] : v[6];
      if (depthwise) {
        l.multiplier = v[5];
      } else {
        l.out_channels = v[5];
      }
      input.shape = {1, v[4], v[0], v[1]};
      // SCALE-Sim's output size ceil((ifmap - filter + stride) / stride) counts a last, partial
      // window; padding the far edge up to it gives the same size, MACs and GEMM shape.
      if (v[0] >= v[2] && v[1] >= v[3]) {
        l.geometry.pad_bottom =
            (l.geometry.stride_h - (v[0] - v[2]) % l.geometry.stride_h) % l.geometry.stride_h;
        l.geometry.pad_right =
            (l.geometry.stride_w - (v[1] - v[3]) % l.geometry.stride_w) % l.geometry.stride_w;
      }
    }
    l.inputs = {input.name};
    net.inputs.push_back(input);
    net.layers.push_back(l);
  }
  if (!have_header) {
    errors.Add("", "the file is empty; expected a SCALE-Sim header and layer rows");
  } else if (net.layers.empty() && errors.empty()) {
    errors.Add("", "the file has a header but no layer rows");
  }
  errors.ThrowIfAny();
  InferShapes(&net, &errors);
  errors.ThrowIfAny();
  net = ResolvePrecision(std::move(net));
  return net;
}

NetworkSpec ImportScaleSimCsv(const std::string& path) {
  return ParseScaleSimCsv(ReadTextFile(path, "file"), path,
                          std::filesystem::path(path).stem().string());
}

}  // namespace quasar::models
