// ringctl lab up|add|remove|down|kill|stop|start|list|stress|verify: a local cluster of ringnode
// processes on 127.0.0.1..N, as ccm runs Cassandra. Wiring only: what each does is in
// cli/lab/ (lab_lifecycle.h first), how it prints in cli/views/lab_view.h and workload_view.h.
#include <signal.h>

#include <memory>

#include "commands/command_context.h"
#include "lab/lab_lifecycle.h"
#include "lab/lab_processes.h"
#include "lab/lab_workload.h"
#include "option_values.h"
#include "text/table.h"
#include "views/lab_view.h"
#include "views/workload_view.h"

namespace ringctl {
namespace {

struct LabOptions {
  std::string directory = lab::default_lab_directory();
  // up
  int nodes = 3;
  std::string dcs;
  lab::LabSpec spec;  // the numeric options' values (lab::kSpecOptions)
  bool no_agents = false;
  int timeout_seconds = 120;
  // up, add
  std::uint64_t disk_capacity_bytes = 0;
  std::string ip_prefix;
  // down
  bool purge = false;
  // kill, stop, start, remove
  std::string node;
  // add
  std::string dc;
  std::string rack;
  bool new_dc = false;
  double stream_throughput_mib = 0;
  // stress, verify
  lab::WorkloadOptions workload;
};

void show_lab(const lab::Lab& lab, OutputFormat format) {
  std::vector<lab::NodeProcesses> processes;
  for (const lab::LabNode& node : lab.nodes) processes.push_back(lab::processes_of(lab, node));
  render(lab_document(lab, processes), format, print_lab, [](const Document& doc) { return doc; });
}

// The options `up` was given, as a request: what was not given stays unset.
lab::UpRequest up_request(const LabOptions& options, const CLI::App& up) {
  lab::UpRequest request;
  request.directory = options.directory;
  if (up.count("--dcs") > 0) request.datacenters = lab::parse_datacenters(options.dcs);
  if (up.count("--nodes") > 0) request.datacenters = std::vector<lab::DatacenterSpec>{{"dc1", options.nodes}};
  for (const lab::SpecOption& o : lab::kSpecOptions) {
    if (up.count(o.option) > 0) request.*o.given = options.spec.*o.value;
  }
  if (up.count("--disk-capacity") > 0) request.disk_capacity_bytes = options.disk_capacity_bytes;
  if (up.count("--ip-prefix") > 0) request.ip_prefix = lab::parse_ip_prefix(options.ip_prefix);
  request.agents = !options.no_agents;
  request.timeout = std::chrono::seconds(options.timeout_seconds);
  return request;
}

lab::AddRequest add_request(const LabOptions& options, const CLI::App& add) {
  lab::AddRequest request;
  request.directory = options.directory;
  request.dc = options.dc;
  request.rack = options.rack;
  request.new_dc = options.new_dc;
  request.stream_throughput_mib = options.stream_throughput_mib;
  if (add.count("--disk-capacity") > 0) request.disk_capacity_bytes = options.disk_capacity_bytes;
  request.agents = !options.no_agents;
  request.timeout = std::chrono::seconds(options.timeout_seconds);
  return request;
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
  command.add_option("NODE", options.node, "The node: its name (node2), number (2) or address (127.0.0.2)")->required();
}

// --disk-capacity SIZE: bytes, or a number with a unit (CLI11's size units, KB = 1000 and
// KiB = 1024); the bound is ringnode's for disk_capacity_bytes.
void add_disk_capacity_option(CLI::App& command, LabOptions& options, const std::string& who,
                              const std::string& by_default) {
  command
      .add_option("--disk-capacity", options.disk_capacity_bytes,
                  who +
                      " reports its data directory as a disk of this size, e.g. 64MiB (bytes, or KB/MB/GB = "
                      "1000^n, KiB/MiB/GiB = 1024^n); 0: the file system's own figures" +
                      by_default)
      ->transform(CLI::AsSizeValue(true).description(""))
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 62).description(""))
      ->type_name("SIZE");
}

void add_timeout_option(CLI::App& command, LabOptions& options, const std::string& what) {
  command.add_option("--timeout", options.timeout_seconds, "Seconds to wait " + what)->check(timeout_check());
}

}  // namespace

