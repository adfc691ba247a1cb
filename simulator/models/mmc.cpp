#include "simulator/models/mmc.h"

#include "simulator/kernel/distributions.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/kernel/resource.h"
#include "simulator/stats/running_stats.h"

namespace staylab::sim {

namespace {

struct MmcModel {
  Simulation& simulation;
  Resource& servers;
  ExponentialTime interarrival;
  ExponentialTime service;
  Generator arrival_stream;
  Generator service_stream;
  std::uint64_t customers;
  std::uint64_t warmup;
  BatchMeans& wait_batches;
  RunningStats waits;
  ResourceStats measured_servers;
};

Process customer(MmcModel& model, bool measured) {
  const Nanos arrived = model.simulation.now();
  const bool granted = co_await model.servers.acquire();  // See simulation.h on GCC 12.2.
  if (!granted)
    co_return;  // Cannot happen: the queue is unbounded.
  const double wait = toSeconds(model.simulation.now() - arrived);
  model.wait_batches.add(wait);
  if (measured)
    model.waits.add(wait);
  co_await model.simulation.delay(model.service.sample(model.service_stream));
  model.servers.release();
}

Process arrivals(MmcModel& model) {
  for (std::uint64_t index = 0; index < model.customers; ++index) {
    co_await model.simulation.delay(model.interarrival.sample(model.arrival_stream));
    if (index == model.warmup)
      model.servers.resetStats();
    model.simulation.spawn(customer(model, index >= model.warmup));
  }
  // Time averages stop at the last arrival so the final drain does not count.
  model.measured_servers = model.servers.stats();
}

}  // namespace

Result<MmcResult> runMmc(const MmcOptions& options) {
  if (options.servers < 1)
    return invalidInput("servers", "need at least one server");
  const ExponentialTime interarrival = STAYLAB_TRY(ExponentialTime::withRate(options.arrival_rate));
  const ExponentialTime service = STAYLAB_TRY(ExponentialTime::withRate(options.service_rate));
  if (options.arrival_rate >= options.servers * options.service_rate) {
    return invalidInput("arrival_rate", "lambda {} >= c * mu = {}: the queue grows without bound",
                        options.arrival_rate, options.servers * options.service_rate);
  }
  BatchMeans wait_batches =
      STAYLAB_TRY(BatchMeans::forExpectedCount(options.customers, options.batch_means));

  const RandomStreams streams(options.seed);
  Simulation simulation;
  Resource servers(simulation, options.servers);
  const auto warmup = static_cast<std::uint64_t>(options.batch_means.warmup_fraction *
                                                 static_cast<double>(options.customers));
  MmcModel model{simulation,
                 servers,
                 interarrival,
                 service,
                 streams.stream("mmc.arrivals"),
                 streams.stream("mmc.service"),
                 options.customers,
                 warmup,
                 wait_batches,
                 RunningStats{},
                 ResourceStats{}};
  simulation.spawn(arrivals(model));
  simulation.run();

  MmcResult result;
  result.customers = options.customers;
  result.measured_customers = model.waits.count();
  result.mean_wait_seconds = model.waits.mean();
  result.wait_ci_seconds = STAYLAB_TRY(wait_batches.interval());
  result.utilisation = model.measured_servers.utilisation();
  result.mean_queue_length = model.measured_servers.meanQueueLength();
  result.events = simulation.eventsProcessed();
  result.end_time = simulation.now();
  return result;
}

}  // namespace staylab::sim
