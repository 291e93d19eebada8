// Dataset readers: IDX (plain and gzip), .npy batches, CSV, PNG folders and dataset files, every
// value and label checked; and every kind of bad data an InputError naming the file.

#include <png.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "npy_test_util.h"
#include "quasar/models/data/dataset.h"

namespace quasar::models {
namespace {

using npy_test::InputErrorMessage;
using npy_test::TempDir;
using npy_test::WriteFileBytes;
using Catch::Matchers::Contains;

// An IDX file of unsigned bytes: header (0, 0, 0x08, rank, big-endian dims) then `data`.
std::string Idx(const std::vector<int>& dims, const std::vector<int>& data) {
  std::string s = {0, 0, 8, static_cast<char>(dims.size())};
  for (int d : dims) {
    for (int shift : {24, 16, 8, 0}) {
      s += static_cast<char>((d >> shift) & 0xff);
    }
  }
  for (int v : data) {
    s += static_cast<char>(v);
  }
  return s;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// Three 2x2 images with pixels 10*i + k and labels 2, 0, 1.
std::vector<int> Pixels() {
  std::vector<int> p;
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 4; ++k) {
      p.push_back(10 * i + k);
    }
  }
  return p;
}

void WritePng(const std::string& path, int width, int height, uint32_t format,
              const std::vector<png_byte>& pixels) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = format;
  REQUIRE(png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr) != 0);
}

TEST_CASE("IDX images and labels, plain and gzip, every pixel and label") {
  TempDir dir;
  for (bool gz : {false, true}) {
    const std::string images = dir.File(gz ? "a-images-idx3-ubyte.gz" : "a-images-idx3-ubyte");
    const std::string labels = dir.File(gz ? "a-labels-idx1-ubyte.gz" : "a-labels-idx1-ubyte");
    const std::string img = Idx({3, 2, 2}, Pixels()), lab = Idx({3}, {2, 0, 1});
    if (gz) {
      WriteGzip(images, img);
      WriteGzip(labels, lab);
    } else {
      WriteFileBytes(images, img);
      WriteFileBytes(labels, lab);
    }
    // A bare path: the first sample calibrates, the other two are the test split; pixels / 255.
    const Dataset d = LoadDataset(images, 1);
    CHECK(d.test.sample_shape == Shape{1, 2, 2});
    REQUIRE(d.calibration.size() == 1);
    REQUIRE(d.test.size() == 2);
    CHECK(d.calibration.labels == std::vector<int32_t>{2});
    CHECK(d.test.labels == std::vector<int32_t>{0, 1});
    for (int k = 0; k < 4; ++k) {
      CHECK(d.calibration.values[k] == static_cast<float>(k / 255.0));
      CHECK(d.test.values[k] == static_cast<float>((10 + k) / 255.0));
      CHECK(d.test.values[4 + k] == static_cast<float>((20 + k) / 255.0));
    }
    CHECK(d.test.Sample(1, {1, 1, 2, 2}).data == std::vector<float>(d.test.values.begin() + 4,
                                                                      d.test.values.end()));
  }
}

TEST_CASE("bad IDX files are errors naming the file") {
  TempDir dir;
  const std::string images = dir.File("b-images-idx3-ubyte"), labels = dir.File("b-labels-idx1-ubyte");
  WriteFileBytes(labels, Idx({3}, {2, 0, 1}));
  SECTION("truncated data") {
    std::vector<int> p = Pixels();
    p.pop_back();
    WriteFileBytes(images, Idx({3, 2, 2}, p));
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(images, 1); }),
               Contains(images) && Contains("ends inside the data"));
  }
  SECTION("not IDX") {
    WriteFileBytes(images, "\x89PNG....");
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(images, 1); }),
               Contains(images) && Contains("not an IDX file"));
  }
  SECTION("a float IDX") {
    std::string s = Idx({3, 2, 2}, Pixels());
    s[2] = 0x0d;
    WriteFileBytes(images, s);
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(images, 1); }), Contains("0x0d"));
  }
  SECTION("fewer labels than images") {
    WriteFileBytes(images, Idx({3, 2, 2}, Pixels()));
    WriteFileBytes(labels, Idx({2}, {2, 0}));
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(images, 1); }),
               Contains(labels) && Contains("2 labels for the 3 images"));
  }
  SECTION("corrupt gzip") {
    const std::string gz = dir.File("c-images-idx3-ubyte.gz");
    WriteGzip(gz, Idx({3, 2, 2}, Pixels()));
    std::string bytes = npy_test::ReadFileBytes(gz);
    bytes.resize(bytes.size() - 12);  // cut the stream and its trailer
    WriteFileBytes(gz, bytes);
    WriteFileBytes(dir.File("c-labels-idx1-ubyte.gz"), Idx({3}, {2, 0, 1}));
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(gz, 1); }), Contains(gz));
  }
  SECTION("a directory where a file is expected") {
    std::filesystem::create_directories(dir.File("d-images-idx3-ubyte"));
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File("d-images-idx3-ubyte"), 1); }),
               Contains("labels.csv"));
  }
}

