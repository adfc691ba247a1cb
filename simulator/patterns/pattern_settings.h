#pragma once

// The settings of every registered pattern (registry.h), as one value: what
// a scenario's `patterns:` says, or what a run has switched them to. Each
// pattern starts at its defaults (some are on by default: the platform is
// built with them). Copyable and comparable; not thread-safe.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "simulator/patterns/pattern_config.h"

namespace staylab::sim {

class PatternSettings {
 public:
  // Every registered pattern at its defaults.
  PatternSettings();
  ~PatternSettings();
  PatternSettings(const PatternSettings& other);
  PatternSettings& operator=(const PatternSettings& other);
  PatternSettings(PatternSettings&&) noexcept;
  PatternSettings& operator=(PatternSettings&&) noexcept;

  // Returns whether the pattern named `name` is on; false for a name no
  // pattern has.
  bool enabled(std::string_view name) const;
  // Switches the pattern named `name`; returns false, changing nothing, for
  // a name no pattern has.
  bool setEnabled(std::string_view name, bool on);

  // The settings of the pattern at `index` in the registry.
  const PatternConfig& at(std::size_t index) const { return *m_configs[index]; }
  PatternConfig& at(std::size_t index) { return *m_configs[index]; }
  std::size_t size() const { return m_configs.size(); }

  // Returns the settings of a pattern by its settings type, which names
  // the pattern as `static constexpr std::string_view kPattern`.
  template <typename Settings>
  const Settings& get() const {
    return static_cast<const Settings&>(*m_configs[indexOf(Settings::kPattern)]);
  }
  template <typename Settings>
  Settings& get() {
    return static_cast<Settings&>(*m_configs[indexOf(Settings::kPattern)]);
  }

  bool operator==(const PatternSettings& other) const;

 private:
  // The registry index of `name`, which must be registered.
  static std::size_t indexOf(std::string_view name);

  std::vector<std::unique_ptr<PatternConfig>> m_configs;  // In registry order.
};

}  // namespace staylab::sim
