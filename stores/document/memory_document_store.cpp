#include "stores/document/memory_document_store.h"

#include <algorithm>

#include "stores/document/document_rules.h"

namespace staylab {

namespace {

using namespace document_rules;

// Returns the node at `segments` (object keys only, like SQLite's "$.a.b"), or
// nullptr when the path leads nowhere.
const nlohmann::json* lookUp(const nlohmann::json& body, const std::vector<std::string>& segments) {
  const nlohmann::json* node = &body;
  for (const auto& segment : segments) {
    if (!node->is_object()) {
      return nullptr;
    }
    auto it = node->find(segment);
    if (it == node->end()) {
      return nullptr;
    }
    node = &*it;
  }
  return node;
}

// Compares like the SQLite adapter: strings with strings, booleans with
// booleans, numbers with numbers by value (2 equals 2.0).
bool matches(const nlohmann::json& node, const nlohmann::json& value) {
  if (value.is_string()) {
    return node.is_string() && node == value;
  }
  if (value.is_boolean()) {
    return node.is_boolean() && node == value;
  }
  return node.is_number() && node == value;
}

// Returns the node at `path` (validated), or nullptr.
const nlohmann::json* lookUpPath(const nlohmann::json& body, std::string_view path) {
  auto segments = parsePath(path);
  return segments ? lookUp(body, *segments) : nullptr;
}

// Returns true when `body` meets every condition of `query` (validated), as
// the SQLite adapter's statement decides: numbers compare by value, strings
// byte for byte, words as substrings with ASCII letters folded.
bool meets(const nlohmann::json& body, const DocumentQuery& query) {
  for (const auto& condition : query.equal) {
    const nlohmann::json* node = lookUpPath(body, condition.path);
    if (node == nullptr || !matches(*node, condition.value)) {
      return false;
    }
  }
  for (const auto& condition : query.ranges) {
    const nlohmann::json* node = lookUpPath(body, condition.path);
    if (node == nullptr || !node->is_number()) {
      return false;
    }
    const bool within = condition.bound == DocumentQuery::Bound::AtLeast ? *node >= condition.value
                                                                         : *node <= condition.value;
    if (!within) {
      return false;
    }
  }
  for (const auto& condition : query.contains) {
    const nlohmann::json* node = lookUpPath(body, condition.path);
    if (node == nullptr || !node->is_array() ||
        std::none_of(node->begin(), node->end(), [&](const nlohmann::json& item) {
          return item.is_string() && item.get_ref<const std::string&>() == condition.value;
        })) {
      return false;
    }
  }
  for (const auto& word : query.words) {
    const std::string folded_word = foldAsciiCase(word);
    const bool found =
        std::any_of(query.text_paths.begin(), query.text_paths.end(), [&](const std::string& path) {
          const nlohmann::json* node = lookUpPath(body, path);
          return node != nullptr && node->is_string() &&
                 foldAsciiCase(node->get_ref<const std::string&>()).find(folded_word) !=
                     std::string::npos;
        });
    if (!found) {
      return false;
    }
  }
  return true;
}

// Returns the body as it reads back from `text`, its serialisation.
Result<nlohmann::json> canonical(const std::string& text) {
  auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) {
    return storeFailure("document.corrupt", "a serialised body does not parse back");
  }
  return body;
}

}  // namespace

Result<void> MemoryDocumentStore::checkOutboxIds(const std::vector<EventEnvelope>& events) const {
  if (events.empty()) {
    return {};
  }
  std::set<std::string_view> ids;
  for (const auto& event : events) {
    ids.insert(event.event_id);
  }
  for (const auto& entry : m_outbox.peek(m_outbox.size())) {
    if (ids.contains(entry.event.event_id)) {
      return duplicateEvent(entry.event.event_id);
    }
  }
  return {};
}

std::vector<Document> MemoryDocumentStore::documentsWhere(
    std::string_view collection, const std::function<bool(const nlohmann::json&)>& keep) const {
  std::vector<Document> found;
  auto collection_it = m_collections.find(collection);
  if (collection_it == m_collections.end()) {
    return found;
  }
  for (const auto& [id, stored] : collection_it->second) {
    if (keep(stored.body)) {
      found.push_back(Document{std::string(collection), id, stored.revision, stored.body});
    }
  }
  return found;
}

Result<void> MemoryDocumentStore::ensureIndex(std::string_view collection, std::string_view path) {
  return guarded("ensureIndex", [&]() -> Result<void> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(parsePath(path));
    std::lock_guard lock(m_mutex);
    m_indexes.emplace(std::string(collection), std::string(path));
    return {};
  });
}

