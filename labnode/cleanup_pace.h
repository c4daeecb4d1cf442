// How cleanup (cleanup.cpp) paces itself: its own header so that tests can run it on a fake
// clock (tests/labnode/cleanup_pace_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "ringcore/throughput_limiter.h"
#include "ringruntime/wait.h"

namespace ringnode {

// Cleanup is a compaction in Cassandra and is held to compaction_throughput like one: after
// removing a range's rows the job waits as long as that many bytes take at the limit, so that a
// cleanup does not take the disk from the requests the node serves. Paced per range (its rows
// are removed at full speed): coarse, but a range is a small part of a node's data. Ends the
// wait early, looking every 50 ms, once `cancelled()` (the node stops).
inline void pace_cleanup(ringcore::ThroughputLimiter& limiter, std::uint64_t bytes,
                         const std::function<bool()>& cancelled,
                         const ringruntime::WaitClock& clock = ringruntime::real_clock()) {
  const auto delay = limiter.delay_for(bytes, clock.now());
  if (delay <= ringcore::Duration::zero()) return;
  ringruntime::wait_until(cancelled, std::chrono::ceil<std::chrono::milliseconds>(delay), std::chrono::milliseconds(50),
                          clock);
}

}  // namespace ringnode
