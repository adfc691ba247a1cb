#pragma once

// A pattern's settings as a scenario gives them: its switch and its own
// parameters. Each pattern (pattern.h) derives its own settings type in its
// own file; the rest of the simulator holds them through PatternSettings
// (pattern_settings.h) and reads only the switch.

#include <memory>

namespace staylab::sim {

class PatternConfig {
 public:
  virtual ~PatternConfig() = default;

  // Returns a copy of the whole settings, of the derived type.
  virtual std::unique_ptr<PatternConfig> clone() const = 0;
  // Returns true when `other` holds the same type and values.
  virtual bool equals(const PatternConfig& other) const = 0;

  bool enabled = false;

 protected:
  PatternConfig() = default;
  PatternConfig(const PatternConfig&) = default;
  PatternConfig& operator=(const PatternConfig&) = default;
};

// Implements clone() and equals() for a settings type with a defaulted
// operator==:
//   struct RetrySettings final : PatternConfigOf<RetrySettings> {
//     int attempts = 3;
//     bool operator==(const RetrySettings&) const = default;
//   };
template <typename Derived>
class PatternConfigOf : public PatternConfig {
 public:
  std::unique_ptr<PatternConfig> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  bool equals(const PatternConfig& other) const override {
    const auto* same = dynamic_cast<const Derived*>(&other);
    return same != nullptr && static_cast<const Derived&>(*this) == *same;
  }
  // Compares the switch; a derived type's defaulted == adds its own fields.
  bool operator==(const PatternConfigOf& other) const { return enabled == other.enabled; }
};

// The settings of a pattern that has none but its switch.
struct SwitchOnly final : PatternConfigOf<SwitchOnly> {
  bool operator==(const SwitchOnly&) const = default;
};

}  // namespace staylab::sim