void register_lab_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<LabOptions>();
  CLI::App* lab =
      app.add_subcommand("lab", "Run a local cluster of ringnode processes on 127.0.0.1..N (or --ip-prefix)");
  lab->require_subcommand(1);
  lab->add_option("--dir", options->directory, "The lab's directory (configs, data, logs, pids)")
      ->type_name(kDirectoryValue)
      ->default_str("$RINGCTL_LAB_DIR or ~/.local/state/ringctl/lab");
  const OutputFormat* format = &context.format;

  CLI::App* up = lab->add_subcommand("up",
                                     "Start a lab cluster (or restart a stopped one as it was made), wait until every "
                                     "node sees all up and normal, start an agent per node");
  up->add_option("--nodes", options->nodes, "Number of nodes, in one datacenter dc1")->check(CLI::Range(1, 254));
  up->add_option("--dcs", options->dcs, "Datacenters and node counts instead, e.g. dc1:3,dc2:3")->excludes("--nodes");
  up->add_option("--racks", options->spec.racks, "Racks per datacenter")->check(CLI::Range(1, 254));
  up->add_option("--num-tokens", options->spec.num_tokens, "Tokens per node")->check(CLI::Range(1, 1536));
  up->add_option("--storage-port", options->spec.storage_port, "Node-to-node port")->check(CLI::Range(1, 65535));
  up->add_option("--native-port", options->spec.native_port, "Client and admin API port")->check(CLI::Range(1, 65535));
  up->add_option("--agent-port", options->spec.agent_port, "Port of each node's agent (ringd), on the node's address")
      ->check(CLI::Range(1, 65535));
  add_disk_capacity_option(*up, *options, "Every node", " (the default)");
  up->add_option("--ip-prefix", options->ip_prefix,
                 "The first three octets of the nodes' loopback addresses, as ccm's --ipprefix: node N listens on "
                 "PREFIX.N")
      ->type_name("PREFIX")
      ->default_str("127.0.0");
  up->add_flag("--no-agents", options->no_agents, "Start no agents (ringd)");
  add_timeout_option(*up, *options, "for the cluster to converge");
  up->callback([options, format, up] { show_lab(lab::up(up_request(*options, *up)), *format); });

  CLI::App* add =
      lab->add_subcommand("add", "Add a node to the running lab: it bootstraps (streams its ranges) and joins");
  add->add_option("--dc", options->dc, "Datacenter of the new node (default: the first node's)");
  add->add_flag("--new-dc", options->new_dc, "Allow --dc to name a datacenter the lab does not have yet");
  add->add_option("--rack", options->rack, "Rack of the new node (default: the DC's racks in turn)");
  add_timeout_option(*add, *options, "until every node and agent sees it up and normal");
  add->add_option("--stream-throughput", options->stream_throughput_mib,
                  "The new node's streaming limit in MiB/s (0: none)")
      ->check(CLI::NonNegativeNumber);
  add_disk_capacity_option(*add, *options, "The new node", "; default: the first member's");
  add->callback([options, format, add] { show_lab(lab::add(add_request(*options, *add)), *format); });

  CLI::App* remove = lab->add_subcommand(
      "remove", "Take a node that has left the ring (decommission, removenode) out of the lab: stop it and forget it");
  add_node_argument(*remove, *options);
  remove->callback([options, format] { show_lab(lab::remove_member(options->directory, options->node), *format); });

  CLI::App* down = lab->add_subcommand("down", "Stop every agent and node (SIGTERM, then SIGKILL after 15 s)");
  down->add_flag("--purge", options->purge,
                 "Also delete the lab's directory and data, and unregister it from the cluster config");
  down->callback([options] { lab::down(options->directory, options->purge); });

  CLI::App* kill = lab->add_subcommand("kill", "Kill a node with SIGKILL, as a crash would");
  add_node_argument(*kill, *options);
  kill->callback([options] { lab::stop_member(options->directory, options->node, SIGKILL); });

  CLI::App* stop = lab->add_subcommand("stop", "Stop a node gracefully (SIGTERM)");
  add_node_argument(*stop, *options);
  stop->callback([options] { lab::stop_member(options->directory, options->node, SIGTERM); });

  CLI::App* start = lab->add_subcommand(
      "start", "Start a stopped node (and its agent) and wait until every node sees it up; or only its stopped agent");
  add_node_argument(*start, *options);
  add_timeout_option(*start, *options, "");
  start->callback([options] {
    lab::start_member(options->directory, options->node, std::chrono::seconds(options->timeout_seconds));
  });

  CLI::App* list = lab->add_subcommand("list", "List the lab's members and their processes");
  list->callback([options, format] { show_lab(lab::load_members(options->directory), *format); });

  CLI::App* stress = lab->add_subcommand(
      "stress", "Write rows through the coordinators; record what was acknowledged; exit 2 if any write failed");
  add_workload_options(*stress, options->workload);
  stress->add_option("--rows", options->workload.rows, "Rows to write")->check(CLI::PositiveNumber);
  stress->add_option("--value-size", options->workload.value_size, "Bytes per value")->check(CLI::NonNegativeNumber);
  stress->callback([options, format] {
    const auto report = lab::run_stress(lab::load_members(options->directory), options->workload);
    render(report, *format, print_stress, stress_document);
    if (report.failed > 0) {
      throw ringcore::Error::failed(std::to_string(report.failed) + " of " + std::to_string(report.attempted) +
                                    " writes failed (not acknowledged; not recorded)");
    }
  });

  CLI::App* verify = lab->add_subcommand("verify", "Read back every acknowledged row; exit 2 if any is lost");
  add_workload_options(*verify, options->workload);
  verify->callback([options, format] {
    const auto report = lab::run_verify(lab::load_members(options->directory), options->workload);
    render(report, *format, print_verify, verify_document);
    if (report.lost() || report.unreadable > 0) {
      throw ringcore::Error::failed(report.lost() ? "acknowledged writes are lost"
                                                  : "some rows could not be read at " + report.consistency);
    }
  });
}

}  // namespace ringctl
