// ringnode: the lab data node. `ringnode --config FILE`; see docs/ringnode-api.md.
// Logs go to stderr. SIGTERM or SIGINT stops it gracefully (shutdown announced in gossip,
// storage closed) with exit code 0; a bad config or a failed start exits with 1.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "node.h"
#include "node_config.h"
#include "ringcore/version.h"
#include "ringruntime/log.h"

int main(int argc, char** argv) {
  CLI::App app{"ringnode: a small Cassandra-style data node for ringctl's lab"};
  std::string config_path;
  app.set_version_flag("--version", std::string("ringnode ") + ringcore::version());
  app.add_option("--config", config_path, "the node's YAML configuration (docs/ringnode-api.md)")->required();
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread (threads inherit the mask); main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

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
  int received = 0;
  sigwait(&stop_signals, &received);
  ringruntime::log_info(std::string("ringnode: ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") +
                        " received, shutting down");
  (*node)->stop();
  ringruntime::log_info("ringnode: stopped");
  return 0;
}