TEST_CASE(".npy batches with their labels") {
  TempDir dir;
  NpyArray x{{3, 2, 2}, NpyDtype::kFloat32, {}, {}};
  for (int v : Pixels()) {
    x.floats.push_back(0.5f * static_cast<float>(v));
  }
  WriteNpy(dir.File("batch.npy"), x);
  WriteNpy(dir.File("batch.labels.npy"), NpyArray{{3}, NpyDtype::kInt64, {2, 0, 1}, {}});
  const Dataset d = LoadDataset(dir.File("batch.npy"), 1);
  CHECK(d.test.sample_shape == Shape{1, 2, 2});
  CHECK(d.test.labels == std::vector<int32_t>{0, 1});
  CHECK(d.test.values == std::vector<float>(x.floats.begin() + 4, x.floats.end()));
  WriteNpy(dir.File("batch.labels.npy"), NpyArray{{4}, NpyDtype::kInt64, {2, 0, 1, 1}, {}});
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File("batch.npy"), 1); }),
             Contains("batch.labels.npy") && Contains("4 labels for the 3 samples"));
}

TEST_CASE("CSV rows with the label last") {
  TempDir dir;
  WriteFileBytes(dir.File("d.csv"), "1,2,3,0\n4,5,6,1\r\n\n7,8,9,2\n");
  const Dataset d = LoadDataset(dir.File("d.csv"), 1);
  CHECK(d.test.sample_shape == Shape{3});
  CHECK(d.calibration.values == std::vector<float>{1, 2, 3});
  CHECK(d.test.values == std::vector<float>{4, 5, 6, 7, 8, 9});
  CHECK(d.test.labels == std::vector<int32_t>{1, 2});
  WriteFileBytes(dir.File("bad.csv"), "1,2,3,0\n4,x,6,1\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File("bad.csv"), 1); }),
             Contains("bad.csv: line 2: field 2 'x'"));
  WriteFileBytes(dir.File("ragged.csv"), "1,2,3,0\n4,5,1\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File("ragged.csv"), 1); }),
             Contains("ragged.csv: line 2: 2 features"));
  WriteFileBytes(dir.File("label.csv"), "1,2,3,0\n4,5,6,1.5\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File("label.csv"), 1); }),
             Contains("label.csv: line 2: the label"));
}

TEST_CASE("PNG folders: grey and colour images, planar channels, every pixel") {
  TempDir dir;
  WritePng(dir.File("a.png"), 2, 1, PNG_FORMAT_RGB, {1, 2, 3, 4, 5, 6});
  WritePng(dir.File("b.png"), 2, 1, PNG_FORMAT_RGB, {7, 8, 9, 10, 11, 12});
  WritePng(dir.File("c.png"), 2, 1, PNG_FORMAT_RGB, {13, 14, 15, 16, 17, 18});
  WriteFileBytes(dir.File("labels.csv"), "file,label\na.png,1\nb.png,0\nc.png,4\n");
  const Dataset d = LoadDataset(dir.File(""), 1);
  CHECK(d.test.sample_shape == Shape{3, 1, 2});
  CHECK(d.test.labels == std::vector<int32_t>{0, 4});
  const std::vector<float> b = {7, 10, 8, 11, 9, 12};  // HWC -> CHW
  for (size_t k = 0; k < b.size(); ++k) {
    CHECK(d.test.values[k] == static_cast<float>(b[k] / 255.0));
  }
  SECTION("an image of another size") {
    WritePng(dir.File("c.png"), 1, 1, PNG_FORMAT_RGB, {1, 2, 3});
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File(""), 1); }),
               Contains("c.png: a 3x1x1 (CxHxW) image among 3x1x2 ones"));
  }
  SECTION("a grey image among colour ones") {
    WritePng(dir.File("c.png"), 2, 1, PNG_FORMAT_GRAY, {1, 2});
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File(""), 1); }),
               Contains("c.png: a 1x1x2 (CxHxW) image among 3x1x2 ones"));
  }
  SECTION("a corrupt PNG") {
    std::string bytes = npy_test::ReadFileBytes(dir.File("b.png"));
    bytes.resize(bytes.size() / 2);
    WriteFileBytes(dir.File("b.png"), bytes);
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File(""), 1); }), Contains("b.png"));
  }
  SECTION("a bad labels file") {
    WriteFileBytes(dir.File("labels.csv"), "a.png,1\nb.png\n");
    CHECK_THAT(InputErrorMessage([&] { LoadDataset(dir.File(""), 1); }),
               Contains("labels.csv: line 2"));
  }
}

