// EvalCache (eval_cache.h): keys of exactly what a layer's counts depend on, and a sharded map.

#include "quasar/sim/eval_cache.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "quasar/sim/analytical.h"

namespace quasar::sim {
namespace {

using compiler::LayerSchedule;

int64_t Bits(double v) {
  int64_t b = 0;
  static_assert(sizeof b == sizeof v);
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// The accelerator's timing fields, every numeric field of the layer's schedule that the
// evaluation reads (compiler::LayerFieldsOf, one list with the mapper's memo and the GEMM bound),
// and the tiling, last.
constexpr size_t kArchFields = 16;
constexpr size_t kTilingAt = kArchFields + std::tuple_size<compiler::LayerFields>::value;
using Key = std::array<int64_t, kTilingAt + 4>;

Key KeyOf(const LayerSchedule& l, const models::ArchSpec& a) {
  const compiler::Tiling& t = l.tiling;
  auto buffer = [](const models::BufferSpec& s, int64_t* out) {
    out[0] = s.kib, out[1] = s.word_bytes, out[2] = s.double_buffered;
  };
  Key k{a.rows,
        a.cols,
        static_cast<int64_t>(a.dataflow),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,  // the buffers, below
        Bits(a.dram.bytes_per_cycle),
        a.dram.latency_cycles,
        Bits(a.post_elements_per_cycle),
        static_cast<int64_t>(a.conventions)};
  buffer(a.input, &k[3]);
  buffer(a.weight, &k[6]);
  buffer(a.output, &k[9]);
  const compiler::LayerFields layer = compiler::LayerFieldsOf(l);
  std::copy(layer.begin(), layer.end(), k.begin() + kArchFields);
  k[kTilingAt] = t.m, k[kTilingAt + 1] = t.k, k[kTilingAt + 2] = t.n;
  k[kTilingAt + 3] = static_cast<int64_t>(t.order);
  return k;
}

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    // Each value mixed by splitmix64's finalizer (constants from Vigna's splitmix64.c,
    // prng.di.unimi.it; Steele, Lea and Flood, OOPSLA 2014), folded in as boost::hash_combine
    // does (seed + 0x9e3779b9 + (seed << 6) + (seed >> 2), 64-bit golden ratio here).
    for (int64_t v : k) {
      uint64_t x = static_cast<uint64_t>(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      h ^= x ^ (x >> 31);
    }
    return static_cast<size_t>(h);
  }
};

// A key with its hash, computed once per lookup: the shard and the map's find and emplace read
// the same value instead of hashing the key's words again (a chain of one dependent mixing step per
// word).
struct HashedKey {
  Key key;
  size_t hash;
  bool operator==(const HashedKey& o) const { return hash == o.hash && key == o.key; }
};

struct StoredHash {
  size_t operator()(const HashedKey& k) const { return k.hash; }
};

// The fast or maximal search of one layer: its candidates, each one's bound, and the counts of
// each candidate once one configuration has priced it (set once, under `mutex`, and never
// changed, so a reference to a set slot stays valid): a configuration that replays the search
// prices its candidates without a lookup in the map.
struct Search {
  std::vector<compiler::Tiling> candidates;
  std::vector<GemmBound> bounds;
  mutable std::mutex mutex;
  mutable std::vector<std::optional<LayerPerf>> perfs;  // one per candidate
  mutable std::vector<size_t> order;  // the last pricing order (PickCheapest's `order`)
};

struct Entry {
  std::optional<LayerPerf> perf;  // names left empty: they are the caller's layer's
  std::optional<GemmBound> bound;
  std::shared_ptr<const Search> search;  // under a key whose tiling is the search's marker
};

constexpr size_t kShards = 16;

}  // namespace

struct EvalCache::Impl {
  struct Shard {
    std::mutex mutex;
    std::unordered_map<HashedKey, Entry, StoredHash> map;
  };
  explicit Impl(size_t max_entries) : per_shard(std::max<size_t>(1, max_entries / kShards)) {}
  size_t per_shard;
  Shard shards[kShards];
  std::atomic<size_t> hits{0}, misses{0};

  // Runs `lookup(entry)` under the shard's lock: an engaged optional if the entry answers.
  // Otherwise computes with `compute()` outside the lock and stores it with `store(entry, v)`.
  template <typename Lookup, typename Compute, typename Store>
  auto Get(const Key& k, Lookup lookup, Compute compute, Store store) {
    const HashedKey key{k, KeyHash{}(k)};
    Shard& s = shards[(key.hash >> 7) % kShards];
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      auto it = s.map.find(key);
      if (it != s.map.end()) {
        if (auto v = lookup(it->second)) {
          ++hits;
          return *v;
        }
      }
    }
    ++misses;
    auto v = compute();
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end()) {
      if (s.map.size() >= per_shard) {
        s.map.clear();
      }
      it = s.map.emplace(key, Entry{}).first;
    }
    store(it->second, v);
    return v;
  }
};

