// The cost of recording a request in ringnode's RequestStats (a lock, a log bucket, two
// counters) and of reading its quantiles (merging 6 slices of 1,184 buckets), which every
// client request and every GET /v1/node pays. Google Benchmark; prints ns per operation.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "latency_window.h"
#include "request_stats.h"

namespace {

using namespace std::chrono_literals;

void BM_HistogramRecord(benchmark::State& state) {
  ringnode::LatencyHistogram histogram;
  std::mt19937_64 random(1);
  std::int64_t micros = 0;
  for (auto _ : state) {
    micros = static_cast<std::int64_t>(random() % 2000000);
    histogram.record(std::chrono::microseconds(micros));
  }
  benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_HistogramRecord);

// One request as client_api records it: started, then finished with its latency.
void BM_RequestStatsRecord(benchmark::State& state) {
  ringnode::RequestStats stats;
  std::mt19937_64 random(2);
  std::chrono::nanoseconds now = 0ns;
  for (auto _ : state) {
    stats.started(ringnode::RequestKind::kWrite);
    now += 10us;
    stats.finished(ringnode::RequestKind::kWrite, std::chrono::microseconds(random() % 20000), false, now);
  }
}
BENCHMARK(BM_RequestStatsRecord)->Threads(1)->Threads(4);

// The read side: p50 and p99 of a full 60 s window, as node_facts() asks.
void BM_RequestStatsSummary(benchmark::State& state) {
  ringnode::RequestStats stats;
  std::mt19937_64 random(3);
  std::chrono::nanoseconds now = 0ns;
  for (int i = 0; i < 600000; ++i) {
    stats.started(ringnode::RequestKind::kRead);
    now += 100us;
    stats.finished(ringnode::RequestKind::kRead, std::chrono::microseconds(random() % 20000), false, now);
  }
  for (auto _ : state) benchmark::DoNotOptimize(stats.summary(ringnode::RequestKind::kRead, now));
}
BENCHMARK(BM_RequestStatsSummary);

}  // namespace

BENCHMARK_MAIN();
