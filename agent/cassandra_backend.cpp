#include "cassandra_backend.h"

#include <sys/statvfs.h>

#include <cmath>
#include <future>
#include <thread>

namespace ringd {

using nlohmann::json;
using ringcore::Error;

namespace {

constexpr const char* kStorageService = "org.apache.cassandra.db:type=StorageService";
constexpr std::chrono::seconds kRepairPoll{1};
// A decommission's streams are read this often, each read given this long.
constexpr std::chrono::milliseconds kStreamPoll{500};
constexpr std::chrono::seconds kStreamPollTimeout{5};
// The description of the stream plan a decommission sends its ranges with (StorageService).
constexpr const char* kDecommissionStreams = "Unbootstrap";

// The file system of the node's first data directory, measured here: ringd runs beside the node.
DiskFigures disk_of(const std::vector<std::string>& directories) {
  DiskFigures disk;
  struct statvfs figures {};
  if (directories.empty() || statvfs(directories.front().c_str(), &figures) != 0) return disk;
  disk.total_bytes = static_cast<std::uint64_t>(figures.f_blocks) * figures.f_frsize;
  disk.free_bytes = static_cast<std::uint64_t>(figures.f_bavail) * figures.f_frsize;
  return disk;
}

bool is_system_keyspace(const std::string& name) { return name.starts_with("system"); }

std::string text_field(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return "";
  if (!body[key].is_string()) throw Error::invalid_input(std::string(key) + ": must be a string");
  return body[key].get<std::string>();
}

bool bool_field(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return false;
  if (!body[key].is_boolean()) throw Error::invalid_input(std::string(key) + ": must be true or false");
  return body[key].get<bool>();
}

}  // namespace

CassandraBackend::CassandraBackend(JolokiaClient client, std::chrono::milliseconds operation_timeout,
                                   std::chrono::milliseconds repair_status_grace)
    : client_(client),
      operation_client_(client.with_timeout(operation_timeout)),
      repair_status_grace_(repair_status_grace) {}

ringcore::Result<CassandraBackend::Collection> CassandraBackend::collection() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (last_ && now - last_->at < kReuseFor) return *last_;
  const std::vector<MBeanRead> reads = collection_reads();
  auto replies = client_.bulk(requests_of(reads));
  if (!replies) return replies.error();
  Collection next;
  next.values = values_of(reads, *replies);
  const std::vector<MBeanRead> replication = replication_reads(next.values);
  if (!replication.empty()) {
    auto answers = client_.bulk(requests_of(replication));
    if (!answers) return answers.error();
    next.replication = values_of(replication, *answers);
  }
  next.disk = disk_of(data_directories(next.values));
  next.at = std::chrono::steady_clock::now();
  last_ = next;
  return next;
}

ringcore::Result<json> CassandraBackend::node() {
  auto got = collection();
  if (!got) return got.error();
  return node_document(got->values, got->disk);
}

ringcore::Result<json> CassandraBackend::cluster() {
  auto got = collection();
  if (!got) return got.error();
  return cluster_document(got->values, got->replication);
}

ringcore::Result<json> CassandraBackend::gossip() {
  auto got = collection();
  if (!got) return got.error();
  return gossip_document(got->values);
}

ringcore::Result<json> CassandraBackend::streams() {
  auto got = collection();
  if (!got) return got.error();
  return streams_document(got->values);
}

ringcore::Result<json> CassandraBackend::jobs() { return jobs_.list(); }

ringcore::Result<json> CassandraBackend::job(const std::string& id) { return jobs_.job(id); }

ringcore::Result<std::vector<std::string>> CassandraBackend::user_keyspaces() {
  auto got = collection();
  if (!got) return got.error();
  std::vector<std::string> names;
  for (const auto& [name, info] : got->replication) {
    if (is_system_keyspace(name) || !info.is_string()) continue;
    if (auto map = parse_replication_info(info.get<std::string>()); map && (*map)["class"] != "LocalStrategy")
      names.push_back(name);
  }
  return names;
}

