#include "cassandra_mbeans.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

namespace ringd {

using nlohmann::json;
using ringcore::Error;

namespace {

constexpr const char* kStorageService = "org.apache.cassandra.db:type=StorageService";
constexpr const char* kFailureDetector = "org.apache.cassandra.net:type=FailureDetector";
constexpr const char* kSnitchInfo = "org.apache.cassandra.db:type=EndpointSnitchInfo";
constexpr const char* kStreamManager = "org.apache.cassandra.net:type=StreamManager";

// StorageService attributes of one collection, read under their own names as keys.
const char* const kStorageAttributes[] = {
    "LiveNodesWithPort", "UnreachableNodesWithPort", "JoiningNodesWithPort", "LeavingNodesWithPort",
    "MovingNodesWithPort", "TokenToEndpointWithPortMap", "EndpointWithPortToHostId", "LocalHostId", "OperationMode",
    "Tokens", "ClusterName", "ReleaseVersion", "SchemaVersion", "PartitionerName", "Keyspaces", "AllDataFileLocations",
    "Joined", "GossipRunning", "NativeTransportRunning",
    // the stream throughput: 5.0 in megabits and MiB, 4.x in megabits under the older name
    "StreamThroughputMbitPerSec", "StreamThroughputMbPerSec"};

const json& value(const MBeanValues& values, const std::string& key) {
  static const json null;
  auto found = values.find(key);
  return found == values.end() ? null : found->second;
}

ringcore::Result<json> required(const MBeanValues& values, const std::string& key, json::value_t type) {
  const json& found = value(values, key);
  if (found.is_null()) return Error::failed("Cassandra did not answer " + key + " (JMX through Jolokia)");
  const bool matches = found.type() == type || (type == json::value_t::number_integer && found.is_number_integer());
  if (!matches)
    return Error::failed("Cassandra's " + key + " is not of the expected type: " + found.dump().substr(0, 200));
  return found;
}

std::optional<double> number(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const json& found = object[key];
  if (found.is_number()) return found.get<double>();
  return std::nullopt;
}

std::set<std::string> addresses_of(const json& endpoints) {
  std::set<std::string> result;
  if (!endpoints.is_array()) return result;
  for (const json& endpoint : endpoints) {
    if (endpoint.is_string()) result.insert(parse_endpoint_name(endpoint.get<std::string>()).address);
  }
  return result;
}

std::string trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::string gossip_value(const json& endpoint, const std::string& name) {
  for (const json& state : endpoint.value("states", json::array())) {
    if (state.value("name", "") == name) return state.value("value", "");
  }
  return "";
}

// The endpoints of the gossip text by address.
std::map<std::string, json> gossip_by_address(const MBeanValues& values) {
  std::map<std::string, json> result;
  const json& text = value(values, "FailureDetector/AllEndpointStatesWithPort");
  if (!text.is_string()) return result;
  for (json& endpoint : parse_endpoint_states(text.get<std::string>())) {
    const std::string address = endpoint.value("address", "");
    result[address] = std::move(endpoint);
  }
  return result;
}

std::string local_address(const MBeanValues& values) {
  const json& host_id = value(values, "LocalHostId");
  const json& map = value(values, "EndpointWithPortToHostId");
  if (!host_id.is_string() || !map.is_object()) return "";
  for (const auto& [endpoint, id] : map.items()) {
    if (id == host_id) return parse_endpoint_name(endpoint).address;
  }
  return "";
}

std::optional<int> local_storage_port(const MBeanValues& values) {
  const json& host_id = value(values, "LocalHostId");
  const json& map = value(values, "EndpointWithPortToHostId");
  if (!host_id.is_string() || !map.is_object()) return std::nullopt;
  for (const auto& [endpoint, id] : map.items()) {
    if (id == host_id) return parse_endpoint_name(endpoint).port;
  }
  return std::nullopt;
}

// The ring state a node's operation mode stands for, as the snapshot and /v1/node name it.
std::string state_of_mode(const std::string& mode) {
  if (mode == "NORMAL" || mode == "DRAINING" || mode == "DRAINED") return "normal";
  // JOINING_FAILED and DECOMMISSION_FAILED are 5.0's: a bootstrap or decommission that stopped
  // half way, to be resumed or retried; the node stays out of the ring, or in it as leaving.
  if (mode == "JOINING" || mode == "STARTING" || mode == "JOINING_FAILED") return "joining";
  if (mode == "LEAVING" || mode == "DECOMMISSION_FAILED") return "leaving";
  if (mode == "MOVING") return "moving";
  if (mode == "DECOMMISSIONED") return "left";
  std::string lower = mode;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

void put_number(json& object, const char* key, std::optional<double> figure) {
  if (figure && *figure >= 0) object[key] = *figure;
}

void put_integer(json& object, const char* key, std::optional<double> figure) {
  if (figure && *figure >= 0) object[key] = static_cast<std::int64_t>(*figure);
}

// Cassandra's latency metrics are in microseconds.
std::optional<double> seconds_of_micros(std::optional<double> micros) {
  if (!micros) return std::nullopt;
  return *micros / 1e6;
}

// Sum of the Count of every MBean a wildcard read answered ({"mbean name": {"Count": n}}).
std::optional<double> sum_of_counts(const json& pattern_reply) {
  if (!pattern_reply.is_object()) return std::nullopt;
  double total = 0;
  for (const auto& [name, attributes] : pattern_reply.items()) total += number(attributes, "Count").value_or(0);
  return total;
}

// {"keyspace": bytes} from a wildcard read of the keyspaces' LiveDiskSpaceUsed gauges, keyed
// by MBean name ("org.apache.cassandra.metrics:keyspace=ks,name=LiveDiskSpaceUsed,type=Keyspace",
// properties in any order).
json keyspace_loads(const json& pattern_reply) {
  json loads = json::object();
  if (!pattern_reply.is_object()) return loads;
  for (const auto& [name, attributes] : pattern_reply.items()) {
    const std::size_t at = name.find("keyspace=");
    const auto bytes = number(attributes, "Value");
    if (at == std::string::npos || !bytes || *bytes < 0) continue;
    const std::size_t start = at + std::string_view("keyspace=").size();
    loads[name.substr(start, name.find(',', start) - start)] = static_cast<std::int64_t>(*bytes);
  }
  return loads;
}

// Sums `field` over the objects of `list`.
double sum_of(const json& list, const char* field) {
  double total = 0;
  if (!list.is_array()) return total;
  for (const json& item : list) total += number(item, field).value_or(0);
  return total;
}

// One direction of a StreamSession's SessionInfo (receiving or sending) as a netstats session:
// the summaries give the totals (files ~ ranges), the progress of each file what is done.
std::optional<json> stream_session(const json& session, const char* direction, const char* summaries,
                                   const char* files) {
  const json& summary = session.is_object() && session.contains(summaries) ? session[summaries] : json();
  if (!summary.is_array() || summary.empty()) return std::nullopt;
  const json& progress = session.contains(files) ? session[files] : json();
  std::int64_t done_files = 0;
  if (progress.is_array()) {
    for (const json& file : progress) {
      if (number(file, "currentBytes").value_or(0) >= number(file, "totalBytes").value_or(1)) ++done_files;
    }
  }
  std::string state = session.value("state", "");
  for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (state != "complete" && state != "failed") state = "streaming";
  return json{{"peer", parse_endpoint_name(session.value("peer", "")).address},
              {"direction", direction},
              {"state", state},
              {"total_bytes", static_cast<std::int64_t>(sum_of(summary, "totalSize"))},
              {"done_bytes", static_cast<std::int64_t>(sum_of(progress, "currentBytes"))},
              {"total_ranges", static_cast<std::int64_t>(sum_of(summary, "files"))},
              {"done_ranges", done_files},
              {"rows", 0},
              {"bytes_per_second", 0}};
}

// A StreamState (StreamManager CurrentStreams: planId, description, sessions) as a netstats plan.
json stream_plan(const json& plan) {
  json sessions = json::array();
  for (const json& session : plan.value("sessions", json::array())) {
    if (auto receiving = stream_session(session, "receiving", "receivingSummaries", "receivingFiles"))
      sessions.push_back(*receiving);
    if (auto sending = stream_session(session, "sending", "sendingSummaries", "sendingFiles"))
      sessions.push_back(*sending);
  }
  return {{"id", plan.value("planId", "")},
          {"description", plan.value("description", "")},
          {"job_id", nullptr},
          {"sessions", std::move(sessions)}};
}

}  // namespace

MBeanValues values_of(const std::vector<MBeanRead>& reads, const std::vector<JolokiaReply>& replies) {
  MBeanValues values;
  for (std::size_t i = 0; i < reads.size() && i < replies.size(); ++i) {
    if (replies[i].ok()) values[reads[i].key] = replies[i].value;
  }
  return values;
}

std::vector<json> requests_of(const std::vector<MBeanRead>& reads) {
  std::vector<json> requests;
  for (const MBeanRead& read : reads) requests.push_back(read.request);
  return requests;
}

EndpointName parse_endpoint_name(const std::string& text) {
  std::string rest = text;
  if (const std::size_t slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(slash + 1);
  EndpointName name;
  auto port_of = [](const std::string& digits) -> std::optional<int> {
    int port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return port;
  };
  if (rest.starts_with("[")) {
    const std::size_t close = rest.find(']');
    name.address = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':')
      name.port = port_of(rest.substr(close + 2));
    return name;
  }
  const std::size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(':') == colon) {  // IPv4 or name with a port
    name.address = rest.substr(0, colon);
    name.port = port_of(rest.substr(colon + 1));
  } else {
    name.address = rest;  // no port, or a bare IPv6 address
  }
  return name;
}

json parse_endpoint_states(const std::string& text) {
  json endpoints = json::array();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!std::isspace(static_cast<unsigned char>(line.front()))) {
      endpoints.push_back({{"address", parse_endpoint_name(trim(line)).address},
                           {"generation", 0},
                           {"heartbeat", 0},
                           {"states", json::array()}});
      continue;
    }
    if (endpoints.empty()) continue;
    json& endpoint = endpoints.back();
    const std::string entry = trim(line);
    const std::size_t first = entry.find(':');
    if (first == std::string::npos) continue;
    const std::string name = entry.substr(0, first);
    const std::string rest = entry.substr(first + 1);
    if (name == "generation" || name == "heartbeat") {
      endpoint[name] = std::strtoll(rest.c_str(), nullptr, 10);
      continue;
    }
    // NAME:VERSION:VALUE (the value may hold ':'), or "TOKENS: not present"
    const std::size_t second = rest.find(':');
    json state = {{"name", name}, {"version", 0}, {"value", trim(rest)}};
    if (second != std::string::npos && second > 0 &&
        std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(second),
                    [](unsigned char c) { return std::isdigit(c); })) {
      state["version"] = std::strtoll(rest.substr(0, second).c_str(), nullptr, 10);
      state["value"] = rest.substr(second + 1);
    } else if (name == "TOKENS") {
      continue;  // "TOKENS: not present"
    }
    endpoint["states"].push_back(std::move(state));
  }
  return endpoints;
}

