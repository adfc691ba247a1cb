#include "app/http/pipeline.h"

#include "fraud/fraud_state_store.h"

namespace staylab::app::http {

void Pipeline::start() {
  m_thread = std::thread([this] { run(); });
}

Result<void> Pipeline::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopped) {
      return {};
    }
    m_stopped = true;
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  std::lock_guard pump(m_pump_mutex);
  auto drained = m_platform.pump().drain();
  if (!drained) {
    return std::unexpected(drained.error());
  }
  return {};
}

uint64_t Pipeline::committed() {
  uint64_t ticket = 0;
  {
    std::lock_guard lock(m_mutex);
    ticket = ++m_committed;
  }
  m_wake.notify_one();
  return ticket;
}

bool Pipeline::waitUntilApplied(uint64_t ticket, std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  return m_applied.wait_for(lock, timeout, [&] { return m_applied_through >= ticket; });
}

void Pipeline::run() {
  const size_t batch = m_options.batch;
  while (true) {
    uint64_t target = 0;
    {
      std::unique_lock lock(m_mutex);
      if (m_stopping) {
        return;
      }
      target = m_committed;
    }
    Result<PumpReport> report;
    {
      std::lock_guard pump(m_pump_mutex);
      report = m_platform.pump().round();
    }
    std::unique_lock lock(m_mutex);
    ++m_rounds;
    if (!report) {
      ++m_failed_rounds;
      m_last_error = report.error().describe();
      m_wake.wait_for(lock, m_options.failure_wait, [&] { return m_stopping; });
      continue;
    }
    m_last_error.clear();
    // A round that moved less than a full batch everywhere left every outbox
    // empty and every consumer at the end of the log as it was after the
    // relay: every commit counted before the round is applied.
    if (report->relayed < batch && report->consumed < batch) {
      if (target > m_applied_through) {
        m_applied_through = target;
        m_applied.notify_all();
      }
      if (report->idle()) {
        m_wake.wait_for(lock, m_options.idle_wait,
                        [&] { return m_stopping || m_committed > m_applied_through; });
      }
    }
  }
}

PipelineStatus Pipeline::status() {
  PipelineStatus status;
  {
    std::lock_guard pump(m_pump_mutex);
    auto depth = m_platform.relay().pending();
    status.outbox_depth = depth ? static_cast<int64_t>(*depth) : -1;
    for (Consumer* consumer : m_platform.pump().consumers()) {
      auto lag = consumer->lag();
      status.lags.push_back({consumer->name(), lag ? *lag : -1});
      if (!lag) {
        status.healthy = false;
        status.last_error = lag.error().describe();
      }
    }
    int64_t end = 0;
    int64_t position = 0;
    const auto topics = m_platform.eventLog().topics();
    const auto& offsets = m_platform.fraudDetection().offsets();
    for (const char* topic : {"property", "booking"}) {
      auto found = topics.find(topic);
      if (found == topics.end()) {
        continue;
      }
      for (int partition = 0; partition < found->second; ++partition) {
        auto partition_end = m_platform.eventLog().endOffset(topic, partition);
        end += partition_end ? *partition_end : 0;
        auto offset = offsets.find(fraud::offsetKey(topic, partition));
        position += offset == offsets.end() ? 0 : offset->second;
      }
    }
    status.lags.push_back({"fraud", std::max<int64_t>(end - position, 0)});
  }
  std::lock_guard lock(m_mutex);
  status.rounds = m_rounds;
  status.failed_rounds = m_failed_rounds;
  if (!m_last_error.empty()) {
    status.healthy = false;
    status.last_error = m_last_error;
  }
  return status;
}

void Pipeline::withConsumers(const std::function<void(Platform&)>& read) {
  std::lock_guard pump(m_pump_mutex);
  read(m_platform);
}

}  // namespace staylab::app::http