ringcore::Result<OperationStarted> CassandraBackend::start_operation(const std::string& operation, const json& body) {
  try {
    const JolokiaClient client = operation_client_;
    if (operation == "decommission") {
      const bool force = bool_field(body, "force");
      return jobs_.start(operation, body, [client, force](JobProgress& progress) -> ringcore::Result<json> {
        // decommission blocks until the node has left; its own thread waits for it while this
        // one follows the node's outgoing streams, as the job's progress in bytes.
        auto left = std::async(std::launch::async, [client, force] {
          return client.call(jolokia_exec(kStorageService, "decommission(boolean)", json::array({force})));
        });
        const JolokiaClient poller = client.with_timeout(kStreamPollTimeout);
        SendingProgress sent;
        while (left.wait_for(kStreamPoll) != std::future_status::ready) {
          auto streams = poller.call(current_streams_request());
          if (!streams) continue;  // a missed poll: the next one tells
          sent.observe(sending_sessions(*streams, kDecommissionStreams));
          if (const StreamTotals totals = sent.totals(); totals.total_bytes > 0)
            progress.set(totals.done_bytes, totals.total_bytes, "bytes");
        }
        auto done = left.get();
        if (!done) return done.error();
        const std::int64_t streamed = sent.finished_bytes();
        if (streamed > 0) progress.set(streamed, streamed, "bytes");
        return json{{"streamed_bytes", streamed}};
      });
    }
    if (operation == "removenode") {
      const std::string host_id = text_field(body, "host_id");
      if (host_id.empty()) return Error::invalid_input("host_id: required (the host id of the node to remove)");
      return jobs_.start(operation, body, [client, host_id](JobProgress&) -> ringcore::Result<json> {
        auto done = client.call(jolokia_exec(kStorageService, "removeNode", json::array({host_id})));
        if (!done) return done.error();
        return json::object();
      });
    }
    if (operation == "cleanup" || operation == "repair") {
      json options = json::object();  // repair's; checked before anything reaches the node
      if (bool_field(body, "primary_range")) options["primaryRange"] = "true";
      const std::string start = text_field(body, "start_token");
      const std::string end = text_field(body, "end_token");
      if (start.empty() != end.empty()) return Error::invalid_input("start_token and end_token: give both or neither");
      if (!start.empty()) options["ranges"] = start + ":" + end;
      std::vector<std::string> keyspaces;
      if (const std::string keyspace = text_field(body, "keyspace"); !keyspace.empty()) {
        keyspaces.push_back(keyspace);
      } else {
        auto names = user_keyspaces();
        if (!names) return names.error();
        keyspaces = *names;
      }
      if (operation == "cleanup") {
        return jobs_.start(operation, body, [client, keyspaces](JobProgress& progress) -> ringcore::Result<json> {
          std::int64_t done = 0;
          for (const std::string& keyspace : keyspaces) {
            progress.set(done, static_cast<std::int64_t>(keyspaces.size()), "keyspaces");
            auto status = client.call(jolokia_exec(kStorageService,
                                                   "forceKeyspaceCleanup(int,java.lang.String,[Ljava.lang.String;)",
                                                   json::array({0, keyspace, json::array()})));
            if (!status) return status.error();
            if (status->is_number() && status->get<int>() != 0) {
              return Error::failed("cleanup of " + keyspace + " did not complete (Cassandra's status " +
                                   status->dump() + ")");
            }
            ++done;
          }
          progress.set(done, static_cast<std::int64_t>(keyspaces.size()), "keyspaces");
          return json{{"keyspaces", keyspaces}};
        });
      }
      const auto grace = repair_status_grace_;
      return jobs_.start(
          operation, body, [client, keyspaces, options, grace](JobProgress& progress) -> ringcore::Result<json> {
            std::int64_t done = 0;
            json commands = json::array();
            for (const std::string& keyspace : keyspaces) {
              progress.set(done, static_cast<std::int64_t>(keyspaces.size()), "keyspaces");
              auto command = client.call(jolokia_exec(kStorageService, "repairAsync(java.lang.String,java.util.Map)",
                                                      json::array({keyspace, options})));
              if (!command) return command.error();
              commands.push_back({{"keyspace", keyspace}, {"command", *command}});
              if (command->is_number() && command->get<int>() == 0) {  // nothing to repair (rf 1, no ranges)
                ++done;
                continue;
              }
              // The parent repair's status stays with the node, so polling late misses nothing.
              // Unanswered or unknown (null: not registered yet, or the node restarted and
              // forgot it) for `grace` since the last known state: the outcome is unknown.
              auto last_known = std::chrono::steady_clock::now();
              while (true) {
                std::this_thread::sleep_for(kRepairPoll);
                auto status =
                    client.with_timeout(std::chrono::seconds(10))
                        .call(jolokia_exec(kStorageService, "getParentRepairStatus", json::array({*command})));
                if (!status || !status->is_array() || status->empty() || !(*status)[0].is_string()) {
                  if (std::chrono::steady_clock::now() - last_known < grace) continue;  // poll again
                  return Error::failed("repair of " + keyspace + ": the node gave no state of repair command #" +
                                       command->dump() + " for " +
                                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(grace).count()) +
                                       " s (" + (status ? "it answered null: restarted?" : status.error().message()) +
                                       "); its outcome is unknown: see the node's log");
                }
                last_known = std::chrono::steady_clock::now();
                const std::string state = (*status)[0].get<std::string>();
                if (state == "COMPLETED") break;
                if (state == "FAILED") {
                  std::string why;
                  for (std::size_t i = 1; i < status->size(); ++i)
                    why += (i > 1 ? "; " : "") +
                           ((*status)[i].is_string() ? (*status)[i].get<std::string>() : (*status)[i].dump());
                  return Error::failed("repair of " + keyspace + " failed: " + why);
                }
              }
              ++done;
            }
            progress.set(done, static_cast<std::int64_t>(keyspaces.size()), "keyspaces");
            return json{{"repairs", std::move(commands)}};
          });
    }
  } catch (const Error& error) {
    return error;
  }
  return Error::not_found("unknown operation '" + operation + "' (decommission, removenode, cleanup or repair)");
}

ringcore::Result<json> CassandraBackend::set_throughput(const json& body) {
  if (!body.contains("mib_per_second") || !body["mib_per_second"].is_number() ||
      body["mib_per_second"].get<double>() < 0) {
    return Error::invalid_input("mib_per_second: must be a number of MiB/s, at least 0 (0 = unlimited)");
  }
  const double mib = body["mib_per_second"].get<double>();
  // Cassandra takes whole megabits per second (0 = unlimited), on every version since 4.0.
  const auto megabits = static_cast<std::int64_t>(std::llround(mib * 1024 * 1024 * 8 / 1e6));
  // A writable attribute: 5.0's name, then 4.x's (both megabits).
  auto done = client_.call(jolokia_write(kStorageService, "StreamThroughputMbitPerSec", megabits));
  if (!done) done = client_.call(jolokia_write(kStorageService, "StreamThroughputMbPerSec", megabits));
  if (!done) return done.error();
  {
    std::lock_guard lock(mutex_);
    last_.reset();
  }
  return json{{"mib_per_second", mib}};
}

}  // namespace ringd
