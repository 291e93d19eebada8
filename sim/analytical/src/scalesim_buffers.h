#pragma once
// scale-sim-v2's USER-mode scratchpad buffers (commit 22f88b1, scalesim/memory/), as the timing
// that scalesim_stalls.h walks them needs: which demanded address misses, when a prefetch
// arrives, and when the output buffer makes the array wait. Internal to the analytical model.

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace quasar::sim::scalesim {

// read_buffer.py: an input SRAM of `bytes` one-byte words served by an interface of
// `words_per_cycle` words a cycle.
//
// - prepare_hashed_buffer (lines 137-180): the operand's prefetch order, -1 entries skipped, is
//   cut into sets of ceil(bytes / 100) elements (the last one partial, or empty when the count
//   divides evenly); the active half holds ceil(ceil(bytes / 2) / set) consecutive sets, the
//   prefetch half up to ceil((bytes - ceil(bytes / 2)) / set) more (set_params lines 69-71).
// - active_buffer_hit (183-205): an address hits when a set of the active window, which wraps
//   around the set list, contains it.
// - service_reads (208-251): a missing address slides the window by the prefetch half's sets
//   (new_prefetch lines 326-334) until it hits; every slide is a prefetch that completes
//   ceil(prefetch half / words_per_cycle) + 1 cycles after the previous one (lines 338, 366-377,
//   read_port.py's latency of 1), the first one after cycle -1, which is when the initial fill
//   completes (prefetch_active_buffer lines 284-293 with a request cycle of 0). A row's reads
//   finish at max(its cycle + 1, the last prefetch it waited for) (lines 223-246).
class ReadBuffer {
 public:
  // Visits the prefetch matrix's addresses in v2's order, -1 for a null entry.
  using Order = std::function<void(const std::function<void(int64_t)>&)>;

  // Addresses are in [0, address_count). Throws std::invalid_argument for a non-positive size or
  // bandwidth.
  ReadBuffer(const Order& order, int64_t address_count, int64_t bytes, int64_t words_per_cycle);

  // Serves one demand row issued at `cycle`; returns the cycles the row waits beyond the hit
  // latency (double_buffered_scratchpad_mem.py line 176).
  int64_t ServeRow(const int64_t* addresses, int64_t count, int64_t cycle);

  int64_t prefetches() const { return prefetches_; }
  // The words v2 counts as read from DRAM (num_access): the initial fill's lines, ceil(active
  // half / words_per_cycle) but at most the prefetch matrix's, and each prefetch's lines, all
  // full width (prefetch_active_buffer lines 259-264, new_prefetch lines 338-341).
  int64_t dram_reads() const { return first_fill_words_ + prefetches_ * prefetch_words_; }

 private:
  bool Hit(int64_t address) const;

  std::vector<int64_t> first_;  // address -> its first entry in sets_ (CSR)
  std::vector<int32_t> sets_;   // the sets holding each address, ascending
  int64_t num_sets_ = 0, active_sets_ = 0, prefetch_sets_ = 0;
  int64_t window_start_ = 0;
  int64_t prefetch_cycles_ = 0;  // ceil(prefetch half / words_per_cycle) + 1
  int64_t last_prefetch_ = -1;   // completion cycle of the latest prefetch
  int64_t prefetches_ = 0;
  int64_t first_fill_words_ = 0, prefetch_words_ = 0;
};

// write_buffer.py: the output SRAM of `bytes` one-byte words, drained through an interface of
// `words_per_cycle` words a cycle (write_port.py: no latency).
//
// - service_writes (159-198): each written element joins the current line of words_per_cycle
//   words and takes a word of free space (store_to_trace_mat_cache, 101-126). While a drain is
//   under way, an element that leaves no free space stalls the array until the drain's end;
//   otherwise, once fewer than ceil(bytes / 2) words are free, the partial line is closed
//   (append_to_trace_mat with force, 129-156) and a drain starts at the element's cycle.
// - empty_drain_buf (201-232): a drain sends up to ceil(drain half / words_per_cycle) of the
//   lines not yet drained, one a cycle, ending at its start + lines - 1, and frees lines x width
//   words less the last line's empty slots, at once (so a partial line inside the batch frees
//   more than it held, as v2 counts it).
class WriteBuffer {
 public:
  WriteBuffer(int64_t bytes, int64_t words_per_cycle);

  // Writes `count` elements of a demand row issued at `cycle`; returns the cycles the row
  // waits (line 188: its last element's cycle minus its issue cycle).
  int64_t WriteRow(int64_t count, int64_t cycle);
  // After the last row: drains what is left (empty_all_buffers, 235-243) and returns the words
  // v2 counts as written to DRAM (num_access: each drain's freed words, lines 210-215).
  int64_t Finish();

 private:
  int64_t Drain(int64_t start);

  int64_t active_ = 0, drain_lines_ = 0, width_ = 0;
  int64_t free_ = 0;
  int64_t line_fill_ = 0;      // elements in the open line
  std::deque<int64_t> lines_;  // elements of each closed line not yet drained, in order
  int64_t drain_end_ = 0;
  int64_t dram_writes_ = 0;
};

}  // namespace quasar::sim::scalesim
