#include "quasar/models/spec/geometry_reader.h"

namespace quasar::models {

std::optional<std::pair<int64_t, int64_t>> ReadIntPair(const MapReader& m, const std::string& key,
                                                       int64_t fallback, int64_t min_value) {
  auto v = m.IntList(key, false);
  if (!v) {
    if (m.Has(key)) {
      return std::nullopt;  // malformed; IntList recorded the error
    }
    return std::make_pair(fallback, fallback);
  }
  if (v->size() != 1 && v->size() != 2) {
    m.Error(key, "must be one integer or [h, w], got " + Describe(m.Get(key)));
    return std::nullopt;
  }
  const int64_t h = (*v)[0], w = v->size() == 2 ? (*v)[1] : (*v)[0];
  if (h < min_value || w < min_value) {
    m.Error(key, "must be >= " + std::to_string(min_value) + ", got " + Describe(m.Get(key)));
    return std::nullopt;
  }
  if (h > kMaxExtent || w > kMaxExtent) {
    m.Error(key, "must be <= " + std::to_string(kMaxExtent) + ", got " + Describe(m.Get(key)));
    return std::nullopt;
  }
  return std::make_pair(h, w);
}

void ReadPadding(const MapReader& m, const std::string& key, Conv2dGeometry* g) {
  if (!m.Has(key)) {
    return;
  }
  const YAML::Node p = m.Get(key);
  if (p.IsMap()) {
    MapReader pm(p, m.PathOf(key), m.errors());
    pm.RejectUnknownKeys({"top", "bottom", "left", "right"});
    int64_t* sides[] = {&g->pad_top, &g->pad_bottom, &g->pad_left, &g->pad_right};
    const char* names[] = {"top", "bottom", "left", "right"};
    for (int i = 0; i < 4; ++i) {
      if (auto v = pm.Int(names[i], false)) {
        if (*v < 0 || *v > kMaxExtent) {
          pm.Error(names[i],
                   "must be in 0.." + std::to_string(kMaxExtent) + ", got " + std::to_string(*v));
        } else {
          *sides[i] = *v;
        }
      }
    }
    return;
  }
  if (auto hw = ReadIntPair(m, key, 0, 0)) {
    g->pad_top = g->pad_bottom = hw->first;
    g->pad_left = g->pad_right = hw->second;
  }
}

}  // namespace quasar::models