std::optional<json> parse_replication_info(const std::string& text) {
  const std::size_t open = text.find('{');
  const std::size_t close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  std::string strategy = trim(text.substr(0, open));
  if (const std::size_t dot = strategy.rfind('.'); dot != std::string::npos) strategy = strategy.substr(dot + 1);
  if (strategy.empty()) return std::nullopt;
  json replication = {{"class", strategy}};
  std::istringstream options(text.substr(open + 1, close - open - 1));
  std::string option;
  while (std::getline(options, option, ',')) {
    option = trim(option);
    if (option.empty()) continue;
    const std::size_t eq = option.find('=');
    if (eq == std::string::npos) return std::nullopt;
    replication[trim(option.substr(0, eq))] = trim(option.substr(eq + 1));
  }
  return replication;
}

std::vector<MBeanRead> collection_reads() {
  std::vector<MBeanRead> reads;
  for (const char* attribute : kStorageAttributes)
    reads.push_back({attribute, jolokia_read(kStorageService, attribute)});
  reads.push_back(
      {"FailureDetector/AllEndpointStatesWithPort", jolokia_read(kFailureDetector, "AllEndpointStatesWithPort")});
  // The node's seed list (nodetool getseeds, 4.0+), without its own address: "/127.0.0.1:7000".
  reads.push_back({"Gossiper/Seeds", jolokia_read("org.apache.cassandra.net:type=Gossiper", "Seeds")});
  reads.push_back({"Snitch/Datacenter", jolokia_read(kSnitchInfo, "Datacenter")});
  reads.push_back({"Snitch/Rack", jolokia_read(kSnitchInfo, "Rack")});
  reads.push_back({"StreamManager/CurrentStreams", current_streams_request()});
  // This node's live data in bytes (what nodetool's load map shows for the node itself).
  reads.push_back({"Storage/Load", jolokia_read("org.apache.cassandra.metrics:type=Storage,name=Load", "Count")});
  // The same by keyspace (nodetool tablestats' "Space used (live)", summed per keyspace).
  reads.push_back(
      {"Keyspace/LiveDiskSpaceUsed",
       jolokia_read("org.apache.cassandra.metrics:type=Keyspace,keyspace=*,name=LiveDiskSpaceUsed", "Value")});
  reads.push_back({"Runtime/Uptime", jolokia_read("java.lang:type=Runtime", "Uptime")});
  reads.push_back({"Memory/HeapMemoryUsage", jolokia_read("java.lang:type=Memory", "HeapMemoryUsage")});
  // TotalMemorySize is JDK 14's name, TotalPhysicalMemorySize the older one (Cassandra 4.x runs
  // on JDK 8 and 11): Jolokia fails a read of several attributes when one is missing, unless
  // told to ignore errors, which gives that attribute an error text instead of a number.
  reads.push_back({"OS",
                   {{"type", "read"},
                    {"mbean", "java.lang:type=OperatingSystem"},
                    {"attribute", json::array({"ProcessCpuLoad", "AvailableProcessors", "TotalMemorySize",
                                               "TotalPhysicalMemorySize"})},
                    {"config", {{"ignoreErrors", true}}}}});
  for (const char* scope : {"Read", "Write"}) {
    reads.push_back(
        {std::string("Latency/") + scope,
         {{"type", "read"},
          {"mbean", std::string("org.apache.cassandra.metrics:type=ClientRequest,scope=") + scope + ",name=Latency"},
          {"attribute", json::array({"Count", "50thPercentile", "99thPercentile"})}}});
  }
  reads.push_back(
      {"Dropped", jolokia_read("org.apache.cassandra.metrics:type=DroppedMessage,scope=*,name=Dropped", "Count")});
  reads.push_back(
      {"PendingCompactions", jolokia_read("org.apache.cassandra.metrics:type=Compaction,name=PendingTasks", "Value")});
  for (const char* name : {"Attempted", "RepairedBlocking", "RepairedBackground"}) {
    reads.push_back({std::string("ReadRepair/") + name,
                     jolokia_read(std::string("org.apache.cassandra.metrics:type=ReadRepair,name=") + name, "Count")});
  }
  return reads;
}

