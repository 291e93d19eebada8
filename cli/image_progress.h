#pragma once
// The progress of an accuracy run over a test set, for `infer --data` and `compare --data`.

#include <cstdint>
#include <functional>
#include <string>

namespace quasar::cli {

// A progress bar on stderr ("[label] done/total images, N/s"), drawn only when stderr is a
// terminal; the end of the run clears it.
std::function<void(int64_t, int64_t)> ImageProgress(const std::string& label);

}  // namespace quasar::cli
