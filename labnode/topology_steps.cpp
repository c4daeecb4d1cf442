#include "topology_steps.h"

#include <map>
#include <set>

#include "node.h"
#include "ringruntime/log.h"
#include "ringruntime/wait.h"

namespace ringnode {

void wait_for_inflight_writes() { wait_for_inflight_writes_on(ringruntime::real_clock()); }

void wait_for_inflight_writes_on(const ringruntime::WaitClock& clock) { clock.sleep(kInflightWriteTimeout); }

ringcore::Status wait_for_schema_agreement(Node& node, std::chrono::seconds timeout) {
  return wait_for_schema_agreement([&] { return node.gossip().peers_with_other_schema(node.schema().version()); },
                                   timeout, ringruntime::real_clock());
}

ringcore::Status wait_for_schema_agreement(const std::function<std::vector<std::string>()>& differing_peers,
                                           std::chrono::seconds timeout, const ringruntime::WaitClock& clock) {
  std::vector<std::string> differing;
  const bool agreed = ringruntime::wait_until(
      [&] {
        differing = differing_peers();
        return differing.empty();
      },
      timeout, std::chrono::milliseconds(200), clock);
  if (agreed) return ringcore::Ok{};
  return ringcore::Error::failed("no schema agreement after " + std::to_string(timeout.count()) + " s with " +
                                 differing.front());
}

ringcore::Status wait_until_peers_up(Node& node, std::chrono::seconds timeout) {
  return wait_until_peers_up(
      [&] {
        std::vector<std::string> down;
        const auto view = node.gossip().view();  // held while looping over its nodes
        for (const ringcore::Node& peer : view->snapshot.nodes) {
          if (peer.address == node.config().listen_address || peer.status == ringcore::NodeStatus::kUp) continue;
          down.push_back(peer.address);
        }
        return down;
      },
      timeout, ringruntime::real_clock());
}

namespace {

// "a, b, c".
std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace

ringcore::Status wait_until_peers_up(const std::function<std::vector<std::string>()>& down_peers,
                                     std::chrono::seconds timeout, const ringruntime::WaitClock& clock) {
  std::vector<std::string> down;
  const bool up = ringruntime::wait_until(
      [&] {
        down = down_peers();
        return down.empty();
      },
      timeout, std::chrono::milliseconds(200), clock);
  if (up) return ringcore::Ok{};
  return ringcore::Error(
      ringcore::ErrorCode::kUnavailable,
      "not seen up in this node's gossip after " + std::to_string(timeout.count()) + " s: " + joined(down));
}

ringcore::Status wait_until_peers_see(const std::string& endpoint, const std::string& status_value,
                                      const std::function<std::vector<std::string>()>& peers, const PeerSees& sees,
                                      std::chrono::seconds timeout, const ringruntime::WaitClock& clock) {
  std::vector<std::string> behind;
  const bool seen_by_all = ringruntime::wait_until(
      [&] {
        behind.clear();
        for (const std::string& peer : peers()) {
          if (!sees(peer)) behind.push_back(peer);
        }
        return behind.empty();
      },
      timeout, std::chrono::milliseconds(200), clock);
  if (seen_by_all) return ringcore::Ok{};
  return ringcore::Error::failed("peers had not learnt " + endpoint + "'s status " + status_value + " after " +
                                 std::to_string(timeout.count()) + " s: " + joined(behind));
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
                                std::size_t source_hints, const FixedWaits& waits) {
  return {{"bytes_streamed", totals.bytes},
          {"rows_streamed", totals.rows},
          {"ranges_streamed", totals.ranges},
          {"files_streamed", totals.files},
          {"planned_bytes", plan.total_bytes - plan.unsourced_bytes},
          {"streaming_seconds", totals.seconds},
          {"stream_retries", totals.retries},
          {"source_hints_awaited", source_hints},
          {"waits", waits.to_json()}};
}

// The hints `holder` holds for each of `sources`.
ringcore::Result<std::map<std::string, std::size_t>> hints_for(const HintHolders& holders, const std::string& holder,
                                                               const std::set<std::string>& sources) {
  auto all = holders.hints_by_endpoint(holder);
  if (!all) return all.error();
  std::map<std::string, std::size_t> for_sources;
  for (const std::string& source : sources) for_sources[source] = all->contains(source) ? all->at(source) : 0;
  return for_sources;
}

}  // namespace

ringcore::Result<std::size_t> wait_for_source_hints(Node& node, const std::vector<RangeTransfer>& transfers,
                                                    std::chrono::seconds timeout) {
  const HintHolders holders{node.config().listen_address, [&] { return node.gossip().view()->snapshot.nodes; },
                            [&](const std::string& holder) -> ringcore::Result<std::map<std::string, std::size_t>> {
                              if (holder == node.config().listen_address) return node.hints().pending_by_endpoint();
                              return node.transport().pending_hints(holder);
                            }};
  return wait_for_source_hints(holders, transfers, timeout, ringruntime::real_clock());
}

ringcore::Result<std::size_t> wait_for_source_hints(const HintHolders& holders,
                                                    const std::vector<RangeTransfer>& transfers,
                                                    std::chrono::seconds timeout, const ringruntime::WaitClock& clock) {
  const std::string& self = holders.self;
  std::set<std::string> sources;
  for (const RangeTransfer& transfer : transfers) sources.insert(transfer.source);
  if (sources.empty()) return std::size_t{0};
  // holder -> the sources it has not yet been seen holding no hints for, with the last count
  // (0 while it has not answered).
  std::map<std::string, std::map<std::string, std::size_t>> waiting;
  for (const ringcore::Node& member : holders.members()) {
    if (member.address != self && member.status != ringcore::NodeStatus::kUp) {
      ringruntime::log_warn("waiting for hints of the stream sources: " + member.address +
                            " is down and cannot be asked; rows it hinted reach the old replicas when it returns");
      continue;
    }
    for (const std::string& source : sources) waiting[member.address][source] = 0;
  }
  for (const std::string& source : sources) waiting[self][source] = 0;
  std::size_t awaited = 0;
  bool first_look = true;
  std::string last_error;
  std::string down_source;  // a source seen down: the wait ends at once
  auto delivered = [&] {
    std::set<std::string> up;
    for (const ringcore::Node& member : holders.members()) {
      if (member.status == ringcore::NodeStatus::kUp) {
        up.insert(member.address);
      } else if (member.address != self && sources.contains(member.address)) {
        down_source = member.address;
      }
    }
    if (!down_source.empty()) return true;
    for (auto holder = waiting.begin(); holder != waiting.end();) {
      if (holder->first != self && !up.contains(holder->first)) {
        ringruntime::log_warn("waiting for hints of the stream sources: " + holder->first +
                              " went down; not waited for");
        holder = waiting.erase(holder);
        continue;
      }
      auto counts = hints_for(holders, holder->first, sources);
      if (!counts) {
        last_error = counts.error().message();
        ++holder;
        continue;
      }
      for (const auto& [source, count] : *counts) {
        if (first_look) awaited += count;
        if (count == 0) {
          holder->second.erase(source);
        } else if (holder->second.contains(source)) {
          holder->second[source] = count;
        }
      }
      holder = holder->second.empty() ? waiting.erase(holder) : std::next(holder);
    }
    first_look = false;
    return waiting.empty();
  };
  if (ringruntime::wait_until(delivered, timeout, std::chrono::milliseconds(500), clock)) {
    if (!down_source.empty()) {
      return ringcore::Error(ringcore::ErrorCode::kUnavailable,
                             "source " + down_source + " is down (it went down while its hints were awaited)");
    }
    if (awaited > 0)
      ringruntime::log_info("waited for " + std::to_string(awaited) + " hints of the stream sources to be delivered");
    return awaited;
  }
  const auto& [holder, counts] = *waiting.begin();
  const auto& [source, count] = *counts.begin();
  const std::string held = count > 0 ? " holds " + std::to_string(count) + " hints for " + source
                                     : " did not say how many hints it holds for " + source +
                                           (last_error.empty() ? "" : " (" + last_error + ")");
  return ringcore::Error(ringcore::ErrorCode::kTimedOut,
                         "hints for the stream sources not delivered within " + std::to_string(timeout.count()) +
                             " s: " + holder + held + "; streaming from " + source +
                             " now would leave the rows it missed off the new replicas. Retry once the hints are "
                             "delivered (GET /v1/node: hints.pending)");
}

ringcore::Status stream_change(Node& node, const ringcore::TopologyChange& change, const std::string& description,
                               JobHandle& job, FixedWaits& waits) {
  auto plan = ringcore::plan_movement(node.cluster_snapshot(), change);
  if (!plan) return plan.error().with_context("planning " + description);
  auto transfers = transfers_for(node, *plan);
  if (!transfers) return transfers.error();
  auto source_hints =
      waits.timed("source_hints", [&] { return wait_for_source_hints(node, *transfers, kSourceHintsTimeout); });
  if (!source_hints) return source_hints.error();
  auto streamed = node.streamer().stream(description, *transfers, job);
  if (!streamed) return streamed.error();
  job.set_result(streaming_result(*streamed, *plan, *source_hints, waits));
  return ringcore::Ok{};
}

std::int64_t gossip_expiry_ms() {
  const auto expiry = std::chrono::system_clock::now() + std::chrono::hours(72);
  return std::chrono::duration_cast<std::chrono::milliseconds>(expiry.time_since_epoch()).count();
}

}  // namespace ringnode
