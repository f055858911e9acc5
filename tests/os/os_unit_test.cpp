#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "os/genetlink.h"
#include "os/log.h"
#include "os/netns.h"
#include "os/process.h"
#include "os/signals.h"

namespace clt::os {
namespace {

using namespace std::chrono_literals;

TEST(RunCommand, OutputAndExitCode) {
  const CommandResult ok = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(ok.exit_code, 3);
  EXPECT_EQ(ok.output, "out\nerr");
  std::string output;
  EXPECT_EQ(run_command({"true"}, output), 0);
  EXPECT_EQ(output, "");
}

TEST(RunCommand, AMissingProgramSaysSo) {
  const CommandResult r = run_command({"/nonexistent/clt-no-such-program"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.output.find("cannot run /nonexistent/clt-no-such-program"), std::string::npos)
      << r.output;
}

TEST(RunCommand, ABackgroundGrandchildDoesNotHoldItUp) {
  const auto started = std::chrono::steady_clock::now();
  const CommandResult r = run_command({"sh", "-c", "sleep 5 & echo started"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "started");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
}

TEST(Spawn, ReapsAndStops) {
  std::string error;
  const pid_t quick = spawn({"sh", "-c", "exit 7"}, {}, error);
  ASSERT_GT(quick, 0) << error;
  std::optional<int> status;
  for (int i = 0; i < 200 && !status; ++i) {
    status = try_reap(quick);
    if (!status) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(status);
  EXPECT_EQ(describe_exit(*status), "exited with status 7");

  const pid_t slow = spawn({"sleep", "30"}, {"", true}, error);
  ASSERT_GT(slow, 0) << error;
  EXPECT_FALSE(try_reap(slow));
  stop_process(slow, true, 2000ms);
  EXPECT_NE(::kill(slow, 0), 0);  // gone and reaped
}

TEST(Spawn, AMissingProgramSaysSo) {
  std::string error;
  EXPECT_EQ(spawn({"/nonexistent/clt-no-such-program"}, {}, error), -1);
  EXPECT_NE(error.find("cannot start /nonexistent/clt-no-such-program"), std::string::npos)
      << error;
}

TEST(BlockedSignals, WaitsForOneAndRemembersIt) {
  std::optional<int> got;
  std::thread waiter([&] {
    BlockedSignals signals({SIGUSR1});
    EXPECT_FALSE(signals.received());
    EXPECT_FALSE(signals.wait_for(10ms));
    pthread_kill(pthread_self(), SIGUSR1);
    got = signals.wait_for(1000ms);
    EXPECT_TRUE(signals.received());
  });
  waiter.join();
  EXPECT_EQ(got, SIGUSR1);
}

TEST(Netns, AMissingNamespaceSaysWhich) {
  std::string error;
  bool ran = false;
  EXPECT_FALSE(run_in_netns(
      "clt-os-test-no-such-namespace", [&] { ran = true; }, error));
  EXPECT_FALSE(ran);
  EXPECT_NE(error.find("clt-os-test-no-such-namespace"), std::string::npos) << error;
  const ScopedNetns scoped("clt-os-test-no-such-namespace");
  EXPECT_FALSE(scoped.entered());
  EXPECT_NE(scoped.error().find("not found"), std::string::npos) << scoped.error();
}

TEST(Genetlink, ResolvesTheControllerFamily) {
  std::string error;
  const auto socket = GenlSocket::open(error);
  ASSERT_TRUE(socket) << error;
  GenlFamily family;
  ASSERT_EQ(socket->resolve("nlctrl", family), 0);
  EXPECT_EQ(family.id, GENL_ID_CTRL);
  EXPECT_TRUE(family.group("notify"));
  EXPECT_EQ(socket->resolve("clt-nosuch", family), -ENOENT);
}

TEST(Genetlink, AttributeWalkStopsAtAMalformedOne) {
  alignas(4) std::uint8_t bytes[16] = {};
  const std::uint16_t first[2] = {6, 1};  // length 6, type 1, two payload bytes
  std::memcpy(bytes, first, 4);
  bytes[4] = 0xab;
  const std::uint16_t bad[2] = {200, 2};  // runs past the end
  std::memcpy(bytes + 8, bad, 4);
  std::vector<std::uint16_t> types;
  EXPECT_FALSE(for_each_attr(bytes, [&](const NetlinkAttr& a) { types.push_back(a.type); }));
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0], 1);
  types.clear();
  EXPECT_TRUE(
      for_each_attr(std::span(bytes, 8), [&](const NetlinkAttr& a) { types.push_back(a.type); }));
  EXPECT_EQ(types.size(), 1u);
}

TEST(RateLimitedError, SaysEachReasonOncePerIntervalWithTheCount) {
  std::ostringstream out;
  Log log("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  RateLimitedError error(log, "cannot reach x", std::chrono::seconds(10));
  const auto t0 = RateLimitedError::Clock::time_point{} + std::chrono::hours(1);
  error.report("refused", t0);
  error.report("refused", t0 + 1s);
  error.report("refused", t0 + 2s);
  EXPECT_EQ(out.str(), "clt test: cannot reach x: refused\n");
  error.report("timed out", t0 + 3s);  // a new reason is said at once
  error.report("timed out", t0 + 20s);
  EXPECT_EQ(out.str(),
            "clt test: cannot reach x: refused\n"
            "clt test: cannot reach x: timed out\n"
            "clt test: cannot reach x: timed out\n");
  error.report("timed out", t0 + 21s);
  error.report("timed out", t0 + 40s);
  EXPECT_NE(out.str().find("timed out (and 1 more times since it was last said)"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(error.occurrences(), 7u);
}

}  // namespace
}  // namespace clt::os
