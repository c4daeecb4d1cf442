#include "lab/lab_layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>

#include "atomic_file.h"
#include "ringcore/error.h"
#include "ringcore/random.h"
#include "ringcore/snapshot.h"
#include "ringcore/token_allocator.h"
#include "xdg_path.h"

namespace ringctl::lab {
namespace {

using ringcore::Error;
using Json = nlohmann::ordered_json;

constexpr int kMaxNodes = 254;  // <ip_prefix>1 .. <ip_prefix>254

int parse_count(const std::string& text, const std::string& what) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 1) {
    throw Error::invalid_input(what + ": '" + text + "' is not a positive number");
  }
  return value;
}

// The replication factor the lab's balanced allocation aims at in a DC: 3, or fewer for small
// DCs; with 2 racks, 2 (Cassandra refuses to allocate for more replicas than racks, unless 1).
int allocation_rf(int nodes_in_dc, int racks) {
  int rf = std::min(3, nodes_in_dc);
  if (racks > 1 && racks < rf) rf = racks;
  return rf;
}

ringcore::Node snapshot_node(const LabNode& node) {
  ringcore::Node n;
  n.address = node.address;
  n.host_id = node.name;
  n.dc = node.dc;
  n.rack = node.rack;
  n.tokens = node.tokens;
  return n;
}

// --dir may name a place the user cannot write (or a file): say so, not "internal error".
void create_lab_directory(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error || access(directory.c_str(), W_OK) != 0) {
    throw Error::invalid_input("cannot create the lab's directory " + directory + ": " +
                               (error ? error.message() : std::string(std::strerror(errno))) +
                               " (choose another with --dir)");
  }
}

}  // namespace

const LabNode& Lab::find_node(const std::string& which) const {
  std::string names;
  for (const LabNode& node : nodes) {
    if (node.name == which || node.address == which || std::to_string(node.number) == which) return node;
    names += (names.empty() ? "" : ", ") + node.name;
  }
  for (const LabNode& node : departed) {
    if (node.name == which || node.address == which || std::to_string(node.number) == which) {
      throw Error::not_found(node.name + " has left the ring and is no longer a member of the lab at " + directory +
                             " (members: " + names + ")");
    }
  }
  throw Error::not_found("no node '" + which + "' in the lab at " + directory + " (nodes: " + names + ")");
}

std::vector<DatacenterSpec> parse_datacenters(const std::string& text) {
  std::vector<DatacenterSpec> dcs;
  std::stringstream parts(text);
  for (std::string part; std::getline(parts, part, ',');) {
    const auto colon = part.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw Error::invalid_input("--dcs: '" + part + "' is not NAME:NODES (e.g. dc1:3,dc2:3)");
    }
    dcs.push_back({part.substr(0, colon), parse_count(part.substr(colon + 1), "--dcs " + part.substr(0, colon))});
  }
  if (dcs.empty()) throw Error::invalid_input("--dcs: no datacenter given");
  return dcs;
}

std::string parse_ip_prefix(const std::string& text) {
  const std::string prefix = text.ends_with('.') ? text : text + ".";
  std::vector<int> octets;
  for (std::size_t at = 0; at < prefix.size();) {
    const std::size_t dot = prefix.find('.', at);
    const std::string_view digits(prefix.data() + at, dot - at);
    int value = -1;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    const bool canonical = error == std::errc() && end == digits.data() + digits.size() && digits.size() <= 3 &&
                           (digits.size() == 1 || digits.front() != '0');  // no sign, no leading zero
    octets.push_back(canonical && value <= 255 ? value : -1);
    at = dot + 1;
  }
  if (octets.size() != 3 || octets[0] != 127 || octets[1] < 0 || octets[2] < 0) {
    throw Error::invalid_input("--ip-prefix " + text +
                               ": expected the first three octets of a loopback address, e.g. 127.0.1 (a lab runs "
                               "on this machine, in 127.0.0.0/8)");
  }
  return prefix;
}

Lab plan_lab(const std::string& directory, const LabSpec& spec) {
  Lab lab;
  lab.directory = directory;
  lab.spec = spec;
  int total = 0;
  for (const DatacenterSpec& dc : spec.datacenters) total += dc.nodes;
  if (total < 1 || total > kMaxNodes) {
    throw Error::invalid_input("a lab has 1 to " + std::to_string(kMaxNodes) + " nodes, not " + std::to_string(total));
  }
  if (spec.racks < 1) throw Error::invalid_input("--racks must be at least 1");

  ringcore::ClusterSnapshot view;  // the ring as the allocator sees it while nodes "join"
  for (const DatacenterSpec& dc : spec.datacenters) {
    for (int i = 0; i < dc.nodes; ++i) {
      LabNode node;
      node.number = static_cast<int>(lab.nodes.size()) + 1;
      node.name = "node" + std::to_string(node.number);
      node.address = spec.ip_prefix + std::to_string(node.number);
      node.dc = dc.name;
      node.rack = "rack" + std::to_string(i % spec.racks + 1);
      if (i == 0) lab.seeds.push_back(node.address);
      const int rf = allocation_rf(std::min(dc.nodes, i + 1), std::min(spec.racks, i + 1));
      ringcore::SplitMix64 random(static_cast<std::uint64_t>(node.number));
      auto tokens =
          ringcore::allocate_balanced_tokens(view, {node.address, node.dc, node.rack}, spec.num_tokens, rf, random);
      if (!tokens) throw tokens.error().with_context("choosing tokens for " + node.name);
      node.tokens = std::move(tokens).value();
      view.nodes.push_back(snapshot_node(node));
      lab.nodes.push_back(std::move(node));
    }
  }
  return lab;
}