TEST_CASE("dataset files: splits, rows, shape, normalization and class checks") {
  TempDir dir;
  WriteFileBytes(dir.File("d.csv"), "0,16,32,48,1\n16,16,16,16,0\n32,0,0,0,2\n");
  const std::string yaml = dir.File("d.yaml");
  WriteFileBytes(yaml,
                 "version: 1\nname: tiny\nclasses: 3\nnormalize: {scale: 0.0625, mean: [1], "
                 "std: [2]}\ntrain: {data: d.csv, rows: [0, 2], shape: [1, 2, 2]}\n"
                 "test: {data: d.csv, rows: [2, 3], shape: [1, 2, 2]}\n");
  const Dataset d = LoadDataset(yaml, 5);
  CHECK(d.name == "tiny");
  CHECK(d.classes == 3);
  CHECK(d.calibration.size() == 2);  // the train rows, fewer than asked for
  CHECK(d.calibration.values == std::vector<float>{-0.5f, 0.0f, 0.5f, 1.0f, 0, 0, 0, 0});
  CHECK(d.test.values == std::vector<float>{0.5f, -0.5f, -0.5f, -0.5f});
  CHECK(LoadDataset(yaml, 1).calibration.size() == 1);
  CHECK_NOTHROW(CheckDatasetFits(d, "x", {1, 1, 2, 2}, "y", {1, 3}));
  CHECK_THAT(InputErrorMessage([&] { CheckDatasetFits(d, "x", {1, 1, 3, 3}, "y", {1, 3}); }),
             Contains("samples are [1, 2, 2], the network input 'x' is [1, 1, 3, 3]"));
  CHECK_THAT(InputErrorMessage([&] { CheckDatasetFits(d, "x", {1, 3, 2, 2}, "y", {1, 3}); }),
             Contains("channel count"));
  CHECK_THAT(InputErrorMessage([&] { CheckDatasetFits(d, "x", {1, 1, 2, 2}, "y", {1, 10}); }),
             Contains("3 classes, the network output 'y' has 10 values"));
  WriteFileBytes(yaml, "version: 1\nname: tiny\nclasses: 2\ntrain: {data: d.csv}\n"
                       "test: {data: d.csv}\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(yaml, 5); }),
             Contains("label 2, outside the 2 classes"));
  WriteFileBytes(yaml, "version: 1\nname: tiny\nclasses: 3\ncolour: red\npackage: pkg-x\n"
                       "train: {data: missing.csv}\ntest: {data: d.csv}\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(yaml, 5); }), Contains("colour"));
  WriteFileBytes(yaml, "version: 1\nname: tiny\nclasses: 3\npackage: pkg-x\n"
                       "train: {data: missing.csv}\ntest: {data: d.csv}\n");
  CHECK_THAT(InputErrorMessage([&] { LoadDataset(yaml, 5); }),
             Contains("missing.csv") && Contains("pkg-x"));
  CHECK_THAT(InputErrorMessage([&] { LoadDataset("no-such-dataset", 5); }),
             Contains("fashion-mnist") && Contains("digits"));
}

TEST_CASE("the bundled digits: 1,437 train and 360 test images of 8x8") {
  const Dataset d = LoadDataset("digits", 100000);
  CHECK(d.calibration.size() == 1437);
  CHECK(d.test.size() == 360);
  CHECK(d.test.sample_shape == Shape{1, 8, 8});
  // The first training digit is a 0 whose top row reads 0,0,5,13,9,1,0,0 (of 16).
  CHECK(d.calibration.labels[0] == 0);
  CHECK(d.calibration.values[2] == static_cast<float>(5 * 0.0625));
  CHECK(d.calibration.values[3] == static_cast<float>(13 * 0.0625));
}

TEST_CASE("the bundled Fashion-MNIST: 10,000 test images, calibration from the train split") {
  const Dataset d = LoadDataset("fashion-mnist", 64);
  CHECK(d.calibration.size() == 64);
  CHECK(d.test.size() == 10000);
  CHECK(d.test.sample_shape == Shape{1, 28, 28});
  std::vector<int> per_class(10);
  for (int32_t l : d.test.labels) {
    ++per_class[static_cast<size_t>(l)];
  }
  CHECK(per_class == std::vector<int>(10, 1000));  // the test set is balanced
}

}  // namespace
}  // namespace quasar::models
