#include "lab/lab_workload.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lab/coordinators.h"
#include "lab/lab_cluster.h"
#include "lab/lab_processes.h"
#include "lab/workload_records.h"
#include "ringcore/murmur3.h"
#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "ringruntime/yaml_config.h"
#include "text/progress.h"

namespace ringctl::lab {
namespace {

using ringcore::Error;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxExamples = 5;
const std::vector<std::string> kConsistencyLevels = {"ONE", "QUORUM", "ALL"};

// Which replicas hold a row, from GET /v1/keyspaces/{ks}/rows/{key}/replicas, for verify's
// examples: an operator (or a failed test) sees which node lacks the row, not only how many.
struct ReplicaCopies {
  bool known = false;  // the replicas were listed
  std::size_t holding = 0;
  std::vector<std::string> lacking;  // answered without the row (or with another value)
  std::vector<std::string> silent;   // did not answer

  std::size_t replicas() const { return holding + lacking.size() + silent.size(); }
  // ", on 2 of 3 replicas, not on 127.0.0.3" ("" when not known).
  std::string where() const {
    if (!known) return "";
    std::string text = ", on " + std::to_string(holding) + " of " + std::to_string(replicas()) + " replicas";
    if (holding > 0 && !lacking.empty()) text += ", not on " + ringruntime::joined(lacking);
    if (!silent.empty()) text += ", no answer from " + ringruntime::joined(silent);
    return text;
  }
};

ReplicaCopies replica_copies(const ringcore::Result<ringnet::HttpResponse>& reply, const std::string& digest) {
  ReplicaCopies copies;
  if (!reply.ok() || reply->status != 200) return copies;
  const auto listed = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (!listed.is_array()) return copies;
  copies.known = true;
  for (const nlohmann::json& copy : listed) {
    if (!copy.is_object()) continue;
    const std::string address = copy.value("address", "?");
    if (copy.contains("error")) {
      copies.silent.push_back(address);
    } else if (copy.value("digest", "") == digest) {
      ++copies.holding;
    } else {
      copies.lacking.push_back(address);
    }
  }
  return copies;
}

void check_options(const WorkloadOptions& options) {
  if (std::find(kConsistencyLevels.begin(), kConsistencyLevels.end(), options.consistency) ==
      kConsistencyLevels.end()) {
    throw Error::invalid_input("--cl: '" + options.consistency + "' is not ONE, QUORUM or ALL");
  }
  if (options.keyspace.empty() ||
      options.keyspace.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
          std::string::npos) {
    throw Error::invalid_input("--keyspace: '" + options.keyspace + "' must be letters, digits and _");
  }
}

// Deterministic value bytes for a key, so a value can be told from any other: letters from a
// splitmix64 sequence seeded with the key's token. (std::seed_seq over the key cost the client
// as much CPU as sending the row.)
std::string value_for(const std::string& key, int size) {
  auto state = static_cast<std::uint64_t>(ringcore::token_for_key(key));
  std::string value(static_cast<std::size_t>(size), '\0');
  for (char& c : value) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    c = static_cast<char>('a' + (z ^ (z >> 31)) % 26);
  }
  return value;
}

LatencySummary summarise(std::vector<double>& millis) {
  if (millis.empty()) return {};
  std::sort(millis.begin(), millis.end());
  auto at = [&](double q) { return millis[static_cast<std::size_t>(q * static_cast<double>(millis.size() - 1))]; };
  return {at(0.50), at(0.95), at(0.99), millis.back()};
}

// Runs fn(i) for i in [0, count) on `threads` threads, with a progress line on a terminal.
template <class Fn>
void parallel_for(std::int64_t count, int threads, const char* unit, Fn fn) {
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> done{0};
  const ProgressLine progress(unit, count, done);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::int64_t i; (i = next.fetch_add(1)) < count; ++done) fn(i, t);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

// Whether a node's GET /v1/keyspaces answer lists `keyspace`.
bool lists_keyspace(const ringcore::Result<ringnet::HttpResponse>& answer, const std::string& keyspace) {
  if (!answer || answer->status != 200) return false;
  const auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("keyspaces") || !doc["keyspaces"].is_array()) return false;
  return std::any_of(doc["keyspaces"].begin(), doc["keyspaces"].end(),
                     [&](const auto& ks) { return ks.is_object() && ks.value("name", "") == keyspace; });
}

// The running nodes whose agent runs.
std::vector<const LabNode*> nodes_with_agents(const Lab& lab) {
  std::vector<const LabNode*> nodes;
  for (const LabNode* node : running_nodes(lab)) {
    if (running_agent_pid(lab, *node)) nodes.push_back(node);
  }
  return nodes;
}

// Every node knows `keyspace`, and so does every agent's view. The agents collect once a second:
// without the second wait, a command run right after `lab stress` (status, rebalance, a playbook's
// pre-flight) could read a view from before the keyspace and plan as if it did not exist.
// The nodes checked.
std::vector<const LabNode*> wait_for_keyspace_known(const Lab& lab, const std::string& keyspace) {
  const std::vector<const LabNode*> nodes = running_nodes(lab);
  wait_for_keyspace_everywhere(lab, nodes, keyspace);
  if (const auto agents = nodes_with_agents(lab); !agents.empty()) {
    wait_until_agents_list(lab, agents, keyspace, std::chrono::seconds(30));
  }
  return nodes;
}

}  // namespace

