#include "simulator/faults/faulty_ports.h"

#include <utility>

namespace staylab::sim {

// Returns the board's injected failure for the decorator's target, if any, without calling on.
#define STAYLAB_FAULT_GATE() STAYLAB_TRY(m_board.beforeCall(m_target))

// ---------------------------------------------------------------------------
// FaultyDocumentStore

FaultyDocumentStore::FaultyDocumentStore(std::unique_ptr<DocumentStore> inner, FaultBoard& board,
                                         std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

Result<void> FaultyDocumentStore::ensureIndex(std::string_view collection, std::string_view path) {
  STAYLAB_FAULT_GATE();
  return m_inner->ensureIndex(collection, path);
}

Result<Document> FaultyDocumentStore::insert(std::string_view collection, std::string_view id,
                                             const nlohmann::json& body,
                                             const std::vector<EventEnvelope>& events) {
  STAYLAB_FAULT_GATE();
  return m_inner->insert(collection, id, body, events);
}

Result<Document> FaultyDocumentStore::get(std::string_view collection, std::string_view id) {
  STAYLAB_FAULT_GATE();
  return m_inner->get(collection, id);
}

Result<Document> FaultyDocumentStore::replace(std::string_view collection, std::string_view id,
                                              int64_t expected_revision, const nlohmann::json& body,
                                              const std::vector<EventEnvelope>& events) {
  STAYLAB_FAULT_GATE();
  return m_inner->replace(collection, id, expected_revision, body, events);
}

Result<void> FaultyDocumentStore::remove(std::string_view collection, std::string_view id,
                                         int64_t expected_revision,
                                         const std::vector<EventEnvelope>& events) {
  STAYLAB_FAULT_GATE();
  return m_inner->remove(collection, id, expected_revision, events);
}

Result<std::vector<Document>> FaultyDocumentStore::findEqual(std::string_view collection,
                                                             std::string_view path,
                                                             const nlohmann::json& value) {
  STAYLAB_FAULT_GATE();
  return m_inner->findEqual(collection, path, value);
}

Result<std::vector<Document>> FaultyDocumentStore::query(std::string_view collection,
                                                         const DocumentQuery& filter) {
  STAYLAB_FAULT_GATE();
  return m_inner->query(collection, filter);
}

Result<std::vector<Document>> FaultyDocumentStore::all(std::string_view collection) {
  STAYLAB_FAULT_GATE();
  return m_inner->all(collection);
}

Result<std::vector<OutboxEntry>> FaultyDocumentStore::peekOutbox(size_t limit) {
  STAYLAB_FAULT_GATE();
  return m_inner->peekOutbox(limit);
}

Result<void> FaultyDocumentStore::removeOutbox(int64_t up_to_sequence) {
  STAYLAB_FAULT_GATE();
  return m_inner->removeOutbox(up_to_sequence);
}

Result<size_t> FaultyDocumentStore::outboxSize() {
  STAYLAB_FAULT_GATE();
  return m_inner->outboxSize();
}

// ---------------------------------------------------------------------------
// FaultyBookingStore

FaultyBookingStore::FaultyBookingStore(std::unique_ptr<BookingStore> inner, FaultBoard& board,
                                       std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

Result<void> FaultyBookingStore::transact(const TransactionBody& body) {
  STAYLAB_FAULT_GATE();
  return m_inner->transact(body);
}

Result<std::vector<Result<void>>> FaultyBookingStore::transactEach(size_t count,
                                                                   const IndexedBody& body) {
  STAYLAB_FAULT_GATE();
  return m_inner->transactEach(count, body);
}

Result<std::optional<booking::Booking>> FaultyBookingStore::find(std::string_view booking_id) {
  STAYLAB_FAULT_GATE();
  return m_inner->find(booking_id);
}

Result<std::vector<booking::Booking>> FaultyBookingStore::list(const BookingFilter& filter) {
  STAYLAB_FAULT_GATE();
  return m_inner->list(filter);
}

Result<std::vector<BookedNight>> FaultyBookingStore::bookedNights() {
  STAYLAB_FAULT_GATE();
  return m_inner->bookedNights();
}

Result<std::vector<std::string>> FaultyBookingStore::bookedAmong(
    const std::vector<std::string>& property_ids, const Stay& stay) {
  STAYLAB_FAULT_GATE();
  return m_inner->bookedAmong(property_ids, stay);
}

Result<std::vector<OutboxEntry>> FaultyBookingStore::peekOutbox(size_t limit) {
  STAYLAB_FAULT_GATE();
  return m_inner->peekOutbox(limit);
}

Result<void> FaultyBookingStore::removeOutbox(int64_t up_to_sequence) {
  STAYLAB_FAULT_GATE();
  return m_inner->removeOutbox(up_to_sequence);
}

Result<size_t> FaultyBookingStore::outboxSize() {
  STAYLAB_FAULT_GATE();
  return m_inner->outboxSize();
}

// ---------------------------------------------------------------------------
// FaultyWideColumnStore

FaultyWideColumnStore::FaultyWideColumnStore(std::unique_ptr<WideColumnStore> inner,
                                             FaultBoard& board, std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

std::vector<std::string> FaultyWideColumnStore::families() const {
  return m_inner->families();
}

Result<void> FaultyWideColumnStore::put(const Cell& cell) {
  STAYLAB_FAULT_GATE();
  return m_inner->put(cell);
}

Result<void> FaultyWideColumnStore::apply(const WideColumnBatch& batch) {
  STAYLAB_FAULT_GATE();
  return m_inner->apply(batch);
}

Result<std::optional<Cell>> FaultyWideColumnStore::latest(std::string_view row,
                                                          std::string_view family,
                                                          std::string_view qualifier) {
  STAYLAB_FAULT_GATE();
  return m_inner->latest(row, family, qualifier);
}

Result<std::vector<Cell>> FaultyWideColumnStore::versions(std::string_view row,
                                                          std::string_view family,
                                                          std::string_view qualifier,
                                                          size_t limit) {
  STAYLAB_FAULT_GATE();
  return m_inner->versions(row, family, qualifier, limit);
}

Result<std::vector<Cell>> FaultyWideColumnStore::scanRow(std::string_view row,
                                                         std::string_view family) {
  STAYLAB_FAULT_GATE();
  return m_inner->scanRow(row, family);
}

Result<std::vector<Cell>> FaultyWideColumnStore::scanPrefix(std::string_view prefix,
                                                            std::string_view family, size_t limit) {
  STAYLAB_FAULT_GATE();
  return m_inner->scanPrefix(prefix, family, limit);
}

// ---------------------------------------------------------------------------
// FaultyTextIndex

FaultyTextIndex::FaultyTextIndex(std::unique_ptr<TextIndex> inner, FaultBoard& board,
                                 std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

Result<void> FaultyTextIndex::apply(const TextIndexBatch& batch) {
  STAYLAB_FAULT_GATE();
  return m_inner->apply(batch);
}

Result<std::optional<SearchDocument>> FaultyTextIndex::get(std::string_view id) {
  STAYLAB_FAULT_GATE();
  return m_inner->get(id);
}

Result<SearchPage> FaultyTextIndex::search(const SearchQuery& query) {
  STAYLAB_FAULT_GATE();
  return m_inner->search(query);
}

Result<std::optional<std::string>> FaultyTextIndex::metadata(std::string_view key) {
  STAYLAB_FAULT_GATE();
  return m_inner->metadata(key);
}

Result<size_t> FaultyTextIndex::documentCount() {
  STAYLAB_FAULT_GATE();
  return m_inner->documentCount();
}

Result<std::vector<SearchDocument>> FaultyTextIndex::allDocuments() {
  STAYLAB_FAULT_GATE();
  return m_inner->allDocuments();
}

Result<std::map<std::string, std::string>> FaultyTextIndex::allMetadata() {
  STAYLAB_FAULT_GATE();
  return m_inner->allMetadata();
}

Result<void> FaultyTextIndex::clear() {
  STAYLAB_FAULT_GATE();
  return m_inner->clear();
}

// ---------------------------------------------------------------------------
// FaultyEventLog

FaultyEventLog::FaultyEventLog(std::unique_ptr<EventLog> inner, FaultBoard& board,
                               std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

std::map<std::string, int> FaultyEventLog::topics() const {
  return m_inner->topics();
}

Result<std::vector<LogPosition>> FaultyEventLog::append(const std::vector<EventEnvelope>& events) {
  STAYLAB_FAULT_GATE();
  return m_inner->append(events);
}

Result<std::vector<LogRecord>> FaultyEventLog::read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) {
  STAYLAB_FAULT_GATE();
  return m_inner->read(topic, partition, from_offset, limit);
}

Result<int64_t> FaultyEventLog::endOffset(std::string_view topic, int partition) {
  STAYLAB_FAULT_GATE();
  return m_inner->endOffset(topic, partition);
}

// ---------------------------------------------------------------------------
// FaultyPaymentProvider

FaultyPaymentProvider::FaultyPaymentProvider(std::unique_ptr<PaymentProvider> inner,
                                             FaultBoard& board, std::string target)
    : m_inner(std::move(inner)), m_board(board), m_target(std::move(target)) {}

Result<std::string> FaultyPaymentProvider::charge(std::string_view key, int64_t amount_minor,
                                                  std::string_view currency) {
  STAYLAB_FAULT_GATE();
  return m_inner->charge(key, amount_minor, currency);
}

Result<void> FaultyPaymentProvider::refund(std::string_view key) {
  STAYLAB_FAULT_GATE();
  return m_inner->refund(key);
}

#undef STAYLAB_FAULT_GATE

// ---------------------------------------------------------------------------
// Factories

std::unique_ptr<DocumentStore> decorateWithFaults(std::unique_ptr<DocumentStore> inner,
                                                  FaultBoard& board, std::string target) {
  return std::make_unique<FaultyDocumentStore>(std::move(inner), board, std::move(target));
}

std::unique_ptr<BookingStore> decorateWithFaults(std::unique_ptr<BookingStore> inner,
                                                 FaultBoard& board, std::string target) {
  return std::make_unique<FaultyBookingStore>(std::move(inner), board, std::move(target));
}

std::unique_ptr<WideColumnStore> decorateWithFaults(std::unique_ptr<WideColumnStore> inner,
                                                    FaultBoard& board, std::string target) {
  return std::make_unique<FaultyWideColumnStore>(std::move(inner), board, std::move(target));
}

std::unique_ptr<TextIndex> decorateWithFaults(std::unique_ptr<TextIndex> inner, FaultBoard& board,
                                              std::string target) {
  return std::make_unique<FaultyTextIndex>(std::move(inner), board, std::move(target));
}

std::unique_ptr<EventLog> decorateWithFaults(std::unique_ptr<EventLog> inner, FaultBoard& board,
                                             std::string target) {
  return std::make_unique<FaultyEventLog>(std::move(inner), board, std::move(target));
}

std::unique_ptr<PaymentProvider> decorateWithFaults(std::unique_ptr<PaymentProvider> inner,
                                                    FaultBoard& board, std::string target) {
  return std::make_unique<FaultyPaymentProvider>(std::move(inner), board, std::move(target));
}

}  // namespace staylab::sim
