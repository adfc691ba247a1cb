#pragma once

// Store faults as decorators of the platform's ports (leveldb's SpecialEnv :
// EnvWrapper): each Faulty* owns the port it wraps, asks the FaultBoard about
// its target before every call, and either returns the injected failure
// without touching the wrapped port or forwards the call unchanged. The
// adapters themselves know nothing of faults.
//
// Every virtual method of each port is overridden, so none bypasses the
// board. The exceptions are the const, infallible descriptions of a port
// (WideColumnStore::families(), EventLog::topics()), which forward without
// consulting the board: they cannot report a failure and describe how the
// port was opened, not a round trip to the engine.
//
// A BookingStore transaction is one call: transact() and transactEach()
// consult the board once and then forward, so the body runs inside the
// wrapped store's transaction and transactEach keeps the wrapped store's
// group commit.
//
// Latency faults are charged to the board (FaultBoard::takeCharge), not slept.
//
// Thread safety: the board is single-threaded, so are the decorators.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/ports/booking_store.h"
#include "domain/ports/document_store.h"
#include "domain/ports/event_log.h"
#include "domain/ports/payment_provider.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"
#include "simulator/faults/fault_board.h"

namespace staylab::sim {

class FaultyDocumentStore final : public DocumentStore {
 public:
  FaultyDocumentStore(std::unique_ptr<DocumentStore> inner, FaultBoard& board, std::string target);

  DocumentStore& inner() { return *m_inner; }
  const std::string& target() const { return m_target; }

