// The requests and drops of the last minutes, from counters since the node started, at
// injected times.
#include "request_window.h"

#include <doctest/doctest.h>

namespace {

using namespace std::chrono_literals;
using ringd::RequestWindow;

const RequestWindow::Clock::time_point kStart{1000s};

}  // namespace

TEST_CASE("one sample is not a window") {
  RequestWindow window(300s);
  CHECK_FALSE(window.add(kStart, 5000, 40).has_value());
}

TEST_CASE("while the agent has run for less than the span the window starts at its first sample") {
  RequestWindow window(300s);
  window.add(kStart, 5000, 40);
  window.add(kStart + 10s, 5100, 40);
  const auto counts = window.add(kStart + 20s, 5300, 41);
  REQUIRE(counts.has_value());
  CHECK(counts->requests == 300);
  CHECK(counts->dropped == 1);
  CHECK(counts->seconds == doctest::Approx(20));
}

TEST_CASE("drops older than the span no longer count") {
  RequestWindow window(300s);
  window.add(kStart, 1000, 0);
  window.add(kStart + 10s, 2000, 900);  // a burst of drops
  for (int s = 20; s <= 310; s += 10) window.add(kStart + std::chrono::seconds(s), 2000 + 10 * s, 900);
  const auto counts = window.add(kStart + 320s, 5200, 900);
  REQUIRE(counts.has_value());
  CHECK(counts->dropped == 0);
  CHECK(counts->seconds == doctest::Approx(300));
  CHECK(counts->requests == 5200 - (2000 + 10 * 20));
}

TEST_CASE("the window starts at the newest sample at least the span old") {
  RequestWindow window(300s);
  window.add(kStart, 0, 0);
  window.add(kStart + 100s, 100, 10);
  window.add(kStart + 250s, 250, 20);
  const auto counts = window.add(kStart + 380s, 380, 30);  // kStart + 100 s is 280 s old: too young
  REQUIRE(counts.has_value());
  CHECK(counts->seconds == doctest::Approx(380));
  CHECK(counts->dropped == 30);
  const auto later = window.add(kStart + 400s, 400, 30);  // now kStart + 100 s is 300 s old
  REQUIRE(later.has_value());
  CHECK(later->seconds == doctest::Approx(300));
  CHECK(later->dropped == 20);
}

TEST_CASE("counters that go back mean the node restarted and the window starts again") {
  RequestWindow window(300s);
  window.add(kStart, 90000, 500);
  window.add(kStart + 10s, 91000, 600);
  CHECK_FALSE(window.add(kStart + 20s, 30, 0).has_value());
  const auto counts = window.add(kStart + 30s, 130, 2);
  REQUIRE(counts.has_value());
  CHECK(counts->requests == 100);
  CHECK(counts->dropped == 2);
}
