// StreamManager's limit: a stream throttled to a crawl goes on as soon as the limit is lifted,
// instead of waiting out the page it was priced at under the old one.
#include "stream_manager.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ringruntime/wait.h"

TEST_CASE("lifting the limit ends a wait made under the old one") {
  ringnode::StreamManager streams(0.001);  // about 1 KiB/s
  std::atomic<bool> through = false;
  std::thread stream([&] {
    streams.throttle(std::uint64_t{64} << 20);  // past the burst, at 1 KiB/s: most of a day
    through = true;
  });
  // Not through while the crawl holds it (the wait is priced at hours, so this is no race).
  CHECK_FALSE(ringruntime::wait_until([&] { return through.load(); }, std::chrono::milliseconds(300),
                                      std::chrono::milliseconds(50)));
  streams.set_throughput(0);
  const bool went_on =
      ringruntime::wait_until([&] { return through.load(); }, std::chrono::seconds(30), std::chrono::milliseconds(10));
  if (!went_on) streams.set_throughput(1e6);  // never leave the thread waiting a day
  stream.join();
  CHECK(went_on);
  CHECK(streams.throughput() == 0);
}
