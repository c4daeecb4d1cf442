#include "topology_steps.h"

#include <thread>

#include "node.h"
#include "ringruntime/wait.h"

namespace ringnode {

void wait_for_inflight_writes() { std::this_thread::sleep_for(kInflightWriteTimeout); }

ringcore::Status wait_for_schema_agreement(Node& node, std::chrono::seconds timeout) {
  std::vector<std::string> differing;
  const bool agreed = ringruntime::wait_until(
      [&] {
        differing = node.gossip().peers_with_other_schema(node.schema().version());
        return differing.empty();
      },
      timeout, std::chrono::milliseconds(200));
  if (agreed) return ringcore::Ok{};
  return ringcore::Error::failed("no schema agreement after " + std::to_string(timeout.count()) + " s with " +
                                 differing.front());
}

namespace {

// The plan's moves that have a source, as transfers; kUnavailable when an end is down.
ringcore::Result<std::vector<RangeTransfer>> transfers_for(Node& node, const ringcore::MovementPlan& plan) {
  const auto view = node.gossip().view();
  auto check_up = [&](const std::string& address, const char* role) -> ringcore::Status {
    if (address == node.config().listen_address) return ringcore::Ok{};
    const auto index = view->find(address);
    if (!index || !view->is_up(*index)) {
      return ringcore::Error(ringcore::ErrorCode::kUnavailable, std::string(role) + " " + address + " is down");
    }
    return ringcore::Ok{};
  };
  std::vector<RangeTransfer> transfers;
  for (const ringcore::RangeMove& move : plan.moves) {
    if (move.source.empty()) continue;  // nobody holds it: nothing to stream
    if (auto up = check_up(move.source, "source"); !up) return up.error();
    if (auto up = check_up(move.target, "target"); !up) return up.error();
    transfers.push_back({move.keyspace, move.range, move.source, move.target});
  }
  return transfers;
}

nlohmann::json streaming_result(const StreamTotals& totals, const ringcore::MovementPlan& plan,
                                const FixedWaits& waits) {
  return {{"bytes_streamed", totals.bytes},
          {"rows_streamed", totals.rows},
          {"ranges_streamed", totals.ranges},
          {"files_streamed", totals.files},
          {"planned_bytes", plan.total_bytes - plan.unsourced_bytes},
          {"streaming_seconds", totals.seconds},
          {"waits", waits.to_json()}};
}

}  // namespace

ringcore::Status stream_change(Node& node, const ringcore::TopologyChange& change, const std::string& description,
                               JobHandle& job, const FixedWaits& waits) {
  auto plan = ringcore::plan_movement(node.cluster_snapshot(), change);
  if (!plan) return plan.error().with_context("planning " + description);
  auto transfers = transfers_for(node, *plan);
  if (!transfers) return transfers.error();
  auto streamed = node.streamer().stream(description, *transfers, job);
  if (!streamed) return streamed.error();
  job.set_result(streaming_result(*streamed, *plan, waits));
  return ringcore::Ok{};
}

std::int64_t gossip_expiry_ms() {
  const auto expiry = std::chrono::system_clock::now() + std::chrono::hours(72);
  return std::chrono::duration_cast<std::chrono::milliseconds>(expiry.time_since_epoch()).count();
}

}  // namespace ringnode