LabNode plan_added_node(const Lab& lab, const std::string& dc, const std::string& rack, bool new_dc) {
  int number = 0;
  for (const auto* group : {&lab.nodes, &lab.departed}) {
    for (const LabNode& node : *group) number = std::max(number, node.number);
  }
  ++number;
  if (number > kMaxNodes) {
    throw Error::invalid_input("a lab has at most " + std::to_string(kMaxNodes) + " node numbers (" +
                               lab.spec.ip_prefix + "1-" + std::to_string(kMaxNodes) + "), departed nodes' included");
  }
  std::set<std::string> dcs;
  int in_dc = 0;
  for (const LabNode& node : lab.nodes) {
    dcs.insert(node.dc);
    in_dc += node.dc == dc ? 1 : 0;
  }
  if (!new_dc && !dcs.contains(dc)) {
    std::string names;
    for (const std::string& name : dcs) names += (names.empty() ? "" : ", ") + name;
    throw Error::invalid_input("--dc " + dc + ": the lab has no datacenter '" + dc + "' (datacenters: " + names +
                               "); add --new-dc to start a new one");
  }
  LabNode node;
  node.number = number;
  node.name = "node" + std::to_string(number);
  node.address = lab.spec.ip_prefix + std::to_string(number);
  node.dc = dc;
  node.rack = rack.empty() ? "rack" + std::to_string(in_dc % lab.spec.racks + 1) : rack;
  node.added = true;
  return node;
}

void depart(Lab& lab, const std::string& name) {
  const auto it = std::find_if(lab.nodes.begin(), lab.nodes.end(), [&](const LabNode& n) { return n.name == name; });
  if (it == lab.nodes.end()) throw Error::not_found("no member '" + name + "' in the lab at " + lab.directory);
  const LabNode gone = *it;
  lab.nodes.erase(it);
  lab.departed.push_back(gone);
  const auto seed = std::find(lab.seeds.begin(), lab.seeds.end(), gone.address);
  if (seed == lab.seeds.end()) return;
  lab.seeds.erase(seed);
  for (const LabNode& node : lab.nodes) {
    if (node.dc == gone.dc) {
      lab.seeds.push_back(node.address);
      break;
    }
  }
}

void check_distinct_ports(const LabSpec& spec) {
  const std::pair<const char*, int> ports[] = {
      {"--storage-port", spec.storage_port}, {"--native-port", spec.native_port}, {"--agent-port", spec.agent_port}};
  for (std::size_t i = 0; i < std::size(ports); ++i) {
    for (std::size_t j = i + 1; j < std::size(ports); ++j) {
      if (ports[i].second == ports[j].second) {
        throw Error::invalid_input(std::string(ports[i].first) + " and " + ports[j].first + " are both " +
                                   std::to_string(ports[i].second) +
                                   ": every node listens on each, so they must differ");
      }
    }
  }
}

std::string format_datacenters(const std::vector<DatacenterSpec>& datacenters) {
  std::string text;
  for (const DatacenterSpec& dc : datacenters)
    text += (text.empty() ? "" : ",") + dc.name + ":" + std::to_string(dc.nodes);
  return text;
}

std::string node_config_yaml(const Lab& lab, const LabNode& node) {
  std::ostringstream yaml;
  yaml << "# Written by `ringctl lab up`; see docs/ringnode-api.md.\n"
       << "cluster_name: " << lab.spec.cluster_name << "\n"
       << "listen_address: " << node.address << "\n"
       << "storage_port: " << lab.spec.storage_port << "\n"
       << "native_port: " << lab.spec.native_port << "\n"
       << "seeds: [";
  for (std::size_t i = 0; i < lab.seeds.size(); ++i) yaml << (i ? ", " : "") << lab.seeds[i];
  yaml << "]\n"
       << "dc: " << node.dc << "\n"
       << "rack: " << node.rack << "\n"
       << "data_directory: " << lab.data_path(node) << "\n";
  if (node.disk_capacity_bytes > 0) yaml << "disk_capacity_bytes: " << node.disk_capacity_bytes << "\n";
  if (node.added) {
    int in_dc = 0;
    for (const LabNode& other : lab.nodes) in_dc += other.dc == node.dc ? 1 : 0;
    yaml << "# Added to a running lab: balanced tokens over the ring it learns, then bootstrap.\n"
         << "num_tokens: " << lab.spec.num_tokens << "\n"
         << "token_allocation: balanced\n"
         << "allocation_rf: " << allocation_rf(in_dc, std::min(lab.spec.racks, in_dc)) << "\n"
         << "stream_throughput_mib: " << node.stream_throughput_mib << "\n"
         << "auto_bootstrap: true\n";
    return yaml.str();
  }
  yaml << "num_tokens: " << node.tokens.size() << "\n"
       << "initial_tokens: [";
  for (std::size_t i = 0; i < node.tokens.size(); ++i) yaml << (i ? ", " : "") << '"' << node.tokens[i] << '"';
  yaml << "]\n"
       << "# The lab's first nodes start together with precomputed tokens: nothing to stream.\n"
       << "auto_bootstrap: false\n";
  return yaml.str();
}

