#include "ui/desktop_app.h"

#include <cmath>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <cstdio>
#include <filesystem>

#include "simulator/scenario/units.h"
#include "ui/main_window.h"

namespace staylab::ui {
namespace {

Error optionError(const char* option, QString message) {
  return Error{ErrorKind::InvalidInput, "input.invalid", option, message.toStdString()};
}

}  // namespace

Result<DesktopOptions> parseDesktopOptions(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Staylab: watch the real booking platform react to load and faults"));
  parser.addPositionalArgument(QStringLiteral("scenario"),
                               QStringLiteral("Scenario file (default: steady-state.yaml)"));
  const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Start running at once"));
  const QCommandLineOption speed(QStringLiteral("speed"),
                                 QStringLiteral("Virtual seconds per wall second, or max"),
                                 QStringLiteral("N|max"));
  const QCommandLineOption dir(QStringLiteral("screenshot-dir"),
                               QStringLiteral("Where screenshots go"), QStringLiteral("DIR"));
  const QCommandLineOption at(QStringLiteral("screenshot-at"),
                              QStringLiteral("Virtual times of the screenshots, e.g. 30s,75s"),
                              QStringLiteral("T1,T2,..."));
  const QCommandLineOption quit(
      QStringLiteral("quit-after-screenshots"),
      QStringLiteral("Run at once and quit once the last screenshot is written"));
  parser.addOptions({run, speed, dir, at, quit});
  QStringList with_program = arguments;
  with_program.prepend(QStringLiteral("staylab"));
  if (!parser.parse(with_program))
    return std::unexpected(optionError("arguments", parser.errorText()));
  DesktopOptions options;
  const QStringList positional = parser.positionalArguments();
  if (positional.size() > 1)
    return std::unexpected(optionError("scenario", QStringLiteral("give one scenario file")));
  if (!positional.isEmpty())
    options.scenario = positional.front();
  options.run = parser.isSet(run);
  if (parser.isSet(speed)) {
    const QString value = parser.value(speed).trimmed().toLower();
    if (value == QStringLiteral("max")) {
      options.speed = 0;
    } else {
      bool ok = false;
      options.speed =
          value.startsWith(QLatin1Char('x')) ? value.mid(1).toDouble(&ok) : value.toDouble(&ok);
      if (!ok || !std::isfinite(options.speed) || options.speed <= 0)
        return std::unexpected(optionError("--speed", QStringLiteral("a positive number or max")));
    }
  }
  options.screenshot_dir = parser.value(dir);
  if (parser.isSet(at)) {
    for (const QString& part : parser.value(at).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
      auto time = sim::parseDuration(part.trimmed().toStdString());
      if (!time || time->count() < 0)
        return std::unexpected(optionError(
            "--screenshot-at", QStringLiteral("'%1' is not a duration such as 30s").arg(part)));
      options.screenshot_at.push_back(time->count());
    }
    if (options.screenshot_dir.isEmpty())
      return std::unexpected(
          optionError("--screenshot-dir", QStringLiteral("needed with --screenshot-at")));
  }
  options.quit_after_screenshots = parser.isSet(quit);
  if (options.quit_after_screenshots) {
    if (options.screenshot_at.empty())
      return std::unexpected(
          optionError("--quit-after-screenshots", QStringLiteral("needs --screenshot-at")));
    // Nobody is there to press Run: start at once rather than wait forever.
    options.run = true;
  }
  return options;
}

int runDesktopApp(int argc, char** argv, RunEnvironment environment) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Staylab"));
  QApplication::setApplicationName(QStringLiteral("Staylab"));
  QStringList arguments = QApplication::arguments();
  arguments.removeFirst();
  if (arguments.contains(QStringLiteral("--help")) || arguments.contains(QStringLiteral("-h"))) {
    std::fputs(
        "usage: staylab [FILE.yaml] [--run] [--speed N|max]\n"
        "               [--screenshot-dir DIR --screenshot-at T1,T2,...] "
        "[--quit-after-screenshots]\n"
        "Opens a scenario (default: steady-state.yaml) in the desktop app.\n",
        stdout);
    return 0;
  }
  auto options = parseDesktopOptions(arguments);
  if (!options) {
    std::fprintf(stderr, "staylab: %s\n", options.error().describe().c_str());
    return 2;
  }
  const std::filesystem::path default_scenario =
      environment.assets_dir / "scenarios" / "steady-state.yaml";
  MainWindow window(std::move(environment));
  if (!options->screenshot_at.empty()) {
    // Screenshots are compared across runs: the default size, not the saved one.
    window.resize(1280, 800);
    window.scheduleScreenshots(options->screenshot_dir, options->screenshot_at,
                               options->quit_after_screenshots);
    QObject::connect(&window, &MainWindow::screenshotTaken, [](const QString& path) {
      std::fprintf(stderr, "staylab: wrote %s\n", path.toLocal8Bit().constData());
    });
  }
  window.setSpeed(options->speed);
  window.show();
  const QString file = options->scenario.isEmpty()
                           ? QString::fromStdString(default_scenario.string())
                           : options->scenario;
  if (options->run)
    window.play();
  window.openScenario(file);
  if (!window.bannerText().isEmpty() && options->quit_after_screenshots) {
    std::fprintf(stderr, "staylab: %s\n", window.bannerText().toLocal8Bit().constData());
    return 2;
  }
  return app.exec();
}

}  // namespace staylab::ui
