#include "coordinator.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "ringcore/murmur3.h"
#include "ringcore/placement.h"

namespace ringnode {
namespace {

using ringcore::Error;

struct Answer {
  std::string endpoint;
  bool ok = false;
  std::optional<Cell> cell;
  std::string error;
};

// The answers of one fan-out. Shared with the tasks, which may finish after the coordinator
// has replied.
struct Tally {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Answer> answers;  // guarded by mutex
  int ok = 0;                   // guarded by mutex
};

// Sends a request to a peer; `answer` gets its answer, on any thread, possibly after the
// coordinator has replied.
using SendRemote = std::function<void(const std::string& endpoint, std::function<void(Answer)> answer)>;
using Request = std::function<Answer(const std::string&)>;

// Asks every endpoint and waits until `needed` succeeded, every endpoint answered, or `timeout`
// passed. Returns the answers so far; endpoints that had not answered are listed as timed out.
// The peers are asked with `send_remote`, except this node (`is_local`), which `local_request`
// asks on the caller's thread once the others are on their way: a local write is one RocksDB
// put, cheaper than waking a pool thread for it and waiting to be woken in turn (on a busy
// machine each hand-over between threads waits for a core).
std::vector<Answer> fan_out(const std::vector<std::string>& endpoints, int needed, std::chrono::milliseconds timeout,
                            const SendRemote& send_remote, const Request& local_request,
                            const std::function<bool(const std::string&)>& is_local) {
  auto tally = std::make_shared<Tally>();
  const auto record = [](Tally& tally, Answer answer) {
    std::lock_guard lock(tally.mutex);
    tally.ok += answer.ok ? 1 : 0;
    tally.answers.push_back(std::move(answer));
    tally.changed.notify_all();
  };
  const std::string* local = nullptr;
  for (const std::string& endpoint : endpoints) {
    if (local == nullptr && is_local(endpoint)) {
      local = &endpoint;
      continue;
    }
    send_remote(endpoint, [tally, record](Answer answer) { record(*tally, std::move(answer)); });
  }
  if (local != nullptr) record(*tally, local_request(*local));
  std::unique_lock lock(tally->mutex);
  tally->changed.wait_for(lock, timeout,
                          [&] { return tally->ok >= needed || tally->answers.size() == endpoints.size(); });
  std::vector<Answer> answers = tally->answers;
  for (const std::string& endpoint : endpoints) {
    const bool answered =
        std::any_of(answers.begin(), answers.end(), [&](const Answer& a) { return a.endpoint == endpoint; });
    if (!answered) {
      answers.push_back({endpoint, false, std::nullopt, "no answer within " + std::to_string(timeout.count()) + " ms"});
    }
  }
  return answers;
}

// Runs `request` on a pool thread for each peer.
SendRemote on_pool(WorkerPool& pool, Request request) {
  return [&pool, request = std::move(request)](const std::string& endpoint, std::function<void(Answer)> answer) {
    pool.submit([request, endpoint, answer = std::move(answer)] { answer(request(endpoint)); });
  };
}

Answer write_answer(const std::string& endpoint, const ringcore::Status& written) {
  return written ? Answer{endpoint, true, std::nullopt, ""}
                 : Answer{endpoint, false, std::nullopt, written.error().message()};
}

// A task that reads one replica's copy.
std::function<Answer(const std::string&)> read_request(ReplicaTransport& transport, const std::string& keyspace,
                                                       const std::string& key) {
  return [&transport, keyspace, key](const std::string& endpoint) {
    auto cell = transport.read(endpoint, keyspace, key);
    return cell ? Answer{endpoint, true, *cell, ""} : Answer{endpoint, false, std::nullopt, cell.error().message()};
  };
}

int count_ok(const std::vector<Answer>& answers) {
  return static_cast<int>(std::count_if(answers.begin(), answers.end(), [](const Answer& a) { return a.ok; }));
}

// Splits the replicas into those gossip says are up and those it says are not.
void split_by_liveness(const ClusterView& view, const std::vector<std::string>& replicas, std::vector<std::string>& up,
                       std::vector<Answer>& down) {
  for (const std::string& address : replicas) {
    auto node = view.find(address);
    if (node && view.is_up(*node)) {
      up.push_back(address);
    } else {
      const char* status = node ? ringcore::node_status_name(view.snapshot.nodes[*node].status) : "unknown";
      down.push_back({address, false, std::nullopt, std::string("marked ") + status + " by gossip"});
    }
  }
}

Error unavailable(ConsistencyLevel level, int needed, int rf, int replicas, const std::vector<Answer>& answers) {
  std::string message = std::string(consistency_level_name(level)) + " needs " + std::to_string(needed) + " of " +
                        std::to_string(rf) + " replicas, " + std::to_string(count_ok(answers)) + " answered";
  std::string reasons;
  for (const Answer& answer : answers) {
    if (!answer.ok) reasons += (reasons.empty() ? "" : "; ") + answer.endpoint + ": " + answer.error;
  }
  if (replicas < rf)
    reasons += (reasons.empty() ? "" : "; ") + std::string("only ") + std::to_string(replicas) + " replicas exist";
  if (!reasons.empty()) message += " (" + reasons + ")";
  return Error(ringcore::ErrorCode::kUnavailable, message);
}

}  // namespace

ringcore::Result<ConsistencyLevel> parse_consistency_level(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (upper == "ONE") return ConsistencyLevel::kOne;
  if (upper == "QUORUM") return ConsistencyLevel::kQuorum;
  if (upper == "ALL") return ConsistencyLevel::kAll;
  return Error::invalid_input("unknown consistency level '" + std::string(text) + "' (use ONE, QUORUM or ALL)");
}

const char* consistency_level_name(ConsistencyLevel level) {
  switch (level) {
    case ConsistencyLevel::kOne:
      return "ONE";
    case ConsistencyLevel::kQuorum:
      return "QUORUM";
    case ConsistencyLevel::kAll:
      return "ALL";
  }
  return "?";
}

int replicas_needed(ConsistencyLevel level, int rf) {
  switch (level) {
    case ConsistencyLevel::kOne:
      return 1;
    case ConsistencyLevel::kQuorum:
      return rf / 2 + 1;
    case ConsistencyLevel::kAll:
      return rf;
  }
  return rf;
}

Coordinator::Coordinator(ReplicaTransport& transport, WorkerPool& pool, std::chrono::milliseconds timeout, Hints* hints)
    : transport_(transport), pool_(pool), writes_(transport, pool), timeout_(timeout), hints_(hints) {}

ringcore::Result<ReplicaSet> Coordinator::replicas_for(const ClusterView& view, const KeyspaceDef& keyspace,
                                                       std::string_view key) {
  if (view.ring.empty()) return Error(ringcore::ErrorCode::kUnavailable, "no node owns tokens yet");
  auto placement = ringcore::ReplicaPlacement::create(view.ring, keyspace.replication);
  if (!placement) return placement.error();
  ReplicaSet replicas;
  const ringcore::Token token = ringcore::token_for_key(key);
  for (ringcore::NodeIndex node : placement->replicas_for_token(token)) replicas.natural.push_back(view.address(node));
  if (!view.changing() || view.future_ring->empty()) return replicas;
  auto future = ringcore::ReplicaPlacement::create(*view.future_ring, keyspace.replication);
  if (!future) return future.error();
  for (ringcore::NodeIndex node : future->replicas_for_token(token)) {
    const std::string& address = view.future_snapshot->nodes[node].address;
    if (std::find(replicas.natural.begin(), replicas.natural.end(), address) == replicas.natural.end()) {
      replicas.pending.push_back(address);
    }
  }
  return replicas;
}

ringcore::Result<WriteOutcome> Coordinator::write(const ClusterView& view, const KeyspaceDef& keyspace,
                                                  const std::string& key, std::optional<std::string> value,
                                                  ConsistencyLevel level, std::int64_t timestamp_us) {
  auto replicas = replicas_for(view, keyspace, key);
  if (!replicas) return replicas.error();
  std::vector<std::string> targets = replicas->natural;
  targets.insert(targets.end(), replicas->pending.begin(), replicas->pending.end());
  const int rf = keyspace.replication.total_replicas();
  const int needed = replicas_needed(level, rf) + static_cast<int>(replicas->pending.size());

  std::vector<std::string> up;
  std::vector<Answer> answers;
  split_by_liveness(view, targets, up, answers);
  const Cell cell{timestamp_us, !value.has_value(), value.value_or("")};
  ReplicaTransport& transport = transport_;
  const std::string name = keyspace.name;
  Hints* hints = hints_;
  if (hints != nullptr) {
    for (const Answer& down : answers) hints->add(down.endpoint, name, key, cell);
  }
  // The writes may finish after this call (the coordinator answers at the level's count): they
  // own copies of what they use, and the transport and hints outlive the pool.
  const SendRemote send_remote = [this, hints, name, key, cell](const std::string& endpoint,
                                                                std::function<void(Answer)> answer) {
    writes_.write(endpoint, RowWrite{name, key, cell},
                  [hints, endpoint, name, key, cell, answer = std::move(answer)](const ringcore::Status& written) {
                    if (!written && hints != nullptr) hints->add(endpoint, name, key, cell);
                    answer(write_answer(endpoint, written));
                  });
  };
  const Request write_local = [&transport, hints, name, key, cell](const std::string& endpoint) {
    auto written = transport.write(endpoint, name, key, cell);
    if (!written && hints != nullptr) hints->add(endpoint, name, key, cell);
    return write_answer(endpoint, written);
  };
  auto sent = fan_out(up, needed, timeout_, send_remote, write_local, is_local());
  answers.insert(answers.end(), sent.begin(), sent.end());
  const int acks = count_ok(answers);
  if (acks < needed) return unavailable(level, needed, rf, static_cast<int>(targets.size()), answers);
  return WriteOutcome{timestamp_us, acks, static_cast<int>(targets.size())};
}

ringcore::Result<ReadOutcome> Coordinator::read(const ClusterView& view, const KeyspaceDef& keyspace,
                                                const std::string& key, ConsistencyLevel level) {
  auto replicas = replicas_for(view, keyspace, key);
  if (!replicas) return replicas.error();
  const int rf = keyspace.replication.total_replicas();
  const int needed = replicas_needed(level, rf);

  std::vector<std::string> up;
  std::vector<Answer> answers;
  split_by_liveness(view, replicas->natural, up, answers);
  ReplicaTransport& transport = transport_;
  const std::string name = keyspace.name;
  const Request read_one = read_request(transport, name, key);
  auto sent = fan_out(up, needed, timeout_, on_pool(pool_, read_one), read_one, is_local());
  answers.insert(answers.end(), sent.begin(), sent.end());
  const int responses = count_ok(answers);
  if (responses < needed) return unavailable(level, needed, rf, static_cast<int>(replicas->natural.size()), answers);

  ReadOutcome outcome{std::nullopt, responses, static_cast<int>(replicas->natural.size())};
  for (const Answer& answer : answers) {
    if (answer.ok && answer.cell && (!outcome.cell || supersedes(*answer.cell, *outcome.cell)))
      outcome.cell = answer.cell;
  }
  if (responses > 1) ++read_repair_attempted_;
  if (outcome.cell) {
    bool repaired = false;
    for (const Answer& answer : answers) {
      if (!answer.ok || (answer.cell && *answer.cell == *outcome.cell)) continue;
      if (!std::exchange(repaired, true)) ++read_repair_mismatches_;
      pool_.submit([&transport, name, key, cell = *outcome.cell, endpoint = answer.endpoint] {
        (void)transport.write(endpoint, name, key, cell);
      });
    }
  }
  return outcome;
}

std::function<bool(const std::string&)> Coordinator::is_local() const {
  return [&transport = transport_](const std::string& endpoint) { return transport.is_local(endpoint); };
}

ReadRepairCounts Coordinator::read_repair_counts() const {
  return {read_repair_attempted_.load(), read_repair_mismatches_.load()};
}

ringcore::Result<std::vector<ReplicaCopy>> Coordinator::replica_copies(const ClusterView& view,
                                                                       const KeyspaceDef& keyspace,
                                                                       const std::string& key) {
  auto replicas = replicas_for(view, keyspace, key);
  if (!replicas) return replicas.error();
  const auto& all = replicas->natural;
  const Request read_one = read_request(transport_, keyspace.name, key);
  auto answers = fan_out(all, static_cast<int>(all.size()), timeout_, on_pool(pool_, read_one), read_one, is_local());
  std::vector<ReplicaCopy> copies;
  for (const std::string& endpoint : all) {
    auto it = std::find_if(answers.begin(), answers.end(), [&](const Answer& a) { return a.endpoint == endpoint; });
    copies.push_back(ReplicaCopy{endpoint, it->cell, it->ok ? "" : it->error});
  }
  return copies;
}

}  // namespace ringnode
