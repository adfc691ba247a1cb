#include "app/platform/audit.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "app/platform/queries.h"
#include "domain/common/text.h"

namespace staylab::app {
namespace {

// Records read from a partition at a time.
constexpr size_t kReadBatch = 4096;

// The payload fields a summary shows, in this order; scalars only.
constexpr std::array<std::string_view, 14> kSummaryFields = {
    "property_id", "booking_id", "guest_id", "host_id", "check_in", "check_out", "title",
    "city",        "status",     "reason",   "rule",    "consumer", "topic",     "table"};

}  // namespace

Result<std::vector<LogRecord>> auditTrail(EventLog& log, const AuditRequest& request) {
  if (!request.caller) {
    return invalidInput("caller", "is required: give --caller NAME");
  }
  const std::string caller = STAYLAB_TRY(handle(*request.caller, "caller"));
  std::vector<LogRecord> trail;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      const int64_t end = STAYLAB_TRY(log.endOffset(topic, partition));
      for (int64_t offset = 0; offset < end;) {
        auto records = STAYLAB_TRY(log.read(topic, partition, offset, kReadBatch));
        if (records.empty()) {
          break;
        }
        offset = records.back().position.offset + 1;
        for (LogRecord& record : records) {
          if (record.event.caller == caller) {
            trail.push_back(std::move(record));
          }
        }
      }
    }
  }
  std::stable_sort(trail.begin(), trail.end(), inLogOrder);
  return trail;
}

std::string auditSummary(const EventEnvelope& event) {
  std::string summary;
  if (!event.payload.is_object()) {
    return summary;
  }
  for (std::string_view field : kSummaryFields) {
    auto found = event.payload.find(field);
    if (found == event.payload.end() || found->is_structured() || found->is_null()) {
      continue;
    }
    std::string value = found->is_string() ? found->get<std::string>() : found->dump();
    if (value.empty() || value == event.aggregate_id) {
      continue;  // The aggregate is shown beside the summary.
    }
    summary += fmt::format("{}{}={}", summary.empty() ? "" : " ", field, value);
  }
  return summary;
}

}  // namespace staylab::app
