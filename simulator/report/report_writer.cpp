#include "simulator/report/report_writer.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "simulator/report/report_format.h"

namespace staylab::sim {

namespace report {

Result<void> makeDirectory(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    return storeFailure("report.write", "cannot create {}: {}", directory.string(),
                        error.message());
  return {};
}

Result<void> writeAtomically(const std::filesystem::path& file, std::string_view text) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out)
      return storeFailure("report.write", "cannot write {}", temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return storeFailure("report.write", "cannot replace {}", file.string());
  }
  return {};
}

}  // namespace report

RunDescription RunDescription::of(const Scenario& scenario) {
  RunDescription run;
  run.scenario = scenario.name;
  run.description = scenario.description;
  run.seed = scenario.seed;
  run.duration = scenario.duration.count();
  run.mode = std::string(toString(scenario.mode));
  return run;
}

bool RunReport::passed() const {
  return std::all_of(expectations.begin(), expectations.end(),
                     [](const ExpectationResult& result) { return result.passed; });
}

Result<void> writeReport(const std::filesystem::path& directory, const RunReport& report) {
  using report::writeAtomically;
  STAYLAB_TRY(report::makeDirectory(directory));
  STAYLAB_TRY(writeAtomically(directory / "summary.json", summaryJson(report)));
  STAYLAB_TRY(writeAtomically(directory / "timeseries.csv", timeseriesCsv(report.metrics)));
  STAYLAB_TRY(writeAtomically(directory / "report.html", reportHtml(report)));
  return {};
}

}  // namespace staylab::sim