EvalCache::EvalCache(size_t max_entries) : impl_(std::make_unique<Impl>(max_entries)) {}
EvalCache::~EvalCache() = default;

LayerPerf EvalCache::Evaluate(const LayerSchedule& l, const models::ArchSpec& arch,
                              const DramModel& dram) {
  if (!l.ok() || l.kind == compiler::LayerKind::kView) {
    return EvaluateLayer(l, arch, dram);  // nothing to count
  }
  LayerPerf p = impl_->Get(
      KeyOf(l, arch),
      [](const Entry& e) { return e.perf; },
      [&] {
        LayerPerf r = EvaluateLayer(l, arch, dram);
        r.name.clear(), r.op.clear();
        return r;
      },
      [](Entry& e, const LayerPerf& v) { e.perf = v; });
  p.name = l.name;
  p.op = l.op;
  return p;
}

GemmBound EvalCache::Bound(const LayerSchedule& l, const models::ArchSpec& arch,
                           const DramModel& dram, GemmBounder* bounder) {
  return impl_->Get(
      KeyOf(l, arch), [](const Entry& e) { return e.bound; },
      [&] { return bounder != nullptr ? bounder->Bound(l, arch, dram) : BoundGemm(l, arch, dram); },
      [](Entry& e, const GemmBound& v) { e.bound = v; });
}

void EvalCache::MapLayer(LayerSchedule* l, const models::ArchSpec& arch,
                         const models::CostTable& table, const models::AreaBreakdown& area,
                         compiler::Objective objective, const DramModel& dram,
                         compiler::MapperSearch search, GemmBounder* bounder) {
  if (l->kind != compiler::LayerKind::kGemm || !l->ok() ||
      arch.conventions == models::Conventions::kScaleSim ||
      search == compiler::MapperSearch::kDense ||
      search == compiler::MapperSearch::kRefined) {
    compiler::MapLayer(
        l, arch,
        [&](const LayerSchedule& x) { return LayerCost(x, arch, table, area, objective, dram, this); },
        [&](const LayerSchedule& x) {
          return LayerCostBound(x, arch, table, area, objective, dram, bounder, this);
        },
        search);
    return;
  }
  // The search's key: the layer with a tiling no search produces (extents < 1), by search.
  Key key = KeyOf(*l, arch);
  key[kTilingAt] = key[kTilingAt + 1] = key[kTilingAt + 2] = 0;
  key[kTilingAt + 3] = -1 - static_cast<int64_t>(search);
  const std::shared_ptr<const Search> found = impl_->Get(
      key,
      [](const Entry& e) {
        return e.search ? std::optional<std::shared_ptr<const Search>>(e.search) : std::nullopt;
      },
      [&] {
        auto r = std::make_shared<Search>();
        r->candidates = compiler::CandidateTilings(*l, arch, search);
        r->perfs.resize(r->candidates.size());
        r->bounds.reserve(r->candidates.size());
        for (const compiler::Tiling& t : r->candidates) {
          l->tiling = t;
          r->bounds.push_back(bounder != nullptr ? bounder->Bound(*l, arch, dram)
                                                 : BoundGemm(*l, arch, dram));
        }
        return std::shared_ptr<const Search>(std::move(r));
      },
      [](Entry& e, const std::shared_ptr<const Search>& v) { e.search = v; });
  const Search& sr = *found;
  l->candidates = static_cast<int64_t>(sr.candidates.size());
  l->feasible_candidates = l->priced = 0;
  double best = 0;
  const size_t n = sr.candidates.size();
  std::vector<size_t> order;
  {
    std::lock_guard<std::mutex> lock(sr.mutex);
    order = sr.order;
  }
  const size_t i = compiler::PickCheapest(
      n, [&](size_t j) { return PriceBound(sr.bounds[j], arch, table, area, objective); },
      [&](size_t j) {
        {
          std::lock_guard<std::mutex> lock(sr.mutex);
          if (sr.perfs[j]) {
            const LayerPerf& known = *sr.perfs[j];
            return PriceCost(known, arch, table, area, objective);
          }
        }
        l->tiling = sr.candidates[j];
        LayerPerf p = Evaluate(*l, arch, dram);
        const double price = PriceCost(p, arch, table, area, objective);
        std::lock_guard<std::mutex> lock(sr.mutex);
        if (!sr.perfs[j]) {
          sr.perfs[j] = std::move(p);
        }
        return price;
      },
      l, &best, &order);
  {
    std::lock_guard<std::mutex> lock(sr.mutex);
    sr.order = std::move(order);
  }
  compiler::SetMapping(l, arch, i < n ? std::optional<compiler::Tiling>(sr.candidates[i])
                                      : std::nullopt);
}

size_t EvalCache::hits() const { return impl_->hits; }
size_t EvalCache::misses() const { return impl_->misses; }

}  // namespace quasar::sim
