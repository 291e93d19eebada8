// CSV samples: comma-separated numbers, one sample per row, the class label in the last column
// (the layout of scikit-learn's digits.csv.gz). Blank lines are skipped; gzip is read through.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "readers.h"

namespace quasar::models::data {

RawData ReadCsv(const std::string& path, Rows rows) {
  const std::vector<unsigned char> bytes = ReadFileBytes(path);
  // Held while parsing: the bytes, their text copy, and the values, at most one 4-byte float per
  // two characters ("0,"): four times the text at most.
  CheckAllocation(SaturatingMul(bytes.size(), 4),
                  path + ": parsing " + std::to_string(bytes.size()) +
                      " bytes of CSV (the text twice and up to one 4-byte value per 2 bytes)");
  const std::string text(bytes.begin(), bytes.end());
  RawData d;
  int64_t features = -1;
  std::vector<float> row;
  ForEachLine(text, [&](const std::string& line, int64_t line_no) {
    if (line.find_first_not_of(" \t") == std::string::npos) {
      return;
    }
    const std::string where = path + ": line " + std::to_string(line_no);
    row.clear();
    size_t start = 0;
    for (;;) {
      const size_t comma = line.find(',', start);
      const std::string field =
          line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      while (end != nullptr && (*end == ' ' || *end == '\t')) {
        ++end;
      }
      if (field.empty() || end == field.c_str() || *end != '\0' || errno == ERANGE ||
          !std::isfinite(v)) {
        throw InputError(where + ": field " + std::to_string(row.size() + 1) + " '" + field +
                         "' is not a finite number");
      }
      row.push_back(static_cast<float>(v));
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
    if (row.size() < 2) {
      throw InputError(where + ": a row holds at least one feature and the label");
    }
    const int64_t n = static_cast<int64_t>(row.size()) - 1;
    if (features >= 0 && n != features) {
      throw InputError(where + ": " + std::to_string(n) + " features, the rows before have " +
                       std::to_string(features));
    }
    features = n;
    const float label = row.back();
    if (label < 0 || label != std::floor(label) || label > (1 << 24)) {
      throw InputError(where + ": the label (last column) " + std::to_string(label) +
                       " is not a class index");
    }
    d.labels.push_back(static_cast<int32_t>(label));
    d.values.insert(d.values.end(), row.begin(), row.end() - 1);
  });
  if (features < 0) {
    throw InputError(path + ": no samples");
  }
  d.sample_shape = {features};
  SliceRows(&d, rows, path);
  return d;
}

}  // namespace quasar::models::data
