// The outputs of `quasar sweep`, written from its rows file (sweep_outputs.h).

#include "sweep_outputs.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "quasar/models/error.h"
#include "quasar/models/text_file.h"
#include "quasar/report/sweep.h"

namespace quasar::cli {
namespace {

namespace ex = sim::explore;

// One run of rows of the rows file: the lines from byte `begin` up to byte `end` (or the end of
// the file), parsed one at a time.
class RunReader {
 public:
  RunReader(const ex::SweepSpec& spec, const std::string& path, uint64_t begin,
            std::optional<uint64_t> end, size_t first_line)
      : spec_(spec), path_(path), in_(path, std::ios::binary), left_(end), line_no_(first_line) {
    if (!in_) {
      throw InputError("cannot read " + path);
    }
    if (end) {
      *left_ -= begin;
    }
    in_.seekg(static_cast<std::streamoff>(begin));
    Advance();
  }
  const std::optional<ex::SweepRow>& head() const { return head_; }
  void Advance() {
    head_.reset();
    std::string line;
    if ((left_ && *left_ == 0) || !std::getline(in_, line)) {
      return;
    }
    if (left_) {
      *left_ -= std::min<uint64_t>(*left_, line.size() + 1);
    }
    head_ = report::ParseSweepCsvRow(spec_, line, path_, line_no_++);
    if (!head_) {
      throw std::logic_error("sweep: " + path_ + " holds a row of no configuration");
    }
  }

 private:
  const ex::SweepSpec& spec_;
  std::string path_;
  std::ifstream in_;
  std::optional<uint64_t> left_;  // bytes of the run still to read; none: to the end
  size_t line_no_;
  std::optional<ex::SweepRow> head_;
};

// Writes a file through `<path>.tmp`, renamed over `path` when complete, so a reader never sees
// half of it and an earlier output survives a failure.
class WholeFile {
 public:
  explicit WholeFile(const std::string& path)
      : path_(path), tmp_(path + ".tmp"), out_(std::make_unique<TextFileWriter>(tmp_, "--out")) {}
  void Write(const std::string& text) { out_->Write(text); }
  void Commit() {
    out_->Close();
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) {
      throw InputError("cannot write " + path_ + ": " + ec.message());
    }
  }

 private:
  std::string path_, tmp_;
  std::unique_ptr<TextFileWriter> out_;
};

}  // namespace

void ForEachRow(const ex::SweepSpec& spec, const RowsFile& rows,
                const std::function<void(const ex::SweepRow&)>& f) {
  RunReader kept(spec, rows.path, rows.kept_begin, rows.new_begin, 2);
  RunReader added(spec, rows.path, rows.new_begin, std::nullopt, 2 + rows.kept);
  for (;;) {
    RunReader* next = nullptr;
    if (kept.head() && (!added.head() || kept.head()->index < added.head()->index)) {
      next = &kept;
    } else if (added.head()) {
      next = &added;
    } else {
      return;
    }
    f(*next->head());
    next->Advance();
  }
}

ex::SweepFronts WriteSweepOutputs(const ex::SweepSpec& spec, const RowsFile& rows,
                                  const SweepOutputFiles& out) {
  ex::SweepFronts fronts(spec);
  ForEachRow(spec, rows, [&](const ex::SweepRow& r) { fronts.Add(r); });
  std::optional<WholeFile> csv, json;
  if (!out.csv.empty()) {
    csv.emplace(out.csv);
    if (out.shard) {
      csv->Write(report::SweepShardLine(spec, out.shard->first, out.shard->second));
    }
    csv->Write(report::SweepCsvHeader(spec));
  }
  if (!out.json.empty()) {
    json.emplace(out.json);
    json->Write(report::SweepJsonHead(spec));
  }
  bool first = true;
  ForEachRow(spec, rows, [&](const ex::SweepRow& r) {
    const bool within = ex::WithinConstraints(spec, r);
    const std::optional<bool> pareto =
        out.shard ? std::nullopt : std::optional<bool>(fronts.OnFront(r.index));
    if (csv) {
      csv->Write(report::SweepCsvLine(spec, r, within, pareto));
    }
    if (json) {
      json->Write(report::SweepJsonRow(spec, r, within, pareto.value_or(false), first));
    }
    first = false;
  });
  if (csv) {
    csv->Commit();
  }
  if (json) {
    json->Write(report::SweepJsonTail(!first));
    json->Commit();
  }
  return fronts;
}

}  // namespace quasar::cli
