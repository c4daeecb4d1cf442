#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "freshness.h"
#include "gossip_endpoint.h"
#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "ringnet/json_fields.h"
#include "ringruntime/iso8601.h"

namespace ringd {
namespace {

using Json = nlohmann::json;
using prometheus::Labels;
using Clock = std::chrono::system_clock;

constexpr const char* kNodeStates[] = {"normal", "joining", "leaving", "moving"};

// The registry of one scrape. Every family carries the agent's identity as constant labels.
class Exposition {
 public:
  explicit Exposition(const MetricsIdentity& who)
      : identity_{{"cluster", who.cluster}, {"dc", who.dc}, {"rack", who.rack}, {"node", who.node}} {}

  prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Labels(identity_).Register(registry_);
  }
  prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Labels(identity_).Register(registry_);
  }

  // A family built by hand (prometheus-cpp's Summary computes its own quantiles; the node's
  // come computed): the identity labels are added to each of its metrics.
  void add_family(prometheus::MetricFamily family) {
    for (prometheus::ClientMetric& metric : family.metric) {
      for (const auto& [name, value] : identity_) metric.label.push_back({name, value});
    }
    extra_.push_back(std::move(family));
  }

  // The text format. Families that got no series are left out: a HELP and TYPE with no sample
  // says nothing, and omitting them keeps "no document, no family" true.
  std::string text() const {
    std::vector<prometheus::MetricFamily> families = registry_.Collect();
    families.insert(families.end(), extra_.begin(), extra_.end());
    std::erase_if(families, [](const prometheus::MetricFamily& family) { return family.metric.empty(); });
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
  }

 private:
  Labels identity_;
  prometheus::Registry registry_;
  std::vector<prometheus::MetricFamily> extra_;
};

// ---- reading the documents leniently (ringnet/json_fields.h): a field of the wrong type is absent ----

std::optional<double> number_at(const Json& object, const char* key) { return ringnet::json_number(object, key); }
std::string string_at(const Json& object, const char* key) { return ringnet::json_text(object, key); }
const Json& array_at(const Json& object, const char* key) { return ringnet::json_array(object, key); }
const Json& object_at(const Json& object, const char* key) { return ringnet::json_object(object, key); }

// ---- the agent's own health: always present ----

void add_agent_health(Exposition& out, const CollectedFacts& facts) {
  const bool answered = facts.collected_at.has_value() && facts.last_error.empty();
  out.gauge("ringd_node_up", "1 if the backend (the node's admin API) answered the last collection, else 0")
      .Add({})
      .Set(answered ? 1 : 0);
  out.gauge("ringd_collection_duration_seconds", "How long the last collection from the backend took")
      .Add({})
      .Set(facts.last_collection_duration.count());
  out.counter("ringd_collections_total", "Collections attempted from the backend")
      .Add({})
      .Increment(static_cast<double>(facts.collections_total));
  out.counter("ringd_backend_errors_total", "Collections from the backend that failed")
      .Add({})
      .Increment(static_cast<double>(facts.backend_errors_total));
}

// The agent's health as of the scrape's time.
void add_freshness(Exposition& out, std::optional<double> age_seconds, double stale) {
  if (age_seconds) {
    out.gauge("ringd_cache_age_seconds", "Time since the last successful collection").Add({}).Set(*age_seconds);
  }
  out.gauge("ringd_cache_stale", "1 if no collection succeeded within 3 collection intervals, else 0")
      .Add({})
      .Set(stale);
}

void add_freshness(Exposition& out, const CollectedFacts& facts, Clock::time_point now,
                   std::chrono::duration<double> interval) {
  const Freshness freshness = freshness_of(facts, now, interval);
  add_freshness(out, freshness.age_seconds, freshness.stale ? 1 : 0);
}

// ---- facts.node ----

void add_node(Exposition& out, const Json& node) {
  if (!node.is_object()) return;
  const std::string state = string_at(node, "state");
  if (!state.empty()) {
    auto& family = out.gauge("ringd_node_state", "1 for the node's current ring state, 0 for the others");
    for (const char* name : kNodeStates) family.Add({{"state", name}}).Set(state == name ? 1 : 0);
  }
  if (auto load = number_at(node, "load_bytes")) {
    out.gauge("ringd_load_bytes", "Bytes of data the node stores (nodetool's Load)").Add({}).Set(*load);
  }
  if (const auto tokens = node.find("tokens"); tokens != node.end() && tokens->is_array()) {
    out.gauge("ringd_tokens", "Tokens the node owns").Add({}).Set(static_cast<double>(tokens->size()));
  }
  if (auto used = number_at(node, "disk_used_bytes")) {
    out.gauge("ringd_disk_used_bytes", "Bytes used on the file system of the node's data directory").Add({}).Set(*used);
  }
  if (auto free = number_at(node, "disk_free_bytes")) {
    out.gauge("ringd_disk_free_bytes", "Bytes available on the file system of the node's data directory")
        .Add({})
        .Set(*free);
  }
}

