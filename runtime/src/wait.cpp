#include "ringruntime/wait.h"

#include <algorithm>
#include <thread>

namespace ringruntime {

WaitClock real_clock() {
  return {[] { return std::chrono::steady_clock::now(); },
          [](std::chrono::milliseconds interval) { std::this_thread::sleep_for(interval); }};
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval, const WaitClock& clock) {
  return wait_until(done, timeout, interval, interval, clock);
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds first,
                std::chrono::milliseconds max, const WaitClock& clock) {
  const auto deadline = clock.now() + timeout;
  auto interval = first;
  for (;;) {
    if (done()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now());
    if (left <= std::chrono::milliseconds(0)) return false;
    clock.sleep(std::min(left, interval));
    interval = std::min(interval * 2, max);
  }
}

}  // namespace ringruntime
