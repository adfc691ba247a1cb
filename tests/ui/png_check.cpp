// Checks screenshots of the desktop app. Every file must load, be about
// 1280x800 and not be blank (more than 50 distinct colours); each --expect
// NAME must find the named feature in it and each --expect-none NAME must
// not. Prints what it measured in each file. Exit 0 when every file passes,
// 1 when one fails, 2 on bad usage.
//
//   png_check [--expect NAME]... [--expect-none NAME]... FILE.png...
//
// Features (colours from ui/topology_view.cpp and ui/charts_panel.cpp):
//   down-red    a component drawn "down": a connected area of at least
//               1500 px of its fill, #ef5350 (healthColor(Health::Down)),
//               each channel within 10. The legend's swatch of that colour
//               (12x10 px) and any speckle are far smaller.
//   fault-band  the charts' shaded fault window: at least 3000 px of
//               #e53935 at alpha 40 over the white plot, #fbe0df, each
//               channel within 4.

#include <QGuiApplication>
#include <QImage>
#include <QRect>
#include <QSet>
#include <QString>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Feature {
  const char* name;
  QRgb colour;
  int tolerance;         // Largest difference allowed in each channel.
  bool by_largest_area;  // Measure the largest connected area, not all pixels.
  long long min_pixels;  // Present when the measure reaches this.
};

constexpr Feature kFeatures[] = {
    {"down-red", qRgb(0xef, 0x53, 0x50), 10, true, 1500},
    {"fault-band", qRgb(0xfb, 0xe0, 0xdf), 4, false, 3000},
};

struct Expectation {
  const Feature* feature;
  bool present;  // --expect (true) or --expect-none (false).
};

struct Measure {
  long long pixels = 0;        // Every pixel of the colour.
  long long largest_area = 0;  // Its largest 4-connected area.
  QRect largest_bounds;        // Where that area is.
  int large_areas = 0;         // Areas of at least the feature's min_pixels.

  long long value(const Feature& feature) const {
    return feature.by_largest_area ? largest_area : pixels;
  }
};

const Feature* findFeature(const char* name) {
  for (const Feature& feature : kFeatures) {
    if (std::strcmp(feature.name, name) == 0)
      return &feature;
  }
  return nullptr;
}

bool near(QRgb pixel, QRgb colour, int tolerance) {
  return std::abs(qRed(pixel) - qRed(colour)) <= tolerance &&
         std::abs(qGreen(pixel) - qGreen(colour)) <= tolerance &&
         std::abs(qBlue(pixel) - qBlue(colour)) <= tolerance;
}

// Counts the pixels of `feature`'s colour and finds their largest
// 4-connected area.
Measure measure(const QImage& image, const Feature& feature) {
  const int width = image.width();
  const int height = image.height();
  std::vector<char> mask(static_cast<size_t>(width) * static_cast<size_t>(height), 0);
  Measure result;
  for (int y = 0; y < height; ++y) {
    const QRgb* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
    for (int x = 0; x < width; ++x) {
      if (near(line[x], feature.colour, feature.tolerance)) {
        mask[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] = 1;
        ++result.pixels;
      }
    }
  }
  std::vector<int> stack;
  for (size_t start = 0; start < mask.size(); ++start) {
    if (mask[start] != 1)
      continue;
    long long area = 0;
    int left = width, top = height, right = -1, bottom = -1;
    mask[start] = 2;
    stack.push_back(static_cast<int>(start));
    while (!stack.empty()) {
      const int at = stack.back();
      stack.pop_back();
      const int x = at % width;
      const int y = at / width;
      ++area;
      left = std::min(left, x);
      right = std::max(right, x);
      top = std::min(top, y);
      bottom = std::max(bottom, y);
      const int neighbours[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
      for (const auto& [nx, ny] : neighbours) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height)
          continue;
        const size_t next =
            static_cast<size_t>(ny) * static_cast<size_t>(width) + static_cast<size_t>(nx);
        if (mask[next] == 1) {
          mask[next] = 2;
          stack.push_back(static_cast<int>(next));
        }
      }
    }
    result.large_areas += area >= feature.min_pixels ? 1 : 0;
    if (area > result.largest_area) {
      result.largest_area = area;
      result.largest_bounds = QRect(QPoint(left, top), QPoint(right, bottom));
    }
  }
  return result;
}

int usage() {
  std::fprintf(stderr,
               "usage: png_check [--expect NAME]... [--expect-none NAME]... FILE.png...\n"
               "NAME: down-red, fault-band\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);
  std::vector<Expectation> expectations;
  std::vector<const char*> files;
  for (int index = 1; index < argc; ++index) {
    const bool expect = std::strcmp(argv[index], "--expect") == 0;
    const bool expect_none = std::strcmp(argv[index], "--expect-none") == 0;
    if (expect || expect_none) {
      if (index + 1 >= argc)
        return usage();
      const Feature* feature = findFeature(argv[++index]);
      if (feature == nullptr) {
        std::fprintf(stderr, "png_check: no feature named '%s'\n", argv[index]);
        return usage();
      }
      expectations.push_back({feature, expect});
    } else if (argv[index][0] == '-') {
      return usage();
    } else {
      files.push_back(argv[index]);
    }
  }
  if (files.empty())
    return usage();

  int failures = 0;
  for (const char* file : files) {
    QImage image(QString::fromLocal8Bit(file));
    if (image.isNull()) {
      std::printf("%s: cannot be read  <- FAIL\n", file);
      ++failures;
      continue;
    }
    image = image.convertToFormat(QImage::Format_RGB32);
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2) {
      for (int x = 0; x < image.width(); x += 2)
        colours.insert(image.pixel(x, y));
    }
    const bool size_ok = image.width() >= 1200 && image.width() <= 1400 && image.height() >= 720 &&
                         image.height() <= 880;
    const bool busy = colours.size() > 50;
    bool failed = !size_ok || !busy;
    std::printf("%s: %dx%d%s, %lld distinct colours%s\n", file, image.width(), image.height(),
                size_ok ? "" : " (not about 1280x800)", static_cast<long long>(colours.size()),
                busy ? "" : " (blank)");
    for (const Feature& feature : kFeatures) {
      const Measure found = measure(image, feature);
      const QRect& box = found.largest_bounds;
      std::printf("  %-10s #%06x ±%d: %lld px, largest area %lld px", feature.name,
                  feature.colour & 0xffffff, feature.tolerance, found.pixels, found.largest_area);
      if (found.largest_area > 0) {
        std::printf(" at (%d,%d)-(%d,%d)", box.left(), box.top(), box.right(), box.bottom());
      }
      if (feature.by_largest_area) {
        std::printf(", %d areas of %lld px or more", found.large_areas, feature.min_pixels);
      }
      std::printf("\n");
      for (const Expectation& expectation : expectations) {
        if (expectation.feature != &feature)
          continue;
        const bool present = found.value(feature) >= feature.min_pixels;
        const bool ok = present == expectation.present;
        failed = failed || !ok;
        std::printf("    expected %s (%s %s %lld px)%s\n",
                    expectation.present ? "present" : "absent",
                    feature.by_largest_area ? "largest area" : "pixels",
                    expectation.present ? ">=" : "<", feature.min_pixels, ok ? "" : "  <- FAIL");
      }
    }
    if (failed) {
      std::printf("%s  <- FAIL\n", file);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