// A gauge of one capacity figure, when the node reports it.
void add_capacity_gauge(Exposition& out, const Json& capacity, const char* key, const std::string& name,
                        const std::string& help) {
  if (auto value = number_at(capacity, key)) out.gauge(name, help).Add({}).Set(*value);
}

// ---- facts.node "capacity" and "requests": what the seeds' capacity table and alerts use ----

// ringd_request_latency_seconds: a summary per operation, as a client library's summary is:
// quantiles over a sliding window (the node's 60 s), a cumulative count and sum. An operation
// without count and sum from the node has no series; a quantile the node does not know (no
// request within the window) has no sample.
void add_latency_summary(Exposition& out, const Json& capacity, const Json& requests) {
  prometheus::MetricFamily family{"ringd_request_latency_seconds",
                                  "Coordinator latency of client requests: quantiles over the node's sliding window "
                                  "(the last 60 s), count and sum since the node started",
                                  prometheus::MetricType::Summary,
                                  {}};
  for (const std::string operation : {"read", "write"}) {
    const Json& counts = object_at(requests, operation.c_str());
    const auto count = number_at(counts, "completed");
    const auto sum = number_at(counts, "latency_sum_seconds");
    if (!count || !sum) continue;
    prometheus::ClientMetric metric;
    metric.label.push_back({"operation", operation});
    metric.summary.sample_count = static_cast<std::uint64_t>(*count);
    metric.summary.sample_sum = *sum;
    for (const auto& [quantile, suffix] :
         {std::pair{0.5, "_latency_p50_seconds"}, std::pair{0.99, "_latency_p99_seconds"}}) {
      if (auto seconds = number_at(capacity, (operation + suffix).c_str())) {
        metric.summary.quantile.push_back({quantile, *seconds});
      }
    }
    family.metric.push_back(std::move(metric));
  }
  if (!family.metric.empty()) out.add_family(std::move(family));
}

void add_capacity(Exposition& out, const Json& node) {
  const Json& capacity = object_at(node, "capacity");
  if (!capacity.is_object()) return;
  add_capacity_gauge(out, capacity, "cpu_utilization_ratio", "ringd_cpu_utilization_ratio",
                     "CPU used by the node process as a fraction of the whole machine over its last interval (0..1)");
  add_capacity_gauge(out, capacity, "memory_used_bytes", "ringd_memory_used_bytes",
                     "Resident memory of the node process");
  add_capacity_gauge(out, capacity, "memory_limit_bytes", "ringd_memory_limit_bytes",
                     "Memory the node process may use: its cgroup limit, else the machine's memory");
  add_capacity_gauge(out, capacity, "cpus", "ringd_hardware_cpus", "CPUs of the node's machine");
  add_capacity_gauge(out, capacity, "memory_total_bytes", "ringd_memory_total_bytes", "Memory of the node's machine");
  add_capacity_gauge(out, capacity, "disk_total_bytes", "ringd_disk_total_bytes",
                     "Size of the disk of the node's data directory (capped by ringnode's disk_capacity_bytes)");
  add_capacity_gauge(out, capacity, "pending_compactions", "ringd_pending_compactions",
                     "Compaction tasks the node estimates are pending (nodetool compactionstats' pending tasks)");
  add_capacity_gauge(out, capacity, "pending_compaction_bytes", "ringd_pending_compaction_bytes",
                     "Bytes the node's storage estimates compaction must still rewrite");

  const Json& requests = object_at(node, "requests");
  if (!requests.is_object()) return;
  add_latency_summary(out, capacity, requests);
  auto& total = out.counter("ringd_requests_total", "Client requests the node coordinated, served or dropped");
  auto& dropped = out.counter("ringd_dropped_messages_total",
                              "Client requests the node could not serve: replicas timed out or were unavailable, "
                              "or the node shed them");
  for (const char* operation : {"read", "write"}) {
    const Json& counts = object_at(requests, operation);
    if (auto completed = number_at(counts, "completed")) total.Add({{"operation", operation}}).Increment(*completed);
    if (auto lost = number_at(counts, "dropped")) dropped.Add({{"operation", operation}}).Increment(*lost);
  }
}

// ---- the peer-view matrix: facts.gossip, placed with facts.cluster ----

struct Place {
  std::string dc;
  std::string rack;
};

