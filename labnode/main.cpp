// ringnode: the lab data node. `ringnode --config FILE`; see docs/ringnode-api.md.
// Logs go to stderr. SIGTERM or SIGINT stops it gracefully (shutdown announced in gossip,
// storage closed) with exit code 0; a bad config or a failed start exits with 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "node.h"
#include "node_config.h"
#include "ringcore/version.h"
#include "ringruntime/log.h"
#include "ringruntime/stop_signals.h"

int main(int argc, char** argv) {
  CLI::App app{"ringnode: a small Cassandra-style data node for ringctl's lab"};
  std::string config_path;
  app.set_version_flag("--version", std::string("ringnode ") + ringcore::version());
  app.add_option("--config", config_path, "the node's YAML configuration (docs/ringnode-api.md)")->required();
  CLI11_PARSE(app, argc, argv);

  const ringruntime::StopSignals stop;

  auto config = ringnode::load_node_config(config_path);
  if (!config) {
    ringruntime::log_error("ringnode: bad config: " + config.error().message());
    return 1;
  }
  auto node = ringnode::Node::start(std::move(config).value());
  if (!node) {
    ringruntime::log_error("ringnode: cannot start: " + node.error().message());
    return 1;
  }
  const int received = stop.wait();
  ringruntime::log_info(std::string("ringnode: ") + ringruntime::stop_signal_name(received) +
                        " received, shutting down");
  (*node)->stop();
  ringruntime::log_info("ringnode: stopped");
  return 0;
}
