// Topology operations whose stream peer hangs (SIGSTOP) mid-stream, on real ringnode processes on
// 127.0.92.1..4 and 127.0.92.11..14, a QUORUM writer running: a bootstrap whose stream source
// hangs, and a decommission whose receiver hangs. A hung peer answers nothing and closes nothing,
// so only the failure detector can tell: each operation must fail naming the hung node once it
// is convicted (not wait out the 120 s stream timeout), leave the node in a clear state, and
// complete when run again after SIGCONT, with every acknowledged write readable at QUORUM and on
// every replica.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/cluster_checks.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
// About 2.1 MB of rows on every node: a bootstrap or decommission moves about three quarters of
// it, well past the throughput limiter's 1 MiB burst, so a throttled stream is still moving when
// the test looks for it.
constexpr int kRows = 30000;
constexpr double kThrottleMib = 0.02;

}  // namespace

TEST_CASE(
    "a bootstrap whose stream source hangs fails naming it once convicted, and a rejoin after it resumes completes") {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("join_source_hang", 1, 4, 8, "127.0.92.");
  const std::vector<std::string> seeded = seed_keyspace(cluster, 3, kKeyspace, kRows);
  constexpr int kSource = 1;  // not the seed: the rejoin learns the ring from node 0

  Writer writer(cluster, {0, 2}, kKeyspace, "w", 1);
  cluster.start(3, true, "stream_throughput_mib: " + std::to_string(kThrottleMib) + "\n");
  REQUIRE_MESSAGE(
      wait_until([&] { return !session_in_progress(cluster, 3, "receiving", cluster.address(kSource)).is_null(); },
                 60s),
      cluster.api(3, "GET", "/v1/streams").body.dump());
  const std::string job_id = cluster.api(3, "GET", "/v1/jobs").body["jobs"][0]["id"].get<std::string>();
  cluster.process(kSource).send_signal(SIGSTOP);
  const auto stopped = std::chrono::steady_clock::now();

  // Well within the 120 s a page read would otherwise wait for the hung source.
  const Json failed = cluster.wait_for_job(3, job_id, 90s);
  const double to_fail = seconds_since(stopped);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(failed["error"].get<std::string>().find(cluster.address(kSource)) != std::string::npos, failed.dump());
  CHECK(node_info(cluster, 3)["mode"] == "JOINING_FAILED");
  MESSAGE("bootstrap failed " << to_fail << " s after the source stopped: " << failed["error"].get<std::string>());
  CHECK(writes_acknowledged(writer, 100));  // two of each range's three replicas are up

  // The operator's retry: the source resumes, the joining node is restarted and bootstraps again.
  cluster.process(kSource).send_signal(SIGCONT);
  REQUIRE(cluster.process(3).terminate(30s) == 0);
  REQUIRE(wait_until([&] { return !seen_down(cluster, 0, kSource) && !seen_down(cluster, 2, kSource); }, 30s));
  cluster.start(3, true);
  set_throughput(cluster, 3, 0);
  const Json job = cluster.bootstrap_job(3);
  CHECK_MESSAGE(job["state"] == "succeeded", job.dump());
  CHECK(node_info(cluster, 3)["mode"] == "NORMAL");
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  CHECK(writes_acknowledged(writer, 100));
  writer.stop();

  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  REQUIRE(hints_delivered(cluster, {0, 1, 2, 3}));
  check_all_readable(cluster, {3, 0, 1, 2}, kKeyspace, keys);
  check_on_every_replica(cluster, 3, kKeyspace, keys, 3);
  MESSAGE("bootstrap with a hung source: " << keys.size() << " acknowledged rows read back, "
                                           << seconds_since(test_started) << " s");
}

TEST_CASE(
    "a decommission whose receiver hangs fails naming it once convicted, and a retry after it resumes completes") {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("leave_receiver_hang", 11, 4, 8, "127.0.92.");
  const std::vector<std::string> seeded = seed_keyspace(cluster, 4, kKeyspace, kRows);
  constexpr int kLeaving = 3;
  constexpr int kReceiver = 1;

  Writer writer(cluster, {0, 2}, kKeyspace, "w", 1);
  set_throughput(cluster, kLeaving, kThrottleMib);
  const auto started = cluster.api(kLeaving, "POST", "/v1/operations/decommission", Json{{"force", false}}.dump());
  REQUIRE_MESSAGE(started.status == 202, started.body.dump());
  REQUIRE_MESSAGE(
      wait_until(
          [&] { return !session_in_progress(cluster, kLeaving, "sending", cluster.address(kReceiver)).is_null(); },
          60s),
      cluster.api(kLeaving, "GET", "/v1/streams").body.dump());
  cluster.process(kReceiver).send_signal(SIGSTOP);
  const auto stopped = std::chrono::steady_clock::now();

  const Json failed = cluster.wait_for_job(kLeaving, started.body["id"].get<std::string>(), 90s);
  const double to_fail = seconds_since(stopped);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(failed["error"].get<std::string>().find(cluster.address(kReceiver)) != std::string::npos,
                failed.dump());
  MESSAGE("decommission failed " << to_fail << " s after the receiver stopped: " << failed["error"].get<std::string>());
  // Still a normal member holding its data, in its own view and its peers'.
  CHECK(node_info(cluster, kLeaving)["mode"] == "DECOMMISSION_FAILED");
  CHECK(wait_until(
      [&] {
        return member_seen_by(cluster, 0, cluster.address(kLeaving))["state"] == "normal" &&
               member_seen_by(cluster, 2, cluster.address(kLeaving))["state"] == "normal";
      },
      30s));
  CHECK(node_info(cluster, kLeaving)["load_bytes"].get<std::uint64_t>() > 0);
  CHECK(writes_acknowledged(writer, 100));

  cluster.process(kReceiver).send_signal(SIGCONT);
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  set_throughput(cluster, kLeaving, 0);
  const Json retried = cluster.run_operation(kLeaving, "decommission", {{"force", false}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  CHECK(node_info(cluster, kLeaving)["mode"] == "DECOMMISSIONED");
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  writer.stop();

  // Three nodes left at RF 3: every node holds every row.
  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  REQUIRE(hints_delivered(cluster, {0, 1, 2}));
  check_all_readable(cluster, {0, 1, 2}, kKeyspace, keys);
  check_on_every_replica(cluster, 0, kKeyspace, keys, 3);
  MESSAGE("decommission with a hung receiver: " << keys.size() << " acknowledged rows read back, "
                                                << seconds_since(test_started) << " s");
}
