#!/usr/bin/env python3
"""Bookings per second over HTTP against in-process, in one run.

Starts `staylab-cli serve` on a fresh data directory (durability as
`--durability` says, `normal` by default, and the in-process benchmark's
platform with the same; no rate limit), creates 1000
listings over HTTP, then drives it with wrk (Debian's `wrk`, 16 connections):
POST /bookings with a stay no other request takes, then GET /search. Then
runs the in-process e2e benchmark (benchmarks/e2e_bookings_benchmark, one
commit per command: PlaceBooking through the gateway, SQLite commit, relay,
search, history and fraud applied) and prints requests/s, p99 and the
HTTP/in-process ratio of bookings per second.

With --servers it also starts nats-server and PostgreSQL on loopback
(scripts/servers.sh) and runs the same two wrk runs against a server whose
event log is on NATS JetStream and booking store on PostgreSQL
(staylab-cli --nats --postgres), and prints their ratio to the embedded
engines' figures of the same run.

Not a test: it asserts nothing about time.

  benchmarks/http_benchmark.py [--build build] [--duration 10] [--connections 16] [--servers]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LISTINGS = 1000


def start_server(cli, data, engines, extra):
    process = subprocess.Popen(
        [cli, "--data", data] + engines + ["serve", "--listen", "127.0.0.1:0"] + extra,
        stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.match(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if not match:
        process.kill()
        sys.exit(f"serve did not start: {line!r}")
    return process, int(match.group(1))


def create_listings(port, key):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    ids = []
    for index in range(LISTINGS):
        body = json.dumps({
            "host": f"host-{index:05}", "title": f"Quiet flat {index} near the river",
            "description": "Light pours in through tall windows in the morning.",
            "city": "Lisbon" if index % 2 else "Porto", "price": "95", "currency": "EUR",
            "capacity": 4, "amenities": ["wifi", "kitchen"]})
        connection.request("POST", "/properties", body,
                           {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        payload = json.loads(answer.read())
        if answer.status != 201:
            sys.exit(f"cannot create a listing: {answer.status} {payload}")
        ids.append(payload["id"])
    return ids


def pipeline_lag(port):
    """Returns the events not yet relayed or applied, from /health."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/health")
    health = json.loads(connection.getresponse().read())
    return health["outbox_depth"] + sum(
        consumer["lag_events"] for consumer in health["consumers"].values())


def seconds(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(port, script, args, duration, connections, threads):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
               "-s", script, f"http://127.0.0.1:{port}", "--"] + args
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = seconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    p50 = seconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rate": rate, "p50": p50, "p99": p99, "non2xx": int(failed.group(1)) if failed else 0,
            "socket_errors": errors.group(1) if errors else "none", "raw": output}


def in_process(build, durability):
    program = os.path.join(build, "benchmarks", "e2e_bookings_benchmark")
    output = subprocess.run(
        [program, "--benchmark_filter=one_commit_per_command", "--benchmark_repetitions=3"],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, STAYLAB_DURABILITY=durability)).stdout
    return float(re.search(r"one commit per command: ([\d.]+)", output).group(1))


def drive(cli, data, engines, options):
    """Serves `data` (on `engines`), makes the listings, runs both wrk runs."""
    key = json.loads(subprocess.run(
        [cli, "--data", data] + engines + ["--json", "keys", "add", "--caller", "bench", "--role",
                                           "admin"],
        capture_output=True, text=True, check=True).stdout)["key"]
    server, port = start_server(
        cli, data, engines, ["--durability", options.durability, "--rate-limit", "0"])
    try:
        ids = create_listings(port, key)
        ids_file = os.path.join(os.path.dirname(data), os.path.basename(data) + "-ids.txt")
        with open(ids_file, "w") as out:
            out.write("\n".join(ids) + "\n")
        first_day = int(time.time() // 86400) + 30
        book = run_wrk(port, os.path.join(HERE, "wrk", "bookings.lua"),
                       [ids_file, key, str(first_day), str(options.threads)],
                       options.duration, options.connections, options.threads)
        lag_after_bookings = pipeline_lag(port)
        search = run_wrk(port, os.path.join(HERE, "wrk", "search.lua"), [key],
                         options.duration, options.connections, options.threads)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=120)
    return book, search, lag_after_bookings, code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--durability", default="normal", choices=["normal", "full"])
    parser.add_argument("--servers", action="store_true",
                        help="also run on NATS JetStream and PostgreSQL (scripts/servers.sh)")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk; ./scripts/setup.sh installs it)")
    cli = os.path.join(options.build, "app", "staylab-cli")
    scratch = tempfile.mkdtemp(prefix="staylab-http-bench-")
    # Its own folder under /tmp: PostgreSQL runs as the user postgres, who
    # cannot enter `scratch` (mkdtemp makes it 0700).
    servers_dir = tempfile.mkdtemp(prefix="staylab-servers-")
    servers_script = os.path.join(HERE, "..", "scripts", "servers.sh")
    try:
        book, search, lag_after_bookings, code = drive(
            cli, os.path.join(scratch, "embedded"), [], options)
        on_servers = None
        if options.servers:
            started = subprocess.run([servers_script, "start", servers_dir], stdout=subprocess.PIPE,
                                     text=True, check=True).stdout
            variables = dict(line.split("=", 1) for line in started.splitlines())
            engines = ["--nats", variables["STAYLAB_NATS_URL"],
                       "--postgres", variables["STAYLAB_POSTGRES_URL"].strip("'")]
            try:
                on_servers = drive(cli, os.path.join(scratch, "servers-data"), engines, options)
            finally:
                subprocess.run([servers_script, "stop", servers_dir], check=False)
        local = in_process(options.build, options.durability)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"HTTP (wrk, {options.connections} connections, {options.duration} s each, "
          f"serve --durability {options.durability}):")
    for name, run in (("POST /bookings", book), ("GET /search", search)):
        print(f"  {name:15} {run['rate']:9.0f} requests/s   p50 {run['p50'] * 1e3:7.2f} ms   "
              f"p99 {run['p99'] * 1e3:7.2f} ms   non-2xx {run['non2xx']}   "
              f"socket errors {run['socket_errors']}")
    print(f"  pipeline behind when the booking run ended: {lag_after_bookings} events "
          "(outbox + consumers' lag; the in-process figure includes applying them)")
    print(f"in-process e2e bookings/s, one commit per command, durability {options.durability} "
          f"(median of 3): {local:.0f}")
    print(f"HTTP/in-process bookings ratio: {book['rate'] / local:.3f} (target >= 0.7)")
    print(f"serve exited with {code} after SIGTERM")
    if on_servers:
        servers_book, servers_search, servers_lag, servers_code = on_servers
        print("on NATS JetStream and PostgreSQL (staylab-cli --nats --postgres), same wrk runs:")
        for name, run, embedded in (("POST /bookings", servers_book, book),
                                    ("GET /search", servers_search, search)):
            print(f"  {name:15} {run['rate']:9.0f} requests/s   p50 {run['p50'] * 1e3:7.2f} ms   "
                  f"p99 {run['p99'] * 1e3:7.2f} ms   non-2xx {run['non2xx']}   "
                  f"{run['rate'] / embedded['rate']:.2f} of the embedded engines")
        print(f"  pipeline behind when the booking run ended: {servers_lag} events; "
              f"serve exited with {servers_code}")


if __name__ == "__main__":
    main()
