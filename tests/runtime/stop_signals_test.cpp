// StopSignals: SIGTERM and SIGINT wait for the main thread, blocked in every thread started
// after it; SIGPIPE no longer kills the process.
#include "ringruntime/stop_signals.h"

#include <doctest/doctest.h>
#include <pthread.h>

#include <string>
#include <thread>

TEST_CASE("a stop signal sent before wait() is the one wait() returns, and threads started after inherit the block") {
  const ringruntime::StopSignals stop;
  bool blocked_in_thread = false;
  std::thread([&] {
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    blocked_in_thread = sigismember(&mask, SIGTERM) == 1 && sigismember(&mask, SIGINT) == 1;
  }).join();
  CHECK(blocked_in_thread);

  REQUIRE(raise(SIGTERM) == 0);  // pending, not delivered: the process goes on
  CHECK(stop.wait() == SIGTERM);
  REQUIRE(raise(SIGINT) == 0);
  CHECK(stop.wait() == SIGINT);
}

TEST_CASE("SIGPIPE is ignored, so a write to a closed socket fails instead of killing the process") {
  const ringruntime::StopSignals stop;
  REQUIRE(raise(SIGPIPE) == 0);  // with the default action the test would die here
  const bool was_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
  CHECK(was_ignored);
}

TEST_CASE("the log names the signal") {
  CHECK(std::string(ringruntime::stop_signal_name(SIGTERM)) == "SIGTERM");
  CHECK(std::string(ringruntime::stop_signal_name(SIGINT)) == "SIGINT");
}