std::vector<MBeanRead> replication_reads(const MBeanValues& collection) {
  std::vector<MBeanRead> reads;
  const json& keyspaces = value(collection, "Keyspaces");
  if (!keyspaces.is_array()) return reads;
  for (const json& keyspace : keyspaces) {
    if (!keyspace.is_string()) continue;
    reads.push_back({keyspace.get<std::string>(),
                     jolokia_exec(kStorageService, "getKeyspaceReplicationInfo", json::array({keyspace}))});
  }
  return reads;
}

std::vector<std::string> data_directories(const MBeanValues& collection) {
  std::vector<std::string> directories;
  const json& locations = value(collection, "AllDataFileLocations");
  if (!locations.is_array()) return directories;
  for (const json& location : locations) {
    if (location.is_string()) directories.push_back(location.get<std::string>());
  }
  return directories;
}

namespace {

// The node's tokens. A joining node cannot answer Tokens (StorageService asks its token
// metadata for the tokens of a member, which a bootstrapping node is not yet: every collection
// failed for the whole join, seen on 5.0.9); its bootstrap tokens are those of its address in
// TokenToEndpointWithPortMap, which holds normal and bootstrapping tokens (none before the node
// has announced them).
ringcore::Result<json> own_tokens(const MBeanValues& values, const std::string& address, const std::string& mode) {
  if (value(values, "Tokens").is_array() || state_of_mode(mode) != "joining")
    return required(values, "Tokens", json::value_t::array);
  json tokens = json::array();
  const json& map = value(values, "TokenToEndpointWithPortMap");
  if (map.is_object()) {
    for (const auto& [token, endpoint] : map.items()) {
      if (endpoint.is_string() && parse_endpoint_name(endpoint.get<std::string>()).address == address)
        tokens.push_back(token);
    }
  }
  return tokens;
}

}  // namespace