// Each snapshot node's dc and rack by address.
std::map<std::string, Place> places_in_snapshot(const Json& cluster) {
  std::map<std::string, Place> places;
  for (const Json& node : array_at(cluster, "nodes")) {
    places[string_at(node, "address")] = Place{string_at(node, "dc"), string_at(node, "rack")};
  }
  return places;
}

// An endpoint's dc and rack from its gossip states, for peers the snapshot does not list.
Place place_in_gossip(const Json& endpoint) {
  return Place{gossip_state(endpoint, "DC"), gossip_state(endpoint, "RACK")};
}

// One series per endpoint this node knows, itself included: 1 when its failure detector holds
// the peer up. Gossip is the source; without it, the snapshot's statuses (the same detector).
// Endpoints that left (decommissioned or removed) are no peers: left in, they would read 0
// forever and keep "a node is down in some view" firing after every scale-down.
void add_peers(Exposition& out, const Json& gossip, const Json& cluster) {
  const std::map<std::string, Place> places = places_in_snapshot(cluster);
  const Json& endpoints = gossip.is_object() ? array_at(gossip, "endpoints") : array_at(cluster, "nodes");
  if (endpoints.empty()) return;
  auto& family = out.gauge("ringd_peer_up", "1 if this node sees the peer up (gossip failure detector), else 0");
  for (const Json& endpoint : endpoints) {
    const std::string address = string_at(endpoint, "address");
    if (address.empty() || has_left(endpoint)) continue;
    const auto known = places.find(address);
    const Place place = known != places.end() ? known->second : place_in_gossip(endpoint);
    family.Add({{"peer", address}, {"peer_dc", place.dc}, {"peer_rack", place.rack}})
        .Set(string_at(endpoint, "status") == "up" ? 1 : 0);
  }
}

// ---- effective ownership: ringcore over facts.cluster ----

// This node's index in the snapshot: by host id when the node document gives one, else by
// the address the agent is labelled with.
std::optional<std::size_t> self_in(const ringcore::ClusterSnapshot& snapshot, const Json& node,
                                   const std::string& address) {
  const std::string host_id = string_at(node, "host_id");
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    const ringcore::Node& member = snapshot.nodes[i];
    if (host_id.empty() ? member.address == address : member.host_id == host_id) return i;
  }
  return std::nullopt;
}

using KeyspaceOwnership = std::vector<std::pair<std::string, double>>;

// This node's effective ownership per keyspace with a ring; empty when the snapshot does not
// parse, does not list this node, or the node is joining.
KeyspaceOwnership compute_ownership(const Json& cluster, const Json& node, const std::string& address) {
  KeyspaceOwnership result;
  const ringcore::Result<ringcore::ClusterSnapshot> snapshot = ringcore::parse_snapshot(cluster.dump());
  if (!snapshot) return result;
  const std::optional<std::size_t> self = self_in(*snapshot, node, address);
  if (!self) return result;
  const ringcore::TokenRing ring(*snapshot);
  for (const ringcore::Keyspace& keyspace : snapshot->keyspaces) {
    auto placement = ringcore::ReplicaPlacement::create(ring, keyspace.replication);
    if (!placement) continue;  // LocalStrategy: no ring, no ownership
    const std::optional<double> owns = ringcore::effective_ownership(*placement)[*self];
    if (owns) result.emplace_back(keyspace.name, *owns);
  }
  return result;
}

// A hash of everything compute_ownership reads: the snapshot minus the fields that change
// between collections without moving a range (load_bytes, storage_port, schema_version).
std::size_t ownership_fingerprint(const Json& cluster, const Json& node, const std::string& address) {
  std::size_t seed = 0;
  const auto mix = [&seed](std::string_view text) {
    seed ^= std::hash<std::string_view>{}(text) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  };
  mix(string_at(node, "host_id"));
  mix(address);
  mix(string_at(cluster, "partitioner"));
  for (const Json& member : array_at(cluster, "nodes")) {
    for (const char* key : {"address", "host_id", "dc", "rack", "status", "state"}) mix(string_at(member, key));
    for (const Json& token : array_at(member, "tokens")) {
      if (token.is_string()) {
        mix(token.get_ref<const std::string&>());
      } else {
        mix(token.dump());
      }
    }
  }
  mix(array_at(cluster, "keyspaces").dump());
  return seed;
}

