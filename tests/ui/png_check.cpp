// Checks a screenshot: it loads, is about 1280x800 and is not blank (more
// than 50 distinct colours). Exit 0 when it passes; prints what it found.

#include <QGuiApplication>
#include <QImage>
#include <QSet>
#include <cstdio>

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: png_check FILE.png...\n");
    return 2;
  }
  int failures = 0;
  for (int index = 1; index < argc; ++index) {
    const QImage image(QString::fromLocal8Bit(argv[index]));
    if (image.isNull()) {
      std::fprintf(stderr, "%s: cannot be read\n", argv[index]);
      ++failures;
      continue;
    }
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2) {
      for (int x = 0; x < image.width(); x += 2)
        colours.insert(image.pixel(x, y));
    }
    const bool size_ok = image.width() >= 1200 && image.width() <= 1400 && image.height() >= 720 &&
                         image.height() <= 880;
    const bool busy = colours.size() > 50;
    std::printf("%s: %dx%d, %lld distinct colours%s\n", argv[index], image.width(), image.height(),
                static_cast<long long>(colours.size()), size_ok && busy ? "" : "  <- FAIL");
    if (!size_ok || !busy)
      ++failures;
  }
  return failures == 0 ? 0 : 1;
}
