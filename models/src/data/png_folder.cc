// A folder of PNG images with labels.csv, read with libpng's simplified API (libpng 1.6 manual,
// "Simplified API"): grey images as 8-bit grey, colour ones as 8-bit RGB; an alpha channel is
// composited onto black by libpng and so dropped.

#include <png.h>

#include <cstring>
#include <filesystem>

#include "quasar/models/error.h"
#include "readers.h"

namespace quasar::models::data {
namespace {

struct Entry {
  std::string file;
  int32_t label;
};

std::vector<Entry> ReadLabels(const std::string& path) {
  const std::vector<unsigned char> bytes = ReadFileBytes(path);
  const std::string text(bytes.begin(), bytes.end());
  std::vector<Entry> entries;
  ForEachLine(text, [&](const std::string& line, int64_t line_no) {
    if (line.empty() || (line_no == 1 && line == "file,label")) {
      return;
    }
    const size_t comma = line.rfind(',');
    const std::string label = comma == std::string::npos ? "" : line.substr(comma + 1);
    if (comma == 0 || label.empty() || label.size() > 7 ||
        label.find_first_not_of("0123456789") != std::string::npos) {
      throw InputError(path + ": line " + std::to_string(line_no) + ": '" + line +
                       "' is not 'file,label' with a non-negative integer label");
    }
    entries.push_back({line.substr(0, comma), std::stoi(label)});
  });
  if (entries.empty()) {
    throw InputError(path + ": no images listed");
  }
  return entries;
}

// Reads one image into `out` (appended); returns its [C, H, W].
Shape ReadPng(const std::string& path, std::vector<float>* out) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a directory, expected a PNG file");
  }
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) {
    throw InputError(path + ": not a readable PNG file (" + image.message + ")");
  }
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  if (png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) == 0) {
    const std::string message = image.message;
    png_image_free(&image);
    throw InputError(path + ": corrupt PNG data (" + message + ")");
  }
  const int64_t c = colour ? 3 : 1, h = image.height, w = image.width;
  for (int64_t ch = 0; ch < c; ++ch) {  // interleaved HWC -> planar CHW
    for (int64_t i = 0; i < h * w; ++i) {
      out->push_back(pixels[static_cast<size_t>(i * c + ch)]);
    }
  }
  return {c, h, w};
}

}  // namespace

RawData ReadPngFolder(const std::string& dir, Rows rows) {
  const std::string labels = (std::filesystem::path(dir) / "labels.csv").string();
  std::vector<Entry> entries = ReadLabels(labels);
  const int64_t end = EndOf(rows, static_cast<int64_t>(entries.size()), labels);
  RawData d;
  for (int64_t i = rows.begin; i < end; ++i) {
    const std::string path = (std::filesystem::path(dir) / entries[i].file).string();
    const Shape shape = ReadPng(path, &d.values);
    if (d.sample_shape.empty()) {
      d.sample_shape = shape;
    } else if (shape != d.sample_shape) {
      auto dims = [](const Shape& s) {
        return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
      };
      throw InputError(path + ": a " + dims(shape) + " (CxHxW) image among " +
                       dims(d.sample_shape) + " ones");
    }
    d.labels.push_back(entries[i].label);
  }
  return d;
}

}  // namespace quasar::models::data
