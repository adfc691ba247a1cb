#include "simulator/patterns/pattern_settings.h"

#include <cassert>

#include "simulator/patterns/registry.h"

namespace staylab::sim {

PatternSettings::PatternSettings() {
  for (const Pattern* pattern : patternRegistry())
    m_configs.push_back(pattern->defaults());
}

PatternSettings::~PatternSettings() = default;

PatternSettings::PatternSettings(const PatternSettings& other) {
  m_configs.reserve(other.m_configs.size());
  for (const auto& config : other.m_configs)
    m_configs.push_back(config->clone());
}

PatternSettings& PatternSettings::operator=(const PatternSettings& other) {
  if (this != &other) {
    PatternSettings copy(other);
    m_configs.swap(copy.m_configs);
  }
  return *this;
}

PatternSettings::PatternSettings(PatternSettings&&) noexcept = default;
PatternSettings& PatternSettings::operator=(PatternSettings&&) noexcept = default;

bool PatternSettings::enabled(std::string_view name) const {
  const auto index = patternIndex(name);
  return index && m_configs[*index]->enabled;
}

bool PatternSettings::setEnabled(std::string_view name, bool on) {
  const auto index = patternIndex(name);
  if (!index)
    return false;
  m_configs[*index]->enabled = on;
  return true;
}

bool PatternSettings::operator==(const PatternSettings& other) const {
  if (m_configs.size() != other.m_configs.size())
    return false;
  for (std::size_t index = 0; index < m_configs.size(); ++index) {
    if (!m_configs[index]->equals(*other.m_configs[index]))
      return false;
  }
  return true;
}

std::size_t PatternSettings::indexOf(std::string_view name) {
  const auto index = patternIndex(name);
  assert(index && "a settings type names a pattern that is not registered");
  return *index;
}

}  // namespace staylab::sim