// Parsing a large snapshot dominates a scrape (about 0.7 s for 1,000 nodes of 256 tokens)
// while the ring rarely changes: the last answer is kept and reused while its fingerprint
// holds. Shared by concurrent scrapes, hence the lock.
KeyspaceOwnership ownership_of(const Json& cluster, const Json& node, const std::string& address) {
  static std::mutex mutex;
  static std::optional<std::pair<std::size_t, KeyspaceOwnership>> last;
  const std::size_t fingerprint = ownership_fingerprint(cluster, node, address);
  {
    std::lock_guard lock(mutex);
    if (last && last->first == fingerprint) return last->second;
  }
  KeyspaceOwnership computed = compute_ownership(cluster, node, address);
  std::lock_guard lock(mutex);
  last.emplace(fingerprint, computed);
  return computed;
}

void add_ownership(Exposition& out, const Json& cluster, const Json& node, const std::string& address) {
  if (!cluster.is_object()) return;
  auto& family = out.gauge("ringd_effective_ownership_ratio",
                           "Fraction of the ring this node holds a replica of, per keyspace (nodetool status' "
                           "Owns (effective)); absent while the node is joining");
  for (const auto& [keyspace, owns] : ownership_of(cluster, node, address)) {
    family.Add({{"keyspace", keyspace}}).Set(owns);
  }
}

// ---- facts.streams ----

void add_streams(Exposition& out, const Json& streams) {
  if (!streams.is_object()) return;
  auto& planned = out.gauge("ringd_stream_planned_bytes",
                            "Bytes the stream sessions with a peer plan to move, per direction (summed over "
                            "the plans ringnode keeps)");
  auto& transferred = out.gauge("ringd_stream_transferred_bytes",
                                "Bytes the stream sessions with a peer have moved so far, per direction");
  for (const Json& plan : array_at(streams, "plans")) {
    for (const Json& session : array_at(plan, "sessions")) {
      const Labels labels{{"peer", string_at(session, "peer")}, {"direction", string_at(session, "direction")}};
      planned.Add(labels).Increment(number_at(session, "total_bytes").value_or(0));
      transferred.Add(labels).Increment(number_at(session, "done_bytes").value_or(0));
    }
  }
}

// ---- facts.jobs ----

// The summed rate of the job's sessions still streaming; 0 when none report one.
double streaming_rate_of(const Json& streams, const std::string& job_id) {
  double rate = 0;
  for (const Json& plan : array_at(streams, "plans")) {
    if (string_at(plan, "job_id") != job_id) continue;
    for (const Json& session : array_at(plan, "sessions")) {
      if (string_at(session, "state") == "streaming") rate += number_at(session, "bytes_per_second").value_or(0);
    }
  }
  return rate;
}

// Seconds left: from the streaming rate when the job counts bytes and streams, else by
// extrapolating the time spent so far over the work done. nullopt while nothing tells.
// An unknown total (0) gives no estimate.
std::optional<double> eta_seconds(const Json& job, const Json& progress, const Json& streams, Clock::time_point now) {
  const double done = number_at(progress, "done").value_or(0);
  const double total = number_at(progress, "total").value_or(0);
  if (total <= 0) return std::nullopt;
  const double left = std::max(0.0, total - done);
  if (left == 0) return 0.0;
  const double rate = streaming_rate_of(streams, string_at(job, "id"));
  if (string_at(progress, "unit") == "bytes" && rate > 0) return left / rate;
  const std::optional<Clock::time_point> started = ringruntime::parse_iso8601_utc(string_at(job, "started_at"));
  if (!started || done <= 0) return std::nullopt;
  const std::chrono::duration<double> elapsed = now - *started;
  return std::max(0.0, elapsed.count()) * left / done;
}

Labels job_labels(const Json& job) {
  return {{"operation", string_at(job, "operation")}, {"job_id", string_at(job, "id")}};
}

void add_job_progress(Exposition& out, const Json& jobs) {
  if (!jobs.is_array()) return;
  auto& progress = out.gauge("ringd_job_progress_ratio", "Fraction of a running job's work done (0..1)");
  for (const Json& job : jobs) {
    if (string_at(job, "state") != "running") continue;
    const Json& counts = object_at(job, "progress");
    const double done = number_at(counts, "done").value_or(0);
    const double total = number_at(counts, "total").value_or(0);
    progress.Add(job_labels(job)).Set(total > 0 ? std::clamp(done / total, 0.0, 1.0) : 0.0);
  }
}

void add_job_eta(Exposition& out, const Json& jobs, const Json& streams, Clock::time_point now) {
  if (!jobs.is_array()) return;
  auto& eta = out.gauge("ringd_job_eta_seconds", "Estimated seconds until a running job finishes");
  for (const Json& job : jobs) {
    if (string_at(job, "state") != "running") continue;
    if (auto seconds = eta_seconds(job, object_at(job, "progress"), streams, now))
      eta.Add(job_labels(job)).Set(*seconds);
  }
}

