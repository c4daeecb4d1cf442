// ringctl lab up|add|down|kill|stop|start|list|stress|verify: a local cluster of ringnode
// processes on 127.0.0.1..N, as ccm runs Cassandra. Logic lives in cli/lab/.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "agent_client.h"
#include "cluster_config.h"
#include "commands/command_context.h"
#include "lab/lab_cluster.h"
#include "lab/lab_layout.h"
#include "lab/lab_processes.h"
#include "lab/lab_workload.h"
#include "option_values.h"
#include "text/table.h"

namespace ringctl {
namespace {

using lab::Lab;
using lab::LabNode;

struct LabOptions {
  std::string directory = lab::default_lab_directory();
  // up
  int nodes = 3;
  std::string dcs;
  int racks = 1;
  int num_tokens = 16;
  int storage_port = 7000;
  int native_port = 9042;
  int agent_port = 7070;
  bool no_agents = false;
  int timeout_seconds = 120;
  // down
  bool purge = false;
  // kill, stop, start
  std::string node;
  // add
  std::string dc;
  double stream_throughput_mib = 0;
  // stress, verify
  lab::WorkloadOptions workload;
};

constexpr auto kStopGrace = std::chrono::seconds(15);

std::vector<const LabNode*> all_nodes(const Lab& lab) {
  std::vector<const LabNode*> nodes;
  for (const LabNode& node : lab.nodes) nodes.push_back(&node);
  return nodes;
}

Document lab_document(const Lab& lab) {
  Document nodes = Document::array();
  for (const LabNode& node : lab.nodes) {
    const auto pid = lab::running_pid(lab, node);
    const auto agent_pid = lab::running_agent_pid(lab, node);
    nodes.push_back({{"name", node.name},
                     {"address", node.address},
                     {"dc", node.dc},
                     {"rack", node.rack},
                     {"tokens", node.tokens.size()},
                     {"pid", pid ? Document(*pid) : Document(nullptr)},
                     {"process", pid ? "running" : "stopped"},
                     {"api", "http://" + node.address + ":" + std::to_string(lab.spec.native_port)},
                     {"agent", lab.agent_address(node)},
                     {"agent_pid", agent_pid ? Document(*agent_pid) : Document(nullptr)},
                     {"agent_process", agent_pid ? "running" : "stopped"}});
  }
  return {{"directory", lab.directory}, {"cluster_name", lab.spec.cluster_name}, {"nodes", nodes}};
}

void print_lab(const Lab& lab, OutputFormat format) {
  const Document doc = lab_document(lab);
  if (format != OutputFormat::kTable) {
    print_document(doc, format, std::cout);
    return;
  }
  TableBuilder table;
  table.add_row({"Node", "Address", "DC", "Rack", "Tokens", "Process", "PID", "API", "Agent", "Agent PID"});
  for (const auto& n : doc["nodes"]) {
    table.add_row({n["name"].get<std::string>(), n["address"].get<std::string>(), n["dc"].get<std::string>(),
                   n["rack"].get<std::string>(), std::to_string(n["tokens"].get<int>()),
                   n["process"].get<std::string>(), n["pid"].is_null() ? "-" : std::to_string(n["pid"].get<int>()),
                   n["api"].get<std::string>(), n["agent"].get<std::string>(),
                   n["agent_pid"].is_null() ? "-" : std::to_string(n["agent_pid"].get<int>())});
  }
  std::cout << "Lab " << lab.spec.cluster_name << " in " << lab.directory << "\n";
  print_table(table, column_widths({table}), "  ", std::cout);
}

// Registers the lab's agents as a cluster in the cluster config (the default one if there is
// none), so that a bare `ringctl status` asks them.
void register_lab_cluster(const Lab& lab) {
  const std::string path = cluster_config_path();
  ClusterConfig config = load_cluster_config(path).value_or(ClusterConfig{});
  ClusterEntry& entry = config.clusters[lab.spec.cluster_name];
  entry.agents.clear();
  for (const LabNode& node : lab.nodes) entry.agents.push_back(lab.agent_address(node));
  if (config.default_cluster.empty()) config.default_cluster = lab.spec.cluster_name;
  save_cluster_config(config, path);
}

// Waits until every agent is ready (has collected from its node once). Throws ringcore::Error at the deadline.
void wait_for_agents(const Lab& lab, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const LabNode& node : lab.nodes) {
    AgentClient agent({{lab.agent_address(node)}, "", "", std::chrono::seconds(1)});
    for (;;) {
      try {
        agent.get("/v1/health/ready");  // a first collection succeeded
        break;
      } catch (const ringcore::Error& e) {
        if (std::chrono::steady_clock::now() >= deadline) {
          throw ringcore::Error::failed("the agent of " + node.name + " did not answer: " + e.message() +
                                        " (log: " + lab.agent_log_path(node) + ")");
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the agent is starting
    }
  }
}

// Starts one ringd per node and registers them; without a ringd binary the lab runs without.
void start_agents(const Lab& lab, const LabOptions& options) {
  if (options.no_agents) return;
  std::string ringd;
  try {
    ringd = lab::find_ringd_binary();
  } catch (const ringcore::Error& e) {
    std::cerr << "ringctl: warning: " << e.message() << "; the lab runs without agents\n";
    return;
  }
  for (const LabNode& node : lab.nodes) {
    if (!lab::running_agent_pid(lab, node)) lab::start_agent(lab, node, ringd);  // one may outlive its node
  }
  wait_for_agents(lab, std::chrono::seconds(options.timeout_seconds));
  register_lab_cluster(lab);
}

void stop_processes(const Lab& lab, const std::vector<std::optional<pid_t>>& pids,
                    bool (*signal_fn)(const Lab&, const LabNode&, int)) {
  for (std::size_t i = 0; i < lab.nodes.size(); ++i) {
    if (pids[i] && !lab::wait_for_exit(*pids[i], kStopGrace)) {
      signal_fn(lab, lab.nodes[i], SIGKILL);
      lab::wait_for_exit(*pids[i], std::chrono::seconds(5));
    }
  }
}

void lab_up(const LabOptions& options, OutputFormat format) {
  namespace fs = std::filesystem;
  Lab lab;
  if (fs::exists(options.directory + "/lab.json")) {
    lab = lab::load_lab(options.directory);
    if (!lab::running_nodes(lab).empty()) {
      throw ringcore::Error::invalid_input("a lab is already running in " + options.directory +
                                           " (ringctl lab list; ringctl lab down to stop it)");
    }
  } else {
    lab::LabSpec spec;
    spec.datacenters = options.dcs.empty() ? std::vector<lab::DatacenterSpec>{{"dc1", options.nodes}}
                                           : lab::parse_datacenters(options.dcs);
    spec.racks = options.racks;
    spec.num_tokens = options.num_tokens;
    spec.storage_port = options.storage_port;
    spec.native_port = options.native_port;
    spec.agent_port = options.agent_port;
    lab = lab::plan_lab(options.directory, spec);
    lab::save_lab(lab);
  }
  const std::string ringnode = lab::find_ringnode_binary();
  for (const LabNode& node : lab.nodes) lab::start_node(lab, node, ringnode);
  const auto nodes = all_nodes(lab);
  lab::wait_until_converged(lab, nodes, nodes, std::chrono::seconds(options.timeout_seconds));
  start_agents(lab, options);
  print_lab(lab, format);
}

// Adds a node to the running lab: it allocates balanced tokens, bootstraps (streams the ranges
// it gains) and becomes normal; then it gets its agent if the lab runs agents.
void lab_add(const LabOptions& options, OutputFormat format) {
  Lab lab = lab::load_lab(options.directory);
  if (lab::running_nodes(lab).empty()) {
    throw ringcore::Error::invalid_input("no node of the lab in " + options.directory + " is running (ringctl lab up)");
  }
  const bool lab_has_agents = std::any_of(lab.nodes.begin(), lab.nodes.end(),
                                          [&](const LabNode& node) { return lab::running_agent_pid(lab, node).has_value(); });
  LabNode added = lab::plan_added_node(lab, options.dc.empty() ? lab.nodes.front().dc : options.dc);
  added.stream_throughput_mib = options.stream_throughput_mib;
  lab.nodes.push_back(std::move(added));
  lab::save_lab(lab);
  lab::start_node(lab, lab.nodes.back(), lab::find_ringnode_binary());
  // Its agent starts with it, so that netstats can follow the bootstrap.
  if (lab_has_agents && !options.no_agents) lab::start_agent(lab, lab.nodes.back(), lab::find_ringd_binary());
  // Its bootstrap is over when every running node sees it normal.
  const auto running = lab::running_nodes(lab);
  lab::wait_until_converged(lab, running, running, std::chrono::seconds(options.timeout_seconds));
  if (lab_has_agents) start_agents(lab, options);
  print_lab(lab, format);
}

void lab_down(const LabOptions& options) {
  const Lab lab = lab::load_lab(options.directory);
  // Agents first, so that none reports its node's shutdown as a failure.
  std::vector<std::optional<pid_t>> agents, nodes;
  for (const LabNode& node : lab.nodes) agents.push_back(lab::running_agent_pid(lab, node));
  for (const LabNode& node : lab.nodes) lab::signal_agent(lab, node, SIGTERM);
  stop_processes(lab, agents, lab::signal_agent);
  for (const LabNode& node : lab.nodes) nodes.push_back(lab::running_pid(lab, node));
  for (const LabNode& node : lab.nodes) lab::signal_node(lab, node, SIGTERM);
  stop_processes(lab, nodes, lab::signal_node);
  if (options.purge) std::filesystem::remove_all(lab.directory);
}

void lab_stop(const LabOptions& options, int signal) {
  const Lab lab = lab::load_lab(options.directory);
  const LabNode& node = lab.find_node(options.node);
  const auto pid = lab::running_pid(lab, node);
  if (!pid) throw ringcore::Error::invalid_input(node.name + " is not running");
  lab::signal_node(lab, node, signal);
  if (!lab::wait_for_exit(*pid, signal == SIGKILL ? std::chrono::seconds(5) : kStopGrace)) {
    throw ringcore::Error::failed(node.name + " (pid " + std::to_string(*pid) + ") did not exit");
  }
}

void lab_start(const LabOptions& options) {
  const Lab lab = lab::load_lab(options.directory);
  const LabNode& node = lab.find_node(options.node);
  if (lab::running_pid(lab, node)) throw ringcore::Error::invalid_input(node.name + " is already running");
  lab::start_node(lab, node, lab::find_ringnode_binary());
  // Back when every running node, the restarted one included, sees every running node up:
  // right after a kill the others may still think it is up, so their view alone proves nothing.
  const auto running = lab::running_nodes(lab);
  lab::wait_until_converged(lab, running, running, std::chrono::seconds(options.timeout_seconds));
}

void add_workload_options(CLI::App& command, lab::WorkloadOptions& workload) {
  command.add_option("--keyspace", workload.keyspace, "Keyspace (created if missing, rf min(3, nodes) per DC)");
  one_of(command.add_option("--cl", workload.consistency, "Consistency level: ONE, QUORUM or ALL"),
         {"ONE", "QUORUM", "ALL"}, Case::kIgnored)
      ->transform([](std::string level) {
        for (char& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return level;
      });
  command.add_option("--threads", workload.threads, "Client threads")->check(CLI::Range(1, 256));
}

void add_node_argument(CLI::App& command, LabOptions& options) {
  command.add_option("NODE", options.node, "The node: its name (node2), number (2) or address (127.0.0.2)")
      ->required();
}

}  // namespace

void register_lab_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<LabOptions>();
  CLI::App* lab = app.add_subcommand("lab", "Run a local cluster of ringnode processes on 127.0.0.1..N");
  lab->require_subcommand(1);
  lab->add_option("--dir", options->directory, "The lab's directory (configs, data, logs, pids)")
      ->type_name(kDirectoryValue)
      ->default_str("$RINGCTL_LAB_DIR or ~/.local/state/ringctl/lab");
  const OutputFormat* format = &context.format;

  CLI::App* up = lab->add_subcommand("up", "Start a lab cluster, wait until every node sees all up and normal, start an agent per node");
  up->add_option("--nodes", options->nodes, "Number of nodes, in one datacenter dc1")->check(CLI::Range(1, 254));
  up->add_option("--dcs", options->dcs, "Datacenters and node counts instead, e.g. dc1:3,dc2:3")->excludes("--nodes");
  up->add_option("--racks", options->racks, "Racks per datacenter")->check(CLI::Range(1, 254));
  up->add_option("--num-tokens", options->num_tokens, "Tokens per node")->check(CLI::Range(1, 1536));
  up->add_option("--storage-port", options->storage_port, "Node-to-node port")->check(CLI::Range(1, 65535));
  up->add_option("--native-port", options->native_port, "Client and admin API port")->check(CLI::Range(1, 65535));
  up->add_option("--agent-port", options->agent_port, "Port of each node's agent (ringd), on the node's address")
      ->check(CLI::Range(1, 65535));
  up->add_flag("--no-agents", options->no_agents, "Start no agents (ringd)");
  up->add_option("--timeout", options->timeout_seconds, "Seconds to wait for the cluster to converge");
  up->callback([options, format] { lab_up(*options, *format); });

  CLI::App* add = lab->add_subcommand("add", "Add a node to the running lab: it bootstraps (streams its ranges) and joins");
  add->add_option("--dc", options->dc, "Datacenter of the new node (default: the first node's)");
  add->add_option("--timeout", options->timeout_seconds, "Seconds to wait until every node sees it up and normal");
  add->add_option("--stream-throughput", options->stream_throughput_mib, "The new node's streaming limit in MiB/s (0: none)")
      ->check(CLI::NonNegativeNumber);
  add->callback([options, format] { lab_add(*options, *format); });

  CLI::App* down = lab->add_subcommand("down", "Stop every agent and node (SIGTERM, then SIGKILL after 15 s)");
  down->add_flag("--purge", options->purge, "Also delete the lab's directory and data");
  down->callback([options] { lab_down(*options); });

  CLI::App* kill = lab->add_subcommand("kill", "Kill a node with SIGKILL, as a crash would");
  add_node_argument(*kill, *options);
  kill->callback([options] { lab_stop(*options, SIGKILL); });

  CLI::App* stop = lab->add_subcommand("stop", "Stop a node gracefully (SIGTERM)");
  add_node_argument(*stop, *options);
  stop->callback([options] { lab_stop(*options, SIGTERM); });

  CLI::App* start = lab->add_subcommand("start", "Start a stopped node and wait until every node sees it up");
  add_node_argument(*start, *options);
  start->add_option("--timeout", options->timeout_seconds, "Seconds to wait");
  start->callback([options] { lab_start(*options); });

  CLI::App* list = lab->add_subcommand("list", "List the lab's nodes and their processes");
  list->callback([options, format] { print_lab(lab::load_lab(options->directory), *format); });

  CLI::App* stress = lab->add_subcommand("stress", "Write rows through the coordinators; record what was acknowledged");
  add_workload_options(*stress, options->workload);
  stress->add_option("--rows", options->workload.rows, "Rows to write")->check(CLI::PositiveNumber);
  stress->add_option("--value-size", options->workload.value_size, "Bytes per value")->check(CLI::NonNegativeNumber);
  stress->callback([options, format] {
    const auto report = lab::run_stress(lab::load_lab(options->directory), options->workload);
    render(report, *format, lab::print_stress, lab::stress_document);
  });

  CLI::App* verify = lab->add_subcommand("verify", "Read back every acknowledged row; exit 2 if any is lost");
  add_workload_options(*verify, options->workload);
  verify->callback([options, format] {
    const auto report = lab::run_verify(lab::load_lab(options->directory), options->workload);
    render(report, *format, lab::print_verify, lab::verify_document);
    if (report.lost() || report.unreadable > 0) {
      throw ringcore::Error::failed(report.lost() ? "acknowledged writes are lost"
                                                  : "some rows could not be read at " + report.consistency);
    }
  });
}

}  // namespace ringctl
