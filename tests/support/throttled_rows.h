// The data the kill-at-every-phase tests (phase_killed_test, operation_killed_test) seed, and
// the stream throttle that holds their operations in a phase: a stream must still be running
// seconds after it started, so that a test can kill a process mid-stream without sleeping.
#pragma once

#include <cstddef>

namespace test_support {

// About 2.9 MB of rows at RF 3 on 4 or 5 nodes: every node's share is more than the 1 MiB its
// stream limiter lets through at once (StreamManager's burst), so a stream throttled to
// kThrottledStreamMib is still running seconds after the burst, yet seeding takes a few seconds.
inline constexpr int kThrottledRows = 2400;
inline constexpr std::size_t kThrottledValueBytes = 1200;
// The clusters' size: 4 first nodes, the fifth joins.
inline constexpr int kThrottledNodes = 5;
// MiB/s of a throttled stream, past its burst: a 1.7 MB share takes about 15 s.
inline constexpr double kThrottledStreamMib = 0.05;

}  // namespace test_support