// The families that depend on the facts alone: all but the three below.
std::string render_collected(const CollectedFacts& facts, const MetricsIdentity& who) {
  Exposition out(who);
  add_agent_health(out, facts);
  add_node(out, facts.node);
  add_capacity(out, facts.node);
  add_peers(out, facts.gossip, facts.cluster);
  add_ownership(out, facts.cluster, facts.node, who.node);
  add_streams(out, facts.streams);
  add_job_progress(out, facts.jobs);
  return out.text();
}

// The families that depend on the time of the scrape: cache age and staleness, jobs' ETA.
std::string render_timed(const CollectedFacts& facts, const MetricsIdentity& who, Clock::time_point now,
                         std::chrono::duration<double> interval) {
  Exposition out(who);
  add_freshness(out, facts, now, interval);
  add_job_eta(out, facts.jobs, facts.streams, now);
  return out.text();
}

bool has_running_job(const Json& jobs) {
  if (!jobs.is_array()) return false;
  return std::any_of(jobs.begin(), jobs.end(), [](const Json& job) { return string_at(job, "state") == "running"; });
}

// A sample's value as TextSerializer writes it: an ostream in the classic locale at precision
// max_digits10 - 1 in its default notation, which is printf's %.16g. Finite values only (the
// serializer spells the others its own way).
std::string sample_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", std::numeric_limits<double>::max_digits10 - 1, value);
  return text;
}

// Cuts `text` at the one sample whose value is `mark`: what precedes the value goes to `before`,
// and `text` keeps what follows it. False when the mark is not there exactly once.
bool cut_at_sample(std::string& text, double mark, std::string& before) {
  const std::string value = " " + sample_value(mark) + "\n";
  const std::size_t at = text.find(value);
  if (at == std::string::npos || text.find(value, at + 1) != std::string::npos) return false;
  before = text.substr(0, at + 1);
  text.erase(0, at + value.size() - 1);  // the line break stays with what follows
  return true;
}

}  // namespace

std::optional<MetricsCache::TimedFrame> MetricsCache::timed_frame(const CollectedFacts& facts,
                                                                  const MetricsIdentity& who) {
  if (has_running_job(facts.jobs)) return std::nullopt;  // its ETA family: render_timed
  // Marks no age or staleness takes; a label value holding one as a whole sample is refused by
  // cut_at_sample's uniqueness check.
  constexpr double kAgeMark = 1234567.25;
  constexpr double kStaleMark = 7654321.5;
  TimedFrame frame;
  frame.has_age = facts.collected_at.has_value();
  Exposition out(who);
  add_freshness(out, frame.has_age ? std::optional<double>(kAgeMark) : std::nullopt, kStaleMark);
  std::string text = out.text();
  if (frame.has_age && !cut_at_sample(text, kAgeMark, frame.before_age)) return std::nullopt;
  if (!cut_at_sample(text, kStaleMark, frame.before_stale)) return std::nullopt;
  frame.after = std::move(text);
  return frame;
}

std::string render_metrics(const CollectedFacts& facts, const MetricsIdentity& who, Clock::time_point now,
                           std::chrono::duration<double> interval) {
  return render_collected(facts, who) + render_timed(facts, who, now, interval);
}

std::string MetricsCache::render(const std::shared_ptr<const CollectedFacts>& facts, const MetricsIdentity& who,
                                 Clock::time_point now, std::chrono::duration<double> interval) {
  std::shared_ptr<const Rendered> rendered;
  {
    std::lock_guard lock(mutex_);
    if (facts_ == facts && who_ == who) rendered = rendered_;
  }
  if (!rendered) {
    rendered = std::make_shared<const Rendered>(Rendered{render_collected(*facts, who), timed_frame(*facts, who)});
    std::lock_guard lock(mutex_);
    facts_ = facts;
    who_ = who;
    rendered_ = rendered;
  }
  const Freshness freshness = freshness_of(*facts, now, interval);
  const std::optional<TimedFrame>& frame = rendered->timed;
  if (!frame || (freshness.age_seconds && !std::isfinite(*freshness.age_seconds))) {
    return rendered->collected + render_timed(*facts, who, now, interval);
  }
  std::string text;
  text.reserve(rendered->collected.size() + frame->before_age.size() + frame->before_stale.size() +
               frame->after.size() + 48);
  text += rendered->collected;
  if (frame->has_age) {
    text += frame->before_age;
    text += sample_value(*freshness.age_seconds);
  }
  text += frame->before_stale;
  text += freshness.stale ? "1" : "0";
  text += frame->after;
  return text;
}

}  // namespace ringd