ringcore::Result<json> node_document(const MBeanValues& values, const DiskFigures& disk) {
  auto host_id = required(values, "LocalHostId", json::value_t::string);
  if (!host_id) return host_id.error();
  auto mode_value = required(values, "OperationMode", json::value_t::string);
  if (!mode_value) return mode_value.error();
  const std::string mode = mode_value->get<std::string>();
  const std::string address = local_address(values);
  auto tokens = own_tokens(values, address, mode);
  if (!tokens) return tokens.error();
  const std::map<std::string, json> gossip = gossip_by_address(values);
  const auto self = gossip.find(address);

  json node = {
      {"host_id", *host_id},
      {"address", address},
      {"cluster_name", value(values, "ClusterName").is_string() ? value(values, "ClusterName") : json("")},
      {"dc", value(values, "Snitch/Datacenter").is_string() ? value(values, "Snitch/Datacenter") : json("")},
      {"rack", value(values, "Snitch/Rack").is_string() ? value(values, "Snitch/Rack") : json("")},
      {"state", state_of_mode(mode)},
      {"mode", mode},
      {"tokens", *tokens},
      {"schema_version", value(values, "SchemaVersion").is_string() ? value(values, "SchemaVersion") : json("")},
      {"release_version", value(values, "ReleaseVersion").is_string() ? value(values, "ReleaseVersion") : json("")}};
  if (self != gossip.end()) {
    node["generation"] = self->second.value("generation", 0);
    node["gossip_status"] = gossip_value(self->second, "STATUS_WITH_PORT").empty()
                                ? gossip_value(self->second, "STATUS")
                                : gossip_value(self->second, "STATUS_WITH_PORT");
  }
  if (auto port = local_storage_port(values)) node["storage_port"] = *port;
  if (value(values, "Gossiper/Seeds").is_array()) node["seeds"] = addresses_of(value(values, "Gossiper/Seeds"));
  for (const char* flag : {"Joined", "GossipRunning", "NativeTransportRunning"}) {
    if (value(values, flag).is_boolean()) {
      std::string key = flag == std::string("Joined")          ? "joined"
                        : flag == std::string("GossipRunning") ? "gossip_active"
                                                               : "native_transport_active";
      node[key] = value(values, flag);
    }
  }
  if (value(values, "Storage/Load").is_number()) node["load_bytes"] = value(values, "Storage/Load").get<std::int64_t>();
  if (value(values, "Keyspace/LiveDiskSpaceUsed").is_object())
    node["keyspace_loads"] = keyspace_loads(value(values, "Keyspace/LiveDiskSpaceUsed"));
  if (value(values, "Runtime/Uptime").is_number())
    node["uptime_seconds"] = value(values, "Runtime/Uptime").get<std::int64_t>() / 1000;
  const std::vector<std::string> directories = data_directories(values);
  if (!directories.empty()) node["data_directory"] = directories.front();

  const json& heap = value(values, "Memory/HeapMemoryUsage");
  const json& os = value(values, "OS");
  put_integer(node, "heap_used_bytes", number(heap, "used"));
  put_integer(node, "heap_max_bytes", number(heap, "max"));
  if (disk.total_bytes) node["disk_total_bytes"] = *disk.total_bytes;
  if (disk.free_bytes) node["disk_free_bytes"] = *disk.free_bytes;
  if (disk.total_bytes && disk.free_bytes)
    node["disk_used_bytes"] = *disk.total_bytes - std::min(*disk.total_bytes, *disk.free_bytes);

  const json& reads = value(values, "Latency/Read");
  const json& writes = value(values, "Latency/Write");
  json capacity = json::object();
  put_number(capacity, "cpu_utilization_ratio", number(os, "ProcessCpuLoad"));
  put_integer(capacity, "memory_used_bytes", number(heap, "used"));
  put_integer(capacity, "memory_limit_bytes", number(heap, "max"));
  put_integer(capacity, "cpus", number(os, "AvailableProcessors"));
  put_integer(capacity, "memory_total_bytes",
              number(os, "TotalMemorySize") ? number(os, "TotalMemorySize") : number(os, "TotalPhysicalMemorySize"));
  if (node.contains("disk_total_bytes")) capacity["disk_total_bytes"] = node["disk_total_bytes"];
  if (node.contains("disk_used_bytes")) capacity["disk_used_bytes"] = node["disk_used_bytes"];
  // A histogram that has seen no request reports 0: no figure, as the lab node leaves it out.
  if (number(reads, "Count").value_or(0) > 0) {
    put_number(capacity, "read_latency_p50_seconds", seconds_of_micros(number(reads, "50thPercentile")));
    put_number(capacity, "read_latency_p99_seconds", seconds_of_micros(number(reads, "99thPercentile")));
  }
  if (number(writes, "Count").value_or(0) > 0) {
    put_number(capacity, "write_latency_p50_seconds", seconds_of_micros(number(writes, "50thPercentile")));
    put_number(capacity, "write_latency_p99_seconds", seconds_of_micros(number(writes, "99thPercentile")));
  }
  if (reads.is_object() || writes.is_object()) {
    put_integer(capacity, "requests_total", number(reads, "Count").value_or(0) + number(writes, "Count").value_or(0));
  }
  put_integer(capacity, "dropped_messages_total", sum_of_counts(value(values, "Dropped")));
  if (value(values, "PendingCompactions").is_number())
    capacity["pending_compactions"] = value(values, "PendingCompactions");
  node["capacity"] = std::move(capacity);
  return node;
}

