// ringd: the per-node agent. `ringd [--config FILE] [flags]`; see man ringd(8), docs/api.md.
// Logs go to stderr. SIGTERM or SIGINT stops it cleanly (server, then collector) with exit
// code 0; a bad configuration or a failed start exits with 1.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "agent_api.h"
#include "agent_config.h"
#include "audit_log.h"
#include "auth.h"
#include "cassandra_backend.h"
#include "collector.h"
#include "lab_backend.h"
#include "ringcore/version.h"
#include "ringnet/http_server.h"
#include "ringruntime/log.h"
#include "ringruntime/stop_signals.h"

extern char** environ;

namespace {

std::vector<std::string> environment_strings() {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

int run(const ringd::AgentConfig& config, const ringruntime::StopSignals& stop) {
  auto audit = ringd::AuditLog::open(config.audit_log);
  if (!audit) {
    ringruntime::log_error("ringd: " + audit.error().message());
    return 1;
  }
  std::unique_ptr<ringd::Backend> backend;
  if (config.backend == "cassandra") {
    backend = std::make_unique<ringd::CassandraBackend>(
        ringd::JolokiaClient(config.jolokia, config.jolokia_user, config.jolokia_password, std::chrono::seconds(2)));
  } else {
    backend = std::make_unique<ringd::LabBackend>(config.node.host, config.node.port);
  }
  ringd::Collector collector(*backend, std::chrono::duration<double>(config.interval_seconds));
  const ringd::Authenticator auth(config.read_tokens, config.admin_tokens, config.open_metrics);
  ringd::AgentApi api(config, *backend, collector, auth, **audit);

  ringnet::ServerOptions options;
  // A light agent: a few scrapers and operators at once; a kept-alive idle connection holds a
  // worker for up to 5 s, so keep some spare.
  options.worker_threads = 8;
  options.max_body_bytes = config.max_body_bytes;
  options.tls_cert_file = config.tls_cert;
  options.tls_key_file = config.tls_key;
  ringnet::HttpServer server(options);
  api.install(server);
  collector.start();
  if (auto started = server.start(config.listen.host, config.listen.port); !started) {
    ringruntime::log_error("ringd: cannot start: " + started.error().message());
    return 1;
  }
  ringruntime::log_info("ringd: serving " + std::string(config.tls() ? "https://" : "http://") + config.listen.text() +
                        " for the " + config.backend + " node at " +
                        (config.backend == "cassandra" ? config.jolokia.url() : config.node.text()) +
                        ", collecting every " + std::to_string(config.interval_seconds) + " s" +
                        (config.has_tokens() ? ", tokens required" : ""));
  const int received = stop.wait();
  ringruntime::log_info(std::string("ringd: ") + ringruntime::stop_signal_name(received) + " received, stopping");
  server.stop();
  collector.stop();
  ringruntime::log_info("ringd: stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ringd: the per-node agent of ringctl (API, cache, operations, /metrics)"};
  ringd::CommandLine command_line;
  app.set_version_flag("--version", std::string("ringd ") + ringcore::version());
  ringd::add_agent_flags(app, command_line);
  CLI11_PARSE(app, argc, argv);

  const ringruntime::StopSignals stop;

  auto environment = ringd::settings_from_environment(environment_strings());
  if (!environment) {
    ringruntime::log_error("ringd: bad config: " + environment.error().message());
    return 1;
  }
  auto config = ringd::load_agent_config(command_line, *environment);
  if (!config) {
    ringruntime::log_error("ringd: bad config: " + config.error().message());
    return 1;
  }
  return run(*config, stop);
}
