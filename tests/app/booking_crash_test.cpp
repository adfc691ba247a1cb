// Kills a process that is placing bookings with SIGKILL at random moments and
// checks, after each kill, that every acknowledged booking survived intact.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "stores/relational/sqlite_booking_store.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

constexpr int kRounds = 24;

struct Acknowledged {
  std::string property_id;
  std::string from;
  std::string to;
};

// Starts the child, reads its acknowledgements for `run_for`, kills it with
// SIGKILL and returns every complete acknowledgement line it wrote.
std::vector<std::string> runAndKill(const std::string& data_dir, uint64_t seed,
                                    std::chrono::milliseconds run_for) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::string seed_text = std::to_string(seed);
    execl(STAYLAB_CRASH_CHILD_PATH, "booking_crash_child", data_dir.c_str(), seed_text.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  bool ready = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto kill_at = deadline;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= kill_at || now >= deadline) {
      break;
    }
    auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min(kill_at, deadline) - now);
    pollfd descriptor{pipe_fds[0], POLLIN, 0};
    if (poll(&descriptor, 1, static_cast<int>(wait.count()) + 1) > 0) {
      ssize_t count = read(pipe_fds[0], buffer, sizeof buffer);
      if (count <= 0) {
        break;  // The child exited on its own: the checks below will say why.
      }
      output.append(buffer, static_cast<size_t>(count));
      if (!ready && output.find("READY\n") != std::string::npos) {
        ready = true;
        kill_at = std::chrono::steady_clock::now() + run_for;
      }
    }
  }
  kill(pid, SIGKILL);
  // Whatever the child wrote before it died is still in the pipe.
  ssize_t count;
  while ((count = read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
    output.append(buffer, static_cast<size_t>(count));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child was not killed by the test; its output:\n"
      << output.substr(0, 2000);

  std::vector<std::string> lines;
  std::istringstream stream(output);
  std::string line;
  while (std::getline(stream, line)) {
    if (stream.eof()) {
      break;  // A line cut by the kill was never acknowledged.
    }
    EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << line;
    if (line.rfind("ACK ", 0) == 0) {
      lines.push_back(line.substr(4));
    }
  }
  return lines;
}

TEST(BookingCrash, AcknowledgedBookingsSurviveSigkillAtRandomMoments) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261121);
  std::map<std::string, Acknowledged> acknowledged;
  size_t rounds_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto run_for = std::chrono::milliseconds(5 + static_cast<int>(rng() % 250));
    auto lines = runAndKill(dir.path().string(), rng(), run_for);
    rounds_with_acks += lines.empty() ? 0 : 1;
    for (const auto& line : lines) {
      std::istringstream fields(line);
      std::string id;
      Acknowledged ack;
      fields >> id >> ack.property_id >> ack.from >> ack.to;
      acknowledged[id] = ack;
    }

    auto store = SqliteBookingStore::open({dir / "booking.db"});
    ASSERT_TRUE(store) << store.error().describe();
    EXPECT_EQ((*store)->testIntegrityCheck().value(), "ok") << "round " << round;

    // No night is held twice.
    auto nights = (*store)->bookedNights().value();
    std::set<std::pair<std::string, Date>> seen;
    std::map<std::string, size_t> nights_by_booking;
    for (const auto& night : nights) {
      EXPECT_TRUE(seen.insert({night.property_id, night.night}).second) << "round " << round;
      ++nights_by_booking[night.booking_id];
    }

    // Every acknowledged booking is there, confirmed, with exactly its nights,
    // and its BookingPlaced event waits in the outbox.
    std::set<std::string> placed_events;
    auto outbox = (*store)->peekOutbox(1'000'000).value();
    for (const auto& entry : outbox) {
      if (entry.event.type == "BookingPlaced") {
        placed_events.insert(entry.event.aggregate_id);
      }
    }
    for (const auto& [id, ack] : acknowledged) {
      auto booking = (*store)->find(id).value();
      ASSERT_TRUE(booking) << "acknowledged booking " << id << " lost in round " << round;
      EXPECT_EQ(booking->status, booking::BookingStatus::Confirmed);
      EXPECT_EQ(booking->property_id, ack.property_id);
      EXPECT_EQ(booking->check_in.toString(), ack.from);
      EXPECT_EQ(booking->check_out.toString(), ack.to);
      EXPECT_EQ(nights_by_booking[id], static_cast<size_t>(booking->nights())) << id;
      EXPECT_TRUE(placed_events.contains(id)) << "no BookingPlaced event for " << id;
    }
  }
  EXPECT_GT(acknowledged.size(), 0u);
  EXPECT_GE(rounds_with_acks, static_cast<size_t>(kRounds / 2));
  std::cout << "acknowledged bookings checked: " << acknowledged.size() << " over " << kRounds
            << " kills\n";
}

}  // namespace
}  // namespace staylab
