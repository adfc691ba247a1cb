#include "simulator/faults/fault_board.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace staylab::sim {
namespace {

double clampProbability(double probability) {
  if (!(probability > 0)) {  // Also NaN.
    return 0;
  }
  return std::min(probability, 1.0);
}

Nanos nonNegative(Nanos duration) {
  return std::max<Nanos>(duration, 0);
}

}  // namespace

Nanos jittered(Generator& generator, Nanos base, Nanos jitter) {
  if (jitter <= 0) {
    return nonNegative(base);
  }
  const double offset = (2.0 * generator.uniform() - 1.0) * static_cast<double>(jitter);
  return nonNegative(base + static_cast<Nanos>(std::llround(offset)));
}

FaultBoard::FaultBoard(std::uint64_t seed) : m_seed(seed), m_streams(seed) {}

void FaultBoard::setOutage(std::string_view target, bool active) {
  faultsOf(target).outage = active;
}

void FaultBoard::setLatency(std::string_view target, Nanos latency, Nanos jitter) {
  Faults& faults = faultsOf(target);
  faults.latency = nonNegative(latency);
  faults.latency_jitter = faults.latency > 0 ? nonNegative(jitter) : 0;
}

void FaultBoard::setErrorRate(std::string_view target, double probability) {
  faultsOf(target).error_rate = clampProbability(probability);
}

void FaultBoard::setDuplicate(std::string_view topic, double probability) {
  faultsOf(topic).duplicate = clampProbability(probability);
}

void FaultBoard::setDelay(std::string_view topic, Nanos delay, Nanos jitter) {
  Faults& faults = faultsOf(topic);
  faults.delay = nonNegative(delay);
  faults.delay_jitter = faults.delay > 0 ? nonNegative(jitter) : 0;
}

void FaultBoard::setReorder(std::string_view topic, int window) {
  faultsOf(topic).reorder_window = window > 1 ? window : 0;
}

void FaultBoard::clearAll() {
  m_faults.clear();
}

bool FaultBoard::anyActive() const {
  return std::any_of(m_faults.begin(), m_faults.end(),
                     [](const auto& entry) { return entry.second.active(); });
}

bool FaultBoard::anyActive(std::string_view target) const {
  const Faults* faults = findFaults(target);
  return faults != nullptr && faults->active();
}

Result<void> FaultBoard::beforeCall(std::string_view target) {
  const Faults* faults = findFaults(target);
  if (faults == nullptr) {
    return {};
  }
  if (faults->outage) {
    countFailure(target, kOutageCode);
    return std::unexpected(Error{ErrorKind::StoreFailure, std::string(kOutageCode),
                                 std::string(target),
                                 fmt::format("{} is down (injected outage)", target)});
  }
  if (faults->error_rate > 0 && generator(target).uniform() < faults->error_rate) {
    countFailure(target, kErrorCode);
    return std::unexpected(Error{ErrorKind::StoreFailure, std::string(kErrorCode),
                                 std::string(target),
                                 fmt::format("{} failed (injected error)", target)});
  }
  if (faults->latency > 0) {
    m_pending_charge += jittered(generator(target), faults->latency, faults->latency_jitter);
  }
  return {};
}

Nanos FaultBoard::takeCharge() {
  return std::exchange(m_pending_charge, 0);
}

double FaultBoard::duplicateProbability(std::string_view topic) const {
  const Faults* faults = findFaults(topic);
  return faults == nullptr ? 0 : faults->duplicate;
}

std::pair<Nanos, Nanos> FaultBoard::delay(std::string_view topic) const {
  const Faults* faults = findFaults(topic);
  return faults == nullptr ? std::pair<Nanos, Nanos>(0, 0)
                           : std::pair<Nanos, Nanos>(faults->delay, faults->delay_jitter);
}

int FaultBoard::reorderWindow(std::string_view topic) const {
  const Faults* faults = findFaults(topic);
  return faults == nullptr ? 0 : faults->reorder_window;
}

Generator& FaultBoard::generator(std::string_view target) {
  auto found = m_generators.find(target);
  if (found == m_generators.end()) {
    found =
        m_generators.emplace(std::string(target), m_streams.stream(fmt::format("fault:{}", target)))
            .first;
  }
  return found->second;
}

std::uint64_t FaultBoard::injectedFailures(std::string_view target) const {
  const Counters* counters = findCounters(target);
  return counters == nullptr ? 0 : counters->failures;
}

std::uint64_t FaultBoard::injectedFailures(std::string_view target, std::string_view code) const {
  const Counters* counters = findCounters(target);
  if (counters == nullptr) {
    return 0;
  }
  auto found = counters->failures_by_code.find(code);
  return found == counters->failures_by_code.end() ? 0 : found->second;
}

std::uint64_t FaultBoard::duplicatesDelivered(std::string_view topic) const {
  const Counters* counters = findCounters(topic);
  return counters == nullptr ? 0 : counters->duplicates;
}

std::uint64_t FaultBoard::reordered(std::string_view topic) const {
  const Counters* counters = findCounters(topic);
  return counters == nullptr ? 0 : counters->reordered;
}

std::uint64_t FaultBoard::withheld(std::string_view topic) const {
  const Counters* counters = findCounters(topic);
  return counters == nullptr ? 0 : counters->withheld;
}

void FaultBoard::countDuplicate(std::string_view topic) {
  ++countersOf(topic).duplicates;
}

void FaultBoard::countReordered(std::string_view topic, std::uint64_t n) {
  countersOf(topic).reordered += n;
}

void FaultBoard::countWithheld(std::string_view topic, std::uint64_t n) {
  countersOf(topic).withheld += n;
}

FaultBoard::Faults& FaultBoard::faultsOf(std::string_view target) {
  auto found = m_faults.find(target);
  if (found == m_faults.end()) {
    found = m_faults.emplace(std::string(target), Faults{}).first;
  }
  return found->second;
}

const FaultBoard::Faults* FaultBoard::findFaults(std::string_view target) const {
  auto found = m_faults.find(target);
  return found == m_faults.end() ? nullptr : &found->second;
}

FaultBoard::Counters& FaultBoard::countersOf(std::string_view target) {
  auto found = m_counters.find(target);
  if (found == m_counters.end()) {
    found = m_counters.emplace(std::string(target), Counters{}).first;
  }
  return found->second;
}

const FaultBoard::Counters* FaultBoard::findCounters(std::string_view target) const {
  auto found = m_counters.find(target);
  return found == m_counters.end() ? nullptr : &found->second;
}

void FaultBoard::countFailure(std::string_view target, std::string_view code) {
  Counters& counters = countersOf(target);
  ++counters.failures;
  auto found = counters.failures_by_code.find(code);
  if (found == counters.failures_by_code.end()) {
    found = counters.failures_by_code.emplace(std::string(code), 0).first;
  }
  ++found->second;
}

}  // namespace staylab::sim