std::vector<const LabNode*> ensure_keyspace(const Lab& lab, const std::string& keyspace) {
  const Coordinators coordinators(lab, running_nodes(lab));
  if (lists_keyspace(coordinators.send({"GET", "/v1/keyspaces", "", "", {}}, 0), keyspace)) {
    return wait_for_keyspace_known(lab, keyspace);
  }
  nlohmann::json replication = {{"class", "NetworkTopologyStrategy"}};
  for (const LabNode& node : lab.nodes) {
    const int rf = replication.contains(node.dc) ? replication[node.dc].get<int>() + 1 : 1;
    replication[node.dc] = std::min(3, rf);
  }
  const nlohmann::json body = {{"name", keyspace}, {"replication", replication}};
  auto created = coordinators.send({"POST", "/v1/keyspaces", body.dump(), "application/json", {}}, 0);
  if (!created || (created->status != 200 && created->status != 201)) {
    throw Error::failed("creating keyspace '" + keyspace + "': " + error_text(created));
  }
  return wait_for_keyspace_known(lab, keyspace);
}

void wait_for_keyspace_everywhere(const Lab& lab, const std::vector<const LabNode*>& nodes, const std::string& keyspace,
                                  const ringruntime::WaitClock& clock) {
  const auto deadline = clock.now() + std::chrono::seconds(30);
  for (const LabNode* node : nodes) {
    ringnet::HttpClient client(node->address, lab.spec.native_port, std::chrono::seconds(2));
    const bool learnt =
        ringruntime::wait_until([&] { return lists_keyspace(client.get("/v1/keyspaces"), keyspace); },
                                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now()),
                                std::chrono::milliseconds(100), clock);  // schema moves with gossip
    if (!learnt) throw Error::failed(node->name + " did not learn keyspace '" + keyspace + "' in 30 s");
  }
}

StressReport run_stress(const Lab& lab, const WorkloadOptions& options) {
  check_options(options);
  if (options.rows < 1 || options.threads < 1 || options.value_size < 0) {
    throw Error::invalid_input("--rows and --threads must be positive, --value-size not negative");
  }
  const Coordinators coordinators(lab, ensure_keyspace(lab, options.keyspace));
  RecordWriter record(lab, options.keyspace);
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  StressReport report;
  report.keyspace = options.keyspace;
  report.consistency = options.consistency;
  std::mutex mutex;  // guards record, report.sample_errors and latencies
  std::vector<double> latencies;
  std::atomic<std::int64_t> acknowledged{0}, failed{0};
  const auto start = Clock::now();
  parallel_for(options.rows, options.threads, "rows written", [&](std::int64_t i, int) {
    const std::string key = "s" + run + "-" + std::to_string(i);
    const std::string value = value_for(key, options.value_size);
    const auto sent = Clock::now();
    auto result =
        coordinators.send({"PUT",
                           "/v1/keyspaces/" + options.keyspace + "/rows/" + key + "?cl=" + options.consistency,
                           value,
                           "application/octet-stream",
                           {}},
                          static_cast<std::size_t>(i));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
    std::lock_guard lock(mutex);
    if (result.ok() && result->status == 200) {
      ++acknowledged;
      latencies.push_back(ms);
      record.append(key, ringcore::value_digest(value));
      const auto answer = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
      ++report.replicas_written[answer.is_object() ? answer.value("replicas", 0) : 0];
    } else {
      ++failed;
      if (report.sample_errors.size() < kMaxExamples) report.sample_errors.push_back(key + ": " + error_text(result));
    }
  });
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  record.finish();
  report.attempted = options.rows;
  report.acknowledged = acknowledged;
  report.failed = failed;
  report.latency = summarise(latencies);
  return report;
}

VerifyReport run_verify(const Lab& lab, const WorkloadOptions& options) {
  check_options(options);
  const std::vector<Record> records = read_records(lab, options.keyspace);
  // Once every coordinator knows the keyspace, a 404 for a row means the row is missing (a node
  // started since may not know it yet, and is not asked).
  const std::vector<const LabNode*> nodes = running_nodes(lab);
  wait_for_keyspace_everywhere(lab, nodes, options.keyspace);
  const Coordinators coordinators(lab, nodes);
  VerifyReport report;
  report.keyspace = options.keyspace;
  report.consistency = options.consistency;
  std::mutex mutex;  // guards report
  auto note = [&](std::int64_t& counter, const std::string& example) {
    std::lock_guard lock(mutex);
    ++counter;
    if (report.examples.size() < 4 * kMaxExamples) report.examples.push_back(example);
  };
  parallel_for(static_cast<std::int64_t>(records.size()), options.threads, "rows checked", [&](std::int64_t i, int) {
    const Record& r = records[static_cast<std::size_t>(i)];
    const std::string path = "/v1/keyspaces/" + options.keyspace + "/rows/" + r.key;
    const auto copies = [&] {
      return replica_copies(coordinators.send({"GET", path + "/replicas", "", "", {}}, static_cast<std::size_t>(i)),
                            r.digest);
    };
    auto read =
        coordinators.send({"GET", path + "?cl=" + options.consistency, "", "", {}}, static_cast<std::size_t>(i));
    if (read.ok() && read->status == 404) return note(report.missing, r.key + ": missing" + copies().where());
    if (!read.ok() || read->status != 200) return note(report.unreadable, r.key + ": " + error_text(read));
    const auto row = nlohmann::json::parse(read->body, nullptr, /*allow_exceptions=*/false);
    const std::string digest = row.is_object() ? row.value("digest", "") : "";
    if (digest != r.digest) return note(report.stale, r.key + ": stale (digest " + digest + ")");
    if (const ReplicaCopies held = copies(); held.known && held.holding < held.replicas()) {
      note(report.under_replicated, r.key + ":" + held.where().substr(1));
    }
  });
  report.checked = static_cast<std::int64_t>(records.size());
  return report;
}

}  // namespace ringctl::lab
