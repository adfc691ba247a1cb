#!/usr/bin/python3
"""The M/M/c model of simulator/models/mmc.cpp written for SimPy 2.3.1.

Run by kernel_mmc_benchmark with /usr/bin/python3 (Debian's python3-simpy),
so the kernel's customers per second can be compared with SimPy's on the same
model: Poisson arrivals, exponential service, one Resource of c servers with
an unbounded FIFO queue, one process per customer, mean wait recorded.

Usage: mmc_simpy.py CUSTOMERS [LAMBDA MU SERVERS SEED]
Prints one line of key=value pairs, among them customers_per_second (wall
clock) and customers_per_cpu_second.
"""

import random
import sys
import time

from SimPy.Simulation import (Process, Resource, activate, hold, initialize, now, release,
                              request, simulate)


class Totals:
    def __init__(self):
        self.served = 0
        self.wait_sum = 0.0


class Customer(Process):
    def visit(self, servers, service_rate, rng, totals):
        arrived = now()
        yield request, self, servers
        totals.wait_sum += now() - arrived
        totals.served += 1
        yield hold, self, rng.expovariate(service_rate)
        yield release, self, servers


class Arrivals(Process):
    def generate(self, customers, arrival_rate, service_rate, servers, rng, totals):
        for _ in range(customers):
            yield hold, self, rng.expovariate(arrival_rate)
            customer = Customer()
            activate(customer, customer.visit(servers, service_rate, rng, totals))


def main(argv):
    customers = int(argv[1]) if len(argv) > 1 else 200000
    arrival_rate = float(argv[2]) if len(argv) > 2 else 9.0
    service_rate = float(argv[3]) if len(argv) > 3 else 1.0
    server_count = int(argv[4]) if len(argv) > 4 else 10
    seed = int(argv[5]) if len(argv) > 5 else 1

    rng = random.Random(seed)
    totals = Totals()
    started = time.perf_counter()
    started_cpu = time.process_time()
    initialize()
    servers = Resource(capacity=server_count, monitored=False)
    arrivals = Arrivals()
    activate(arrivals, arrivals.generate(customers, arrival_rate, service_rate, servers, rng,
                                         totals))
    simulate(until=1e18)
    elapsed = time.perf_counter() - started
    elapsed_cpu = time.process_time() - started_cpu

    # CPU-time rates are the ones to compare on a shared machine; wall-clock
    # rates are printed too.
    print("customers=%d wall_seconds=%.3f cpu_seconds=%.3f customers_per_second=%.1f "
          "customers_per_cpu_second=%.1f mean_wait=%.4f python=%s" %
          (totals.served, elapsed, elapsed_cpu, totals.served / elapsed,
           totals.served / elapsed_cpu, totals.wait_sum / totals.served,
           sys.version.split()[0]))


if __name__ == "__main__":
    main(sys.argv)