ringcore::Result<json> cluster_document(const MBeanValues& values, const MBeanValues& replication) {
  auto token_map = required(values, "TokenToEndpointWithPortMap", json::value_t::object);
  if (!token_map) return token_map.error();
  auto host_ids = required(values, "EndpointWithPortToHostId", json::value_t::object);
  if (!host_ids) return host_ids.error();
  const std::set<std::string> live = addresses_of(value(values, "LiveNodesWithPort"));
  const std::set<std::string> unreachable = addresses_of(value(values, "UnreachableNodesWithPort"));
  const std::set<std::string> joining = addresses_of(value(values, "JoiningNodesWithPort"));
  const std::set<std::string> leaving = addresses_of(value(values, "LeavingNodesWithPort"));
  const std::set<std::string> moving = addresses_of(value(values, "MovingNodesWithPort"));
  const std::map<std::string, json> gossip = gossip_by_address(values);
  const std::string self = local_address(values);

  // Members: every endpoint owning (or bootstrapping with) a token, and joining nodes.
  std::map<std::string, json> nodes;
  std::map<std::string, std::optional<int>> ports;
  auto member = [&](const std::string& endpoint) -> json& {
    const EndpointName name = parse_endpoint_name(endpoint);
    if (name.port) ports[name.address] = name.port;
    json& node = nodes[name.address];
    if (node.is_null()) node = {{"address", name.address}, {"tokens", json::array()}};
    return node;
  };
  for (const auto& [token, endpoint] : token_map->items()) {
    if (endpoint.is_string()) member(endpoint.get<std::string>())["tokens"].push_back(token);
  }
  for (const json& endpoint : value(values, "JoiningNodesWithPort")) {
    if (endpoint.is_string()) member(endpoint.get<std::string>());
  }
  std::map<std::string, std::string> host_id_by_address;
  for (const auto& [endpoint, id] : host_ids->items()) {
    if (id.is_string()) host_id_by_address[parse_endpoint_name(endpoint).address] = id.get<std::string>();
  }

  json list = json::array();
  for (auto& [address, node] : nodes) {
    const auto endpoint = gossip.find(address);
    const json none = json::object();
    const json& states = endpoint == gossip.end() ? none : endpoint->second;
    auto found_id = host_id_by_address.find(address);
    if (found_id == host_id_by_address.end())
      return Error::failed("Cassandra names no host id for " + address + " (EndpointWithPortToHostId)");
    node["host_id"] = found_id->second;
    node["dc"] = address == self && value(values, "Snitch/Datacenter").is_string()
                     ? value(values, "Snitch/Datacenter").get<std::string>()
                     : gossip_value(states, "DC");
    node["rack"] = address == self && value(values, "Snitch/Rack").is_string()
                       ? value(values, "Snitch/Rack").get<std::string>()
                       : gossip_value(states, "RACK");
    node["status"] = live.contains(address) ? "up" : unreachable.contains(address) ? "down" : "unknown";
    node["state"] = joining.contains(address)   ? "joining"
                    : leaving.contains(address) ? "leaving"
                    : moving.contains(address)  ? "moving"
                                                : "normal";
    // Load: the node's own figure for itself, what it last heard in gossip (LOAD) for others,
    // as nodetool status's load map does.
    if (address == self && value(values, "Storage/Load").is_number()) {
      node["load_bytes"] = value(values, "Storage/Load").get<std::int64_t>();
    } else if (const std::string load = gossip_value(states, "LOAD"); !load.empty()) {
      node["load_bytes"] = static_cast<std::int64_t>(std::strtod(load.c_str(), nullptr));
    } else {
      node["load_bytes"] = nullptr;
    }
    if (ports[address]) node["storage_port"] = *ports[address];
    if (node["dc"] == "" || node["rack"] == "")
      return Error::failed("Cassandra's gossip has no DC or RACK for " + address + " yet");
    list.push_back(std::move(node));
  }
  if (list.empty()) return Error::failed("Cassandra's ring has no node yet (TokenToEndpointWithPortMap is empty)");

  json keyspaces = json::array();
  for (const auto& [name, info] : replication) {
    if (!info.is_string()) continue;
    if (auto map = parse_replication_info(info.get<std::string>()))
      keyspaces.push_back({{"name", name}, {"replication", *map}});
  }
  json snapshot = {{"format_version", 2}, {"nodes", std::move(list)}, {"keyspaces", std::move(keyspaces)}};
  if (value(values, "ClusterName").is_string()) snapshot["cluster"] = value(values, "ClusterName");
  if (value(values, "PartitionerName").is_string()) snapshot["partitioner"] = value(values, "PartitionerName");
  if (value(values, "SchemaVersion").is_string()) snapshot["schema_version"] = value(values, "SchemaVersion");
  return snapshot;
}

