#include "domain/common/strangler_fig.h"

#include <fmt/format.h>

#include "domain/common/hash.h"

namespace staylab {
namespace {

constexpr std::array<std::string_view, kRoutedOperationCount> kOperationNames = {
    "search", "view", "book", "cancel", "edit"};
constexpr std::array<std::string_view, 3> kStrategyNames = {"per_table", "by_key", "firehose"};

}  // namespace

std::string_view toString(Backend backend) {
  return backend == Backend::Legacy ? "legacy" : "new";
}

std::string_view toString(RoutedOperation operation) {
  return kOperationNames[static_cast<size_t>(operation)];
}

std::optional<RoutedOperation> routedOperationFromString(std::string_view name) {
  for (size_t index = 0; index < kOperationNames.size(); ++index) {
    if (kOperationNames[index] == name)
      return static_cast<RoutedOperation>(index);
  }
  return std::nullopt;
}

std::string_view toString(Cohort cohort) {
  switch (cohort) {
    case Cohort::All:
      return "all";
    case Cohort::Properties:
      return "properties";
    case Cohort::Share:
      return "share";
  }
  return "all";
}

std::string_view toString(CdcStrategy strategy) {
  return kStrategyNames[static_cast<size_t>(strategy)];
}

std::optional<CdcStrategy> cdcStrategyFromString(std::string_view name) {
  for (size_t index = 0; index < kStrategyNames.size(); ++index) {
    if (kStrategyNames[index] == name)
      return static_cast<CdcStrategy>(index);
  }
  return std::nullopt;
}

void StranglerFacade::setRoute(RoutedOperation operation, const Route& route) {
  m_routes[static_cast<size_t>(operation)] = route;
}

const Route& StranglerFacade::route(RoutedOperation operation) const {
  return m_routes[static_cast<size_t>(operation)];
}

bool StranglerFacade::inCohort(std::string_view property_id, int percent) {
  return static_cast<int>(fnv1a64(property_id) % 100) < percent;
}

Backend StranglerFacade::decide(RoutedOperation operation, std::string_view property_id,
                                double draw) const {
  const Route& chosen = route(operation);
  switch (chosen.cohort) {
    case Cohort::All:
      return chosen.backend;
    case Cohort::Properties:
      return inCohort(property_id, chosen.percent) ? Backend::New : Backend::Legacy;
    case Cohort::Share:
      return draw * 100.0 < chosen.percent ? Backend::New : Backend::Legacy;
  }
  return chosen.backend;
}

bool StranglerFacade::complete() const {
  for (const Route& each : m_routes) {
    if (each.cohort != Cohort::All || each.backend != Backend::New)
      return false;
  }
  return true;
}

std::string StranglerFacade::describe() const {
  std::string lines;
  for (size_t index = 0; index < m_routes.size(); ++index) {
    const Route& each = m_routes[index];
    std::string target =
        each.cohort == Cohort::All
            ? fmt::format("to {}", toString(each.backend))
            : fmt::format("{}% of {} to new, the rest to legacy", each.percent,
                          each.cohort == Cohort::Properties ? "properties" : "requests");
    lines += fmt::format("{}: {}\n", kOperationNames[index], target);
  }
  return lines;
}

}  // namespace staylab
