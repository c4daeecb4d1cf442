// FakeClock: a clock for waits (ringruntime::WaitClock) that moves only when the waiter sleeps,
// and remembers each pause, so that a wait with a deadline runs in a test without sleeping.
#pragma once

#include <chrono>
#include <vector>

#include "ringruntime/wait.h"

namespace test_support {

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  std::vector<std::chrono::milliseconds> pauses;

  // Valid while this FakeClock lives.
  ringruntime::WaitClock clock() {
    return {[this] { return now; },
            [this](std::chrono::milliseconds d) {
              pauses.push_back(d);
              now += d;
            }};
  }
};

}  // namespace test_support