ringcore::Result<json> gossip_document(const MBeanValues& values) {
  auto text = required(values, "FailureDetector/AllEndpointStatesWithPort", json::value_t::string);
  if (!text) return text.error();
  const std::set<std::string> live = addresses_of(value(values, "LiveNodesWithPort"));
  const std::set<std::string> unreachable = addresses_of(value(values, "UnreachableNodesWithPort"));
  json endpoints = parse_endpoint_states(text->get<std::string>());
  for (json& endpoint : endpoints) {
    const std::string address = endpoint.value("address", "");
    endpoint["status"] = live.contains(address) ? "up" : unreachable.contains(address) ? "down" : "unknown";
  }
  return json{{"endpoints", std::move(endpoints)}};
}

ringcore::Result<json> streams_document(const MBeanValues& values) {
  auto mode = required(values, "OperationMode", json::value_t::string);
  if (!mode) return mode.error();
  json streams = {{"mode", *mode}, {"plans", json::array()}};
  // Megabits per second in Cassandra; MiB/s in ringd's documents (0: unlimited).
  for (const char* key : {"StreamThroughputMbitPerSec", "StreamThroughputMbPerSec"}) {
    if (value(values, key).is_number()) {
      streams["throughput_mib_per_second"] = value(values, key).get<double>() * 1e6 / 8 / (1024 * 1024);
      break;
    }
  }
  json read_repair = json::object();
  const std::pair<const char*, const char*> counters[] = {{"attempted", "ReadRepair/Attempted"},
                                                          {"mismatch_blocking", "ReadRepair/RepairedBlocking"},
                                                          {"mismatch_background", "ReadRepair/RepairedBackground"}};
  for (const auto& [name, key] : counters)
    read_repair[name] = value(values, key).is_number() ? value(values, key) : json(0);
  streams["read_repair"] = std::move(read_repair);
  const json& current = value(values, "StreamManager/CurrentStreams");
  if (current.is_array()) {
    for (const json& plan : current) streams["plans"].push_back(stream_plan(plan));
  }
  return streams;
}

