#pragma once

// What the report files share (report_writer.h describes them): number
// formats, the JSON writer and atomic writing. Internal to simulator/report.
//
// Thread safety: the functions share no state.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"
#include "simulator/kernel/simulation.h"

namespace staylab::sim::report {

// Returns value / scale (scale a power of ten) as an exact decimal with no
// trailing zeros: exactDecimal(1500000000, 1e9) == "1.5".
std::string exactDecimal(std::int64_t value, std::int64_t scale);
// Returns a duration in seconds or milliseconds, exactly: "1.5", "0.25".
std::string seconds(Nanos duration);
std::string milliseconds(Nanos duration);
// Returns `value` with `decimals` decimals, "" when it is not finite; -0 is
// written as 0.
std::string fixed(double value, int decimals);

// Returns `value` as summary.json writes it: keys sorted (nlohmann's default
// object is a std::map), two-space indentation, floats with exactly 6
// decimals, a final line feed.
std::string jsonText(const nlohmann::json& value);

// Returns a fault kind for people: "store outage".
std::string humanFaultKind(std::string_view kind);

// Creates `directory` and its parents when missing. Errors: StoreFailure
// "report.write".
[[nodiscard]] Result<void> makeDirectory(const std::filesystem::path& directory);
// Writes `text` to a temporary name beside `file` and renames it over
// `file`, so that a reader never sees half a file. Errors: StoreFailure
// "report.write"; the temporary file is removed.
[[nodiscard]] Result<void> writeAtomically(const std::filesystem::path& file,
                                           std::string_view text);

}  // namespace staylab::sim::report
