#pragma once

// Where the change data capture puts the legacy changes on the event log,
// and how a change travels as an event. Each strategy has its source topics
// (the connector appends to them, the CDC processor reads them):
//
//   per_table  cdc.property (partitioned by PROP_NO) and cdc.reservation
//              (partitioned by RES_NO): a property's changes and its
//              reservations' changes travel apart, so a reservation may
//              overtake the property change it depends on.
//   by_key     cdc.changes, partitioned by PROP_NO: everything about one
//              property in one partition, in commit order.
//   firehose   cdc.firehose, one partition: every change in commit order,
//              read by one consumer at a time.
//
// Then, for every strategy, cdc.retry (one partition: changes that could not
// be applied yet, each with its tries and the time it may be tried again) and
// cdc.error (one partition: changes given up, with the reason).
//
// A change is the event "LegacyChange" with event id "cdc/<change id>", its
// topic as aggregate type, the partition key as aggregate id, the change id
// as aggregate version and "cdc/<change id>" as correlation id, which every
// event the new side emits applying it keeps (so a sync-back can tell an echo).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/legacy/legacy_monolith.h"
#include "domain/common/event_envelope.h"
#include "domain/common/strangler_fig.h"

namespace staylab::migration {

inline constexpr std::string_view kRetryTopic = "cdc.retry";
inline constexpr std::string_view kErrorTopic = "cdc.error";
// The caller of everything the migration writes: the connector's change
// events and the commands the CDC processor applies (the audit trail's name).
inline constexpr std::string_view kCdcCaller = "cdc";
// Partitions of a partitioned CDC topic.
inline constexpr int kCdcPartitions = 4;

// The strategy's source topics (topic -> partitions).
std::map<std::string, int> sourceTopics(CdcStrategy strategy);

// A change as it travels: the captured row, and for a retry the tries made
// so far, when it may be tried again and why the last try failed.
struct ChangeRecord {
  legacy::Change change;
  int tries = 0;
  int64_t not_before_nanos = 0;
  std::string reason;
};

// Returns the correlation id of everything a change causes: "cdc/<id>".
std::string changeCorrelation(int64_t change_id);

// The event that publishes `change` under `strategy`, captured at `now_nanos`.
EventEnvelope changeEvent(const legacy::Change& change, CdcStrategy strategy, int64_t now_nanos);
// The event that puts `record` on cdc.retry after `record.tries` tries.
EventEnvelope retryEvent(const ChangeRecord& record, int64_t now_nanos);
// The event that gives `record` up on cdc.error.
EventEnvelope errorEvent(const ChangeRecord& record, int64_t now_nanos);
// Reads a change back from any of the three events; InvalidInput naming the
// field for an event that is not one.
Result<ChangeRecord> changeRecordOf(const EventEnvelope& event);

}  // namespace staylab::migration