json current_streams_request() { return jolokia_read(kStreamManager, "CurrentStreams"); }

std::map<std::string, StreamTotals> sending_sessions(const json& current_streams, const std::string& description) {
  std::map<std::string, StreamTotals> sessions;
  if (!current_streams.is_array()) return sessions;
  for (const json& plan : current_streams) {
    if (!plan.is_object() || plan.value("description", "") != description) continue;
    const json netstats_plan = stream_plan(plan);
    for (const json& session : netstats_plan["sessions"]) {
      if (session["direction"] != "sending") continue;
      StreamTotals& figures =
          sessions[netstats_plan["id"].get<std::string>() + " " + session["peer"].get<std::string>()];
      figures.done_bytes += session["done_bytes"].get<std::int64_t>();
      figures.total_bytes += session["total_bytes"].get<std::int64_t>();
    }
  }
  return sessions;
}

void SendingProgress::observe(const std::map<std::string, StreamTotals>& sessions) {
  for (auto& [key, figures] : seen_) {
    if (!sessions.contains(key)) figures.done_bytes = figures.total_bytes;
  }
  for (const auto& [key, figures] : sessions) seen_[key] = figures;
}

StreamTotals SendingProgress::totals() const {
  StreamTotals sum;
  for (const auto& [key, figures] : seen_) {
    sum.done_bytes += figures.done_bytes;
    sum.total_bytes += figures.total_bytes;
  }
  return sum;
}

std::int64_t SendingProgress::finished_bytes() const { return totals().total_bytes; }

}  // namespace ringd
