#pragma once
// Internal to the calibration library: ChooseRange's rules on values whose exact extremes are
// known separately (the Observer keeps exact min/max but only a subsample of the values).

#include <string>
#include <vector>

#include "quasar/models/calib/calibration.h"

namespace quasar::models::detail {

// A number for messages, 9 significant digits.
std::string Num(double v);

// ChooseRange on `values` (possibly a subsample) whose exact extremes are mn <= mx.
Range RangeOf(const std::vector<float>& values, double mn, double mx, const IntType& type,
              bool symmetric, const CalibOptions& opt);

}  // namespace quasar::models::detail
