#include "lab/lab_layout.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ringcore/error.h"
#include "ringcore/random.h"
#include "ringcore/snapshot.h"
#include "ringcore/token_allocator.h"
#include "xdg_path.h"

namespace ringctl::lab {
namespace {

using ringcore::Error;
using Json = nlohmann::ordered_json;

constexpr int kMaxNodes = 254;  // 127.0.0.1 .. 127.0.0.254

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

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw Error::failed("cannot write " + path);
}

}  // namespace

const LabNode& Lab::find_node(const std::string& which) const {
  std::string names;
  for (const LabNode& node : nodes) {
    if (node.name == which || node.address == which || std::to_string(node.number) == which) return node;
    names += (names.empty() ? "" : ", ") + node.name;
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
      node.address = "127.0.0." + std::to_string(node.number);
      node.dc = dc.name;
      node.rack = "rack" + std::to_string(i % spec.racks + 1);
      if (i == 0) lab.seeds.push_back(node.address);
      const int rf = allocation_rf(std::min(dc.nodes, i + 1), std::min(spec.racks, i + 1));
      ringcore::SplitMix64 random(static_cast<std::uint64_t>(node.number));
      auto tokens = ringcore::allocate_balanced_tokens(view, {node.address, node.dc, node.rack}, spec.num_tokens, rf,
                                                       random);
      if (!tokens) throw tokens.error().with_context("choosing tokens for " + node.name);
      node.tokens = std::move(tokens).value();
      view.nodes.push_back(snapshot_node(node));
      lab.nodes.push_back(std::move(node));
    }
  }
  return lab;
}

LabNode plan_added_node(const Lab& lab, const std::string& dc) {
  const int number = static_cast<int>(lab.nodes.size()) + 1;
  if (number > kMaxNodes) throw Error::invalid_input("a lab has at most " + std::to_string(kMaxNodes) + " nodes");
  int in_dc = 0;
  for (const LabNode& node : lab.nodes) in_dc += node.dc == dc ? 1 : 0;
  LabNode node;
  node.number = number;
  node.name = "node" + std::to_string(number);
  node.address = "127.0.0." + std::to_string(number);
  node.dc = dc;
  node.rack = "rack" + std::to_string(in_dc % lab.spec.racks + 1);
  return node;
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
  if (node.tokens.empty()) {
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
  doc["racks"] = lab.spec.racks;
  doc["num_tokens"] = lab.spec.num_tokens;
  doc["seeds"] = lab.seeds;
  doc["nodes"] = Json::array();
  for (const LabNode& node : lab.nodes) {
    Json tokens = Json::array();
    for (ringcore::Token t : node.tokens) tokens.push_back(ringcore::format_token(t));
    doc["nodes"].push_back({{"number", node.number}, {"name", node.name}, {"address", node.address},
                            {"dc", node.dc}, {"rack", node.rack}, {"tokens", tokens},
                            {"stream_throughput_mib", node.stream_throughput_mib}});
  }
  std::filesystem::create_directories(lab.directory);
  for (const LabNode& node : lab.nodes) {
    std::filesystem::create_directories(lab.data_path(node));
    write_file(lab.config_path(node), node_config_yaml(lab, node));
  }
  write_file(lab.directory + "/lab.json", doc.dump(1) + "\n");
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
    lab.spec.racks = doc.at("racks");
    lab.spec.num_tokens = doc.at("num_tokens");
    lab.seeds = doc.at("seeds").get<std::vector<std::string>>();
    for (const Json& n : doc.at("nodes")) {
      LabNode node{n.at("number"), n.at("name"), n.at("address"), n.at("dc"), n.at("rack"), {},
                   n.value("stream_throughput_mib", 0.0)};
      for (const Json& t : n.at("tokens")) node.tokens.push_back(ringcore::parse_token(t.get<std::string>()).value_or_throw());
      lab.nodes.push_back(std::move(node));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::invalid_input(path + " is not a lab manifest: " + e.what());
  }
  return lab;
}

std::string default_lab_directory() {
  return xdg_path("RINGCTL_LAB_DIR", "XDG_STATE_HOME", ".local/state", "ringctl/lab");
}

}  // namespace ringctl::lab
