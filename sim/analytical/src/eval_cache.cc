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
    // Four independent lanes, each word of lane i % 4 folded in by a multiply and a shift (so the
    // four chains run side by side, where one chain of 51 dependent mixing steps was the slowest
    // part of a cached lookup), then the lanes and the length mixed by splitmix64's finalizer
    // (constants from Vigna's splitmix64.c, prng.di.unimi.it; Steele, Lea and Flood, OOPSLA 2014).
    constexpr uint64_t kOdd = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio, odd
    uint64_t lane[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < k.size(); ++i) {
      uint64_t& h = lane[i % 4];
      h = (h ^ static_cast<uint64_t>(k[i])) * kOdd;
      h ^= h >> 32;
    }
    uint64_t x = lane[0] + 3 * lane[1] + 5 * lane[2] + 7 * lane[3] + k.size();
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<size_t>(x ^ (x >> 31));
  }
};

// A key with its hash, computed once per lookup: the shard and the map's find and emplace read
// the same value instead of hashing the key's 51 words again.
struct HashedKey {
  Key key;
  size_t hash;
  bool operator==(const HashedKey& o) const { return hash == o.hash && key == o.key; }
};

struct StoredHash {
  size_t operator()(const HashedKey& k) const { return k.hash; }
};

using Perf = std::shared_ptr<const LayerPerf>;  // names left empty: they are the caller's layer's

// The fast or maximal search of one layer: its candidates, each one's bound, and the counts of
// each candidate once one configuration has priced it (set once, under `mutex`, and never
// changed): a configuration that replays the search prices its candidates without a lookup in the
// map. The counts are the map's own object, shared, not a copy.
//
// Workers replaying one search at once share it: what is set once is read without the lock
// (`known`, and `order` once `order_fixed`), as a lock taken by every read of every candidate
// was where two workers of a sweep waited on each other.
struct Search {
  explicit Search(std::vector<compiler::Tiling> c)
      : candidates(std::move(c)),
        perfs(candidates.size()),
        known(new std::atomic<const LayerPerf*>[candidates.size()]) {
    for (size_t i = 0; i < candidates.size(); ++i) known[i].store(nullptr);
  }
  const std::vector<compiler::Tiling> candidates;
  // Each candidate's bound: its price, when the objective prices a bound by the bound alone
  // (BoundPriceIsCounts), else its counts, which each configuration prices. A price is 8 bytes
  // where the counts are 168, and a sweep whose configurations all need new mappings keeps about
  // 1,800 of them per ResNet-50 configuration (docs/benchmarks.md, "Sweep workers that do not
  // wait").
  std::vector<double> prices;
  std::vector<GemmBound> bounds;
  mutable std::mutex mutex;
  mutable std::vector<Perf> perfs;  // one per candidate, null until priced; under `mutex`
  mutable std::unique_ptr<std::atomic<const LayerPerf*>[]> known;  // perfs[i].get() once set
  // The last pricing order (PickCheapest's `order`), under `mutex` until `order_fixed`: with
  // `prices` the bounds' prices are the same for every configuration, and so is the order.
  mutable std::vector<size_t> order;
  mutable std::atomic<bool> order_fixed{false};
};