void save_lab(const Lab& lab) {
  Json doc;
  doc["format_version"] = 1;
  doc["cluster_name"] = lab.spec.cluster_name;
  doc["storage_port"] = lab.spec.storage_port;
  doc["native_port"] = lab.spec.native_port;
  doc["agent_port"] = lab.spec.agent_port;
  doc["ip_prefix"] = lab.spec.ip_prefix;
  doc["racks"] = lab.spec.racks;
  doc["num_tokens"] = lab.spec.num_tokens;
  if (!lab.spec.datacenters.empty()) doc["datacenters"] = format_datacenters(lab.spec.datacenters);
  doc["seeds"] = lab.seeds;
  doc["registered"] = lab.registered;
  for (const auto& [key, group] : {std::pair{"nodes", &lab.nodes}, {"departed", &lab.departed}}) {
    doc[key] = Json::array();
    for (const LabNode& node : *group) {
      Json tokens = Json::array();
      for (ringcore::Token t : node.tokens) tokens.push_back(ringcore::format_token(t));
      doc[key].push_back({{"number", node.number},
                          {"name", node.name},
                          {"address", node.address},
                          {"dc", node.dc},
                          {"rack", node.rack},
                          {"tokens", tokens},
                          {"added", node.added},
                          {"stream_throughput_mib", node.stream_throughput_mib}});
      if (node.disk_capacity_bytes > 0) doc[key].back()["disk_capacity_bytes"] = node.disk_capacity_bytes;
    }
  }
  create_lab_directory(lab.directory);
  for (const LabNode& node : lab.nodes) {
    create_lab_directory(lab.data_path(node));
    write_file_atomically(lab.config_path(node), node_config_yaml(lab, node));
  }
  write_file_atomically(lab.directory + "/lab.json", doc.dump(1) + "\n");
}

Lab load_lab(const std::string& directory) {
  const std::string path = directory + "/lab.json";
  std::ifstream in(path);
  if (!in) throw Error::not_found("no lab at " + directory + " (start one with `ringctl lab up`)");
  Lab lab;
  lab.directory = directory;
  try {
    const Json doc = Json::parse(in);
    lab.spec.cluster_name = doc.at("cluster_name");
    lab.spec.storage_port = doc.at("storage_port");
    lab.spec.native_port = doc.at("native_port");
    lab.spec.agent_port = doc.value("agent_port", lab.spec.agent_port);  // labs from before agents
    lab.spec.ip_prefix = doc.value("ip_prefix", lab.spec.ip_prefix);     // labs from before --ip-prefix
    lab.spec.racks = doc.at("racks");
    lab.spec.num_tokens = doc.at("num_tokens");
    lab.seeds = doc.at("seeds").get<std::vector<std::string>>();
    for (const auto& [key, group] : {std::pair{"nodes", &lab.nodes}, {"departed", &lab.departed}}) {
      if (!doc.contains(key)) continue;  // "departed": labs from before it
      for (const Json& n : doc.at(key)) {
        LabNode node{n.at("number"), n.at("name"), n.at("address"), n.at("dc"),
                     n.at("rack"),   {},           false,           n.value("stream_throughput_mib", 0.0)};
        for (const Json& t : n.at("tokens"))
          node.tokens.push_back(ringcore::parse_token(t.get<std::string>()).value_or_throw());
        node.added = n.value("added", node.tokens.empty());  // before "added": an added node had no tokens
        node.disk_capacity_bytes = n.value("disk_capacity_bytes", std::uint64_t{0});  // absent: none
        group->push_back(std::move(node));
      }
    }
    lab.registered = doc.value("registered", false);
    if (doc.contains("datacenters")) lab.spec.datacenters = parse_datacenters(doc.at("datacenters").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw Error::invalid_input(path + " is not a lab manifest (" + e.what() +
                               "); ringctl lab down --purge to start afresh");
  }
  return lab;
}

void update_lab(const std::string& directory, const std::function<void(Lab&)>& change) {
  const std::string path = directory + "/lab.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error::failed("cannot open " + path + ": " + std::strerror(errno));
  ::flock(fd, LOCK_EX);  // released by close, or by the kernel if this process dies
  try {
    Lab lab = load_lab(directory);
    change(lab);
    save_lab(lab);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

std::string default_lab_directory() {
  return xdg_path("RINGCTL_LAB_DIR", "XDG_STATE_HOME", ".local/state", "ringctl/lab");
}

}  // namespace ringctl::lab