  [[nodiscard]] Result<void> ensureIndex(std::string_view collection,
                                         std::string_view path) override;
  [[nodiscard]] Result<Document> insert(std::string_view collection, std::string_view id,
                                        const nlohmann::json& body,
                                        const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<Document> get(std::string_view collection, std::string_view id) override;
  [[nodiscard]] Result<Document> replace(std::string_view collection, std::string_view id,
                                         int64_t expected_revision, const nlohmann::json& body,
                                         const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<void> remove(std::string_view collection, std::string_view id,
                                    int64_t expected_revision,
                                    const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<Document>> query(std::string_view collection,
                                                    const DocumentQuery& filter) override;
  [[nodiscard]] Result<std::vector<Document>> findEqual(std::string_view collection,
                                                        std::string_view path,
                                                        const nlohmann::json& value) override;
  [[nodiscard]] Result<std::vector<Document>> all(std::string_view collection) override;
  [[nodiscard]] Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  [[nodiscard]] Result<void> removeOutbox(int64_t up_to_sequence) override;
  [[nodiscard]] Result<size_t> outboxSize() override;

 private:
  std::unique_ptr<DocumentStore> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

class FaultyBookingStore final : public BookingStore {
 public:
  FaultyBookingStore(std::unique_ptr<BookingStore> inner, FaultBoard& board, std::string target);

  BookingStore& inner() { return *m_inner; }
  const std::string& target() const { return m_target; }

  [[nodiscard]] Result<void> transact(const TransactionBody& body) override;
  [[nodiscard]] Result<std::vector<Result<void>>> transactEach(size_t count,
                                                               const IndexedBody& body) override;
  [[nodiscard]] Result<std::optional<booking::Booking>> find(std::string_view booking_id) override;
  [[nodiscard]] Result<std::vector<booking::Booking>> list(const BookingFilter& filter) override;
  [[nodiscard]] Result<std::vector<BookedNight>> bookedNights() override;
  [[nodiscard]] Result<std::vector<std::string>> bookedAmong(
      const std::vector<std::string>& property_ids, const Stay& stay) override;
  [[nodiscard]] Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  [[nodiscard]] Result<void> removeOutbox(int64_t up_to_sequence) override;
  [[nodiscard]] Result<size_t> outboxSize() override;

 private:
  std::unique_ptr<BookingStore> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

class FaultyWideColumnStore final : public WideColumnStore {
 public:
  FaultyWideColumnStore(std::unique_ptr<WideColumnStore> inner, FaultBoard& board,
                        std::string target);

  WideColumnStore& inner() { return *m_inner; }
  const std::string& target() const { return m_target; }

  // Forwards without consulting the board (see the file comment).
  std::vector<std::string> families() const override;
  [[nodiscard]] Result<void> put(const Cell& cell) override;
  [[nodiscard]] Result<void> apply(const WideColumnBatch& batch) override;
  [[nodiscard]] Result<std::optional<Cell>> latest(std::string_view row, std::string_view family,
                                                   std::string_view qualifier) override;
  [[nodiscard]] Result<std::vector<Cell>> versions(std::string_view row, std::string_view family,
                                                   std::string_view qualifier,
                                                   size_t limit) override;
  [[nodiscard]] Result<std::vector<Cell>> scanRow(std::string_view row,
                                                  std::string_view family) override;
  [[nodiscard]] Result<std::vector<Cell>> scanPrefix(std::string_view prefix,
                                                     std::string_view family,
                                                     size_t limit) override;

 private:
  std::unique_ptr<WideColumnStore> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

class FaultyTextIndex final : public TextIndex {
 public:
  FaultyTextIndex(std::unique_ptr<TextIndex> inner, FaultBoard& board, std::string target);

  TextIndex& inner() { return *m_inner; }
  const std::string& target() const { return m_target; }

  [[nodiscard]] Result<void> apply(const TextIndexBatch& batch) override;
  [[nodiscard]] Result<std::optional<SearchDocument>> get(std::string_view id) override;
  [[nodiscard]] Result<SearchPage> search(const SearchQuery& query) override;
  [[nodiscard]] Result<std::optional<std::string>> metadata(std::string_view key) override;
  [[nodiscard]] Result<size_t> documentCount() override;
  [[nodiscard]] Result<std::vector<SearchDocument>> allDocuments() override;
  [[nodiscard]] Result<std::map<std::string, std::string>> allMetadata() override;
  [[nodiscard]] Result<void> clear() override;

 private:
  std::unique_ptr<TextIndex> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

// Store faults on the event log as a store (its component, e.g. "event-log"). Delivery faults
// on a topic are DeliveryFaultLog's (simulator/faults/delivery_fault_log.h).
class FaultyEventLog final : public EventLog {
 public:
  FaultyEventLog(std::unique_ptr<EventLog> inner, FaultBoard& board, std::string target);

  EventLog& inner() { return *m_inner; }
  const std::string& target() const { return m_target; }

  // Forwards without consulting the board (see the file comment).
  std::map<std::string, int> topics() const override;
  [[nodiscard]] Result<std::vector<LogPosition>> append(
      const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<LogRecord>> read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) override;
  [[nodiscard]] Result<int64_t> endOffset(std::string_view topic, int partition) override;

 private:
  std::unique_ptr<EventLog> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

// The payment provider outside the platform: a failure the board injects is
// the provider unreachable (nothing charged), a latency fault its slowness.
class FaultyPaymentProvider final : public PaymentProvider {
 public:
  FaultyPaymentProvider(std::unique_ptr<PaymentProvider> inner, FaultBoard& board,
                        std::string target);

  [[nodiscard]] Result<std::string> charge(std::string_view key, int64_t amount_minor,
                                           std::string_view currency) override;
  [[nodiscard]] Result<void> refund(std::string_view key) override;

 private:
  std::unique_ptr<PaymentProvider> m_inner;
  FaultBoard& m_board;
  std::string m_target;
};

// Wraps `inner` in the faulty decorator of its port for `target`. `board` must outlive the result.
std::unique_ptr<DocumentStore> decorateWithFaults(std::unique_ptr<DocumentStore> inner,
                                                  FaultBoard& board, std::string target);
std::unique_ptr<BookingStore> decorateWithFaults(std::unique_ptr<BookingStore> inner,
                                                 FaultBoard& board, std::string target);
std::unique_ptr<WideColumnStore> decorateWithFaults(std::unique_ptr<WideColumnStore> inner,
                                                    FaultBoard& board, std::string target);
std::unique_ptr<TextIndex> decorateWithFaults(std::unique_ptr<TextIndex> inner, FaultBoard& board,
                                              std::string target);
std::unique_ptr<EventLog> decorateWithFaults(std::unique_ptr<EventLog> inner, FaultBoard& board,
                                             std::string target);
std::unique_ptr<PaymentProvider> decorateWithFaults(std::unique_ptr<PaymentProvider> inner,
                                                    FaultBoard& board, std::string target);

}  // namespace staylab::sim