// Each result held by pointer, allocated at its own size: an entry holds one of the three, and a
// sweep whose configurations all need new mappings makes about 160 entries per ResNet-50
// configuration, whose memory's first touch (page faults) cost more than the lookups when the
// entries held the results by value (docs/benchmarks.md, "Sweep workers that do not wait").
struct Entry {
  Perf perf;
  std::shared_ptr<const GemmBound> bound;
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

namespace {

// EvaluateLayer's counts of a layer that can run, through `impl`'s map.
template <typename Impl>
Perf EvaluateShared(Impl* impl, const LayerSchedule& l, const models::ArchSpec& arch,
                    const DramModel& dram) {
  return impl->Get(
      KeyOf(l, arch),
      [](const Entry& e) { return e.perf ? std::optional<Perf>(e.perf) : std::nullopt; },
      [&] {
        auto r = std::make_shared<LayerPerf>(EvaluateLayer(l, arch, dram));
        r->name.clear(), r->op.clear();
        return Perf(std::move(r));
      },
      [](Entry& e, const Perf& v) { e.perf = v; });
}

}  // namespace

LayerPerf EvalCache::Evaluate(const LayerSchedule& l, const models::ArchSpec& arch,
                              const DramModel& dram) {
  if (!l.ok() || l.kind == compiler::LayerKind::kView) {
    return EvaluateLayer(l, arch, dram);  // nothing to count
  }
  LayerPerf p = *EvaluateShared(impl_.get(), l, arch, dram);
  p.name = l.name;
  p.op = l.op;
  return p;
}

GemmBound EvalCache::Bound(const LayerSchedule& l, const models::ArchSpec& arch,
                           const DramModel& dram, GemmBounder* bounder) {
  using Shared = std::shared_ptr<const GemmBound>;
  return *impl_->Get(
      KeyOf(l, arch),
      [](const Entry& e) { return e.bound ? std::optional<Shared>(e.bound) : std::nullopt; },
      [&] {
        return Shared(std::make_shared<GemmBound>(bounder != nullptr ? bounder->Bound(l, arch, dram)
                                                                     : BoundGemm(l, arch, dram)));
      },
      [](Entry& e, const Shared& v) { e.bound = v; });
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
  // The search's key: the layer with a tiling no search produces (extents < 1), by search and
  // by whether it keeps prices or counts.
  const bool prices = BoundPriceIsCounts(objective);
  Key key = KeyOf(*l, arch);
  key[kTilingAt] = key[kTilingAt + 1] = key[kTilingAt + 2] = 0;
  key[kTilingAt + 3] = -1 - 2 * static_cast<int64_t>(search) - (prices ? 1 : 0);
  const std::shared_ptr<const Search> found = impl_->Get(
      key,
      [](const Entry& e) {
        return e.search ? std::optional<std::shared_ptr<const Search>>(e.search) : std::nullopt;
      },
      [&] {
        auto r = std::make_shared<Search>(compiler::CandidateTilings(*l, arch, search));
        if (prices) {
          r->prices.reserve(r->candidates.size());
        } else {
          r->bounds.reserve(r->candidates.size());
        }
        for (const compiler::Tiling& t : r->candidates) {
          l->tiling = t;
          GemmBound b =
              bounder != nullptr ? bounder->Bound(*l, arch, dram) : BoundGemm(*l, arch, dram);
          if (prices) {
            r->prices.push_back(PriceBound(b, arch, table, area, objective));
          } else {
            r->bounds.push_back(std::move(b));
          }
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
  if (sr.order_fixed.load(std::memory_order_acquire)) {
    order = sr.order;
  } else {
    std::lock_guard<std::mutex> lock(sr.mutex);
    order = sr.order;
  }
  const size_t i = compiler::PickCheapest(
      n,
      [&](size_t j) {
        return prices ? sr.prices[j] : PriceBound(sr.bounds[j], arch, table, area, objective);
      },
      [&](size_t j) {
        const LayerPerf* p = sr.known[j].load(std::memory_order_acquire);
        if (p == nullptr) {
          l->tiling = sr.candidates[j];
          Perf made = EvaluateShared(impl_.get(), *l, arch, dram);
          std::lock_guard<std::mutex> lock(sr.mutex);
          if (!sr.perfs[j]) {
            sr.perfs[j] = std::move(made);
            sr.known[j].store(sr.perfs[j].get(), std::memory_order_release);
          }
          p = sr.perfs[j].get();
        }
        return PriceCost(*p, arch, table, area, objective);
      },
      l, &best, &order);
  if (!sr.order_fixed.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(sr.mutex);
    if (!sr.order_fixed.load(std::memory_order_relaxed)) {
      sr.order = std::move(order);
      if (prices) {
        sr.order_fixed.store(true, std::memory_order_release);
      }
    }
  }
  compiler::SetMapping(l, arch, i < n ? std::optional<compiler::Tiling>(sr.candidates[i])
                                      : std::nullopt);
}

size_t EvalCache::hits() const { return impl_->hits; }
size_t EvalCache::misses() const { return impl_->misses; }

}  // namespace quasar::sim