Result<Document> MemoryDocumentStore::insert(std::string_view collection, std::string_view id,
                                             const nlohmann::json& body,
                                             const std::vector<EventEnvelope>& events) {
  return guarded("insert", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::string text = STAYLAB_TRY(serialiseBody(body));
    STAYLAB_TRY(validateEvents(events));
    nlohmann::json stored_body = STAYLAB_TRY(canonical(text));
    std::lock_guard lock(m_mutex);
    auto collection_it = m_collections.find(collection);
    if (collection_it != m_collections.end() && collection_it->second.contains(id)) {
      return alreadyExists(collection, id);
    }
    STAYLAB_TRY(checkOutboxIds(events));
    if (collection_it == m_collections.end()) {
      collection_it = m_collections.emplace(std::string(collection), Collection{}).first;
    }
    collection_it->second.emplace(std::string(id), Stored{1, stored_body});
    m_outbox.append(events);
    return Document{std::string(collection), std::string(id), 1, std::move(stored_body)};
  });
}

Result<Document> MemoryDocumentStore::get(std::string_view collection, std::string_view id) {
  return guarded("get", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::lock_guard lock(m_mutex);
    auto collection_it = m_collections.find(collection);
    if (collection_it == m_collections.end()) {
      return notFound(collection, id);
    }
    auto it = collection_it->second.find(id);
    if (it == collection_it->second.end()) {
      return notFound(collection, id);
    }
    return Document{std::string(collection), std::string(id), it->second.revision, it->second.body};
  });
}

Result<Document> MemoryDocumentStore::replace(std::string_view collection, std::string_view id,
                                              int64_t expected_revision, const nlohmann::json& body,
                                              const std::vector<EventEnvelope>& events) {
  return guarded("replace", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::string text = STAYLAB_TRY(serialiseBody(body));
    STAYLAB_TRY(validateEvents(events));
    nlohmann::json stored_body = STAYLAB_TRY(canonical(text));
    std::lock_guard lock(m_mutex);
    auto collection_it = m_collections.find(collection);
    if (collection_it == m_collections.end()) {
      return notFound(collection, id);
    }
    auto it = collection_it->second.find(id);
    if (it == collection_it->second.end()) {
      return notFound(collection, id);
    }
    if (it->second.revision != expected_revision) {
      return staleRevision(collection, id, expected_revision, it->second.revision);
    }
    STAYLAB_TRY(checkOutboxIds(events));
    it->second = Stored{expected_revision + 1, stored_body};
    m_outbox.append(events);
    return Document{std::string(collection), std::string(id), expected_revision + 1,
                    std::move(stored_body)};
  });
}

Result<void> MemoryDocumentStore::remove(std::string_view collection, std::string_view id,
                                         int64_t expected_revision,
                                         const std::vector<EventEnvelope>& events) {
  return guarded("remove", [&]() -> Result<void> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    STAYLAB_TRY(validateEvents(events));
    std::lock_guard lock(m_mutex);
    auto collection_it = m_collections.find(collection);
    if (collection_it == m_collections.end()) {
      return notFound(collection, id);
    }
    auto it = collection_it->second.find(id);
    if (it == collection_it->second.end()) {
      return notFound(collection, id);
    }
    if (it->second.revision != expected_revision) {
      return staleRevision(collection, id, expected_revision, it->second.revision);
    }
    STAYLAB_TRY(checkOutboxIds(events));
    collection_it->second.erase(it);
    m_outbox.append(events);
    return {};
  });
}

Result<std::vector<Document>> MemoryDocumentStore::findEqual(std::string_view collection,
                                                             std::string_view path,
                                                             const nlohmann::json& value) {
  return guarded("findEqual", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    std::vector<std::string> segments = STAYLAB_TRY(parsePath(path));
    STAYLAB_TRY(serialiseFindValue(value));
    std::lock_guard lock(m_mutex);
    if (!m_indexes.contains({std::string(collection), std::string(path)})) {
      return unindexedPath(collection, path);
    }
    return documentsWhere(collection, [&](const nlohmann::json& body) {
      const nlohmann::json* node = lookUp(body, segments);
      return node != nullptr && matches(*node, value);
    });
  });
}

Result<std::vector<Document>> MemoryDocumentStore::all(std::string_view collection) {
  return guarded("all", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    std::lock_guard lock(m_mutex);
    return documentsWhere(collection, [](const nlohmann::json&) { return true; });
  });
}

Result<std::vector<Document>> MemoryDocumentStore::query(std::string_view collection,
                                                         const DocumentQuery& filter) {
  return guarded("query", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateQuery(filter));
    std::lock_guard lock(m_mutex);
    return documentsWhere(collection,
                          [&](const nlohmann::json& body) { return meets(body, filter); });
  });
}

Result<std::vector<OutboxEntry>> MemoryDocumentStore::peekOutbox(size_t limit) {
  return guarded("peekOutbox", [&]() -> Result<std::vector<OutboxEntry>> {
    std::lock_guard lock(m_mutex);
    return m_outbox.peek(limit);
  });
}

Result<void> MemoryDocumentStore::removeOutbox(int64_t up_to_sequence) {
  return guarded("removeOutbox", [&]() -> Result<void> {
    std::lock_guard lock(m_mutex);
    m_outbox.remove(up_to_sequence);
    return {};
  });
}

Result<size_t> MemoryDocumentStore::outboxSize() {
  std::lock_guard lock(m_mutex);
  return m_outbox.size();
}

}  // namespace staylab
