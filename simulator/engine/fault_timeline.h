#pragma once

// The run's timeline of faults and pattern switches: each fault of the
// scenario (or injected live) starts at its time, acts for its window or
// until its restart, and is reverted; each switch turns a pattern on or off
// at its time. Store faults act through the fault board, which the
// platform's decorated ports read; link, instance and consumer faults act on
// the simulated world. Every fault kind has one apply and one revert entry.
//
// Thread safety: the engine's thread only.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/engine/engine_state.h"
#include "simulator/engine/pollers.h"
#include "simulator/engine/system.h"

namespace staylab::sim {

class FaultTimeline {
 public:
  using SwitchPattern = std::function<void(const PatternSwitchSpec& change)>;

  // `run_end` is when the run ends (a fault without a restart lasts until
  // then); `switch_pattern` applies a switch at its time.
  FaultTimeline(RunState& state, SystemUnderTest* system, Pollers& pollers, Nanos run_end,
                SwitchPattern switch_pattern)
      : m_state(state),
        m_system(system),
        m_pollers(pollers),
        m_run_end(run_end),
        m_switch_pattern(std::move(switch_pattern)) {}

  // Spawns the scenario's faults, then its switches.
  void start(const Scenario& scenario);
  // Starts `fault` now (its `at` is the time it was injected).
  void inject(FaultSpec fault);

  // Returns how a fault is shown: its target, or "from->to" for a link.
  static std::string label(const FaultSpec& fault);

 private:
  using Action = void (FaultTimeline::*)(const FaultSpec& fault);
  struct Actions {
    Action apply;
    Action revert;
  };
  static const Actions& actionsOf(FaultKind kind);

  Process faultProcess(FaultSpec fault, std::string label);
  Process switchProcess(PatternSwitchSpec change);

  // The name the fault board knows a store by: the platform part a real
  // store binds (its decorator's target), or the component's own name.
  std::string boardTarget(const std::string& component) const;
  Link& linkOf(const FaultSpec& fault);

  void startStoreOutage(const FaultSpec& fault);
  void endStoreOutage(const FaultSpec& fault);
  void startStoreLatency(const FaultSpec& fault);
  void endStoreLatency(const FaultSpec& fault);
  void startStoreErrorRate(const FaultSpec& fault);
  void endStoreErrorRate(const FaultSpec& fault);
  void startLinkPartition(const FaultSpec& fault);
  void endLinkPartition(const FaultSpec& fault);
  void startLinkLatency(const FaultSpec& fault);
  void endLinkLatency(const FaultSpec& fault);
  void startLinkLoss(const FaultSpec& fault);
  void endLinkLoss(const FaultSpec& fault);
  void startInstanceKill(const FaultSpec& fault);
  void endInstanceKill(const FaultSpec& fault);
  void startConsumerCrash(const FaultSpec& fault);
  void endConsumerCrash(const FaultSpec& fault);
  void startDeliveryDuplicate(const FaultSpec& fault);
  void endDeliveryDuplicate(const FaultSpec& fault);
  void startDeliveryDelay(const FaultSpec& fault);
  void endDeliveryDelay(const FaultSpec& fault);
  void startDeliveryReorder(const FaultSpec& fault);
  void endDeliveryReorder(const FaultSpec& fault);
  void appendPoison(const FaultSpec& fault);
  void startRebuild(const FaultSpec& fault);
  void nothing(const FaultSpec& fault);

  RunState& m_state;
  SystemUnderTest* m_system;
  Pollers& m_pollers;
  Nanos m_run_end;
  SwitchPattern m_switch_pattern;
};

}  // namespace staylab::sim
