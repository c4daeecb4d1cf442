// Waiting until something holds or the deadline passes, on a clock that moves only by sleeping.
#include "ringruntime/wait.h"

#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
// A clock that moves only when the waiter sleeps, and remembers the pauses.
using FakeTime = test_support::FakeClock;

// A condition that never holds, counting how often it was asked.
std::function<bool()> never(int& calls) {
  return [&calls] {
    ++calls;
    return false;
  };
}

}  // namespace

TEST_CASE("a condition already true returns at once, without sleeping") {
  FakeTime time;
  int calls = 0;
  CHECK(ringruntime::wait_until([&] { return ++calls > 0; }, 1s, 200ms, time.clock()));
  CHECK(calls == 1);
  CHECK(time.pauses.empty());
}

TEST_CASE("a condition that comes true is polled every interval until it does") {
  FakeTime time;
  int calls = 0;
  CHECK(ringruntime::wait_until([&] { return ++calls == 4; }, 10s, 200ms, time.clock()));
  CHECK(calls == 4);
  CHECK(time.pauses == std::vector<std::chrono::milliseconds>{200ms, 200ms, 200ms});
}

TEST_CASE("a condition never true gives up at the deadline, asked once more there, never sleeping past it") {
  FakeTime time;
  int calls = 0;
  CHECK_FALSE(ringruntime::wait_until(never(calls), 500ms, 200ms, time.clock()));
  CHECK(time.pauses == std::vector<std::chrono::milliseconds>{200ms, 200ms, 100ms});
  CHECK(calls == 4);  // at 0, 200, 400 and 500 ms
  CHECK(time.now - std::chrono::steady_clock::time_point{} == 500ms);
}

TEST_CASE("a zero timeout asks once") {
  FakeTime time;
  int calls = 0;
  CHECK_FALSE(ringruntime::wait_until(
      [&] {
        ++calls;
        return false;
      },
      0ms, 200ms, time.clock()));
  CHECK(calls == 1);
  CHECK(time.pauses.empty());
}

TEST_CASE("with back-off the pauses double from the first up to the most, and still stop at the deadline") {
  FakeTime time;
  int calls = 0;
  CHECK_FALSE(ringruntime::wait_until(never(calls), 5s, 250ms, 1s, time.clock()));
  CHECK(time.pauses == std::vector<std::chrono::milliseconds>{250ms, 500ms, 1000ms, 1000ms, 1000ms, 1000ms, 250ms});
  CHECK(time.now - std::chrono::steady_clock::time_point{} == 5s);
}
