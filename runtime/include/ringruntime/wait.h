// Waiting until something holds or a deadline passes, with the clock injectable so that
// tests run a wait without sleeping (tests/runtime/wait_test.cpp).
#pragma once

#include <chrono>
#include <functional>

namespace ringruntime {

// Time for a wait: what time it is, and sleeping.
struct WaitClock {
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
};
// The steady clock and std::this_thread::sleep_for.
WaitClock real_clock();

// Calls `done` until it returns true or `timeout` has passed, pausing `interval` between calls
// and never sleeping past the deadline, so `done` is asked once more at the deadline. Returns
// whether `done` returned true. `done` is always called at least once.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval, const WaitClock& clock = real_clock());

// The same with back-off: the pauses start at `first` and double up to `max` (a poll that is
// cheap at first and light on a slow cluster later).
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds first,
                std::chrono::milliseconds max, const WaitClock& clock = real_clock());

}  // namespace ringruntime
