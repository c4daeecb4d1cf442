// ringd's configuration: defaults, every source, precedence flags > environment > file, and
// refusals that name the key and where the value came from.
#include "agent_config.h"

#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace {

using ringd::AgentConfig;
using ringd::Settings;

const std::string kAdmin = "admin-token-0123456789";
const std::string kRead = "read-token-0123456789";

AgentConfig resolved(const std::string& yaml, const Settings& environment = {}, const Settings& flags = {}) {
  auto config = ringd::resolve_agent_config(yaml, environment, flags);
  if (!config) FAIL("unexpected error: " << config.error().message());
  return *config;
}

std::string refusal(const std::string& yaml, const Settings& environment = {}, const Settings& flags = {}) {
  auto config = ringd::resolve_agent_config(yaml, environment, flags);
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ringcore::ErrorCode::kInvalidInput);
  return config.error().message();
}

Settings environment(const std::vector<std::string>& entries) {
  auto settings = ringd::settings_from_environment(entries);
  REQUIRE(settings.ok());
  return *settings;
}

Settings parsed_flags(std::vector<std::string> args) {
  CLI::App app;
  ringd::CommandLine command_line;
  ringd::add_agent_flags(app, command_line);
  args.insert(args.begin(), "ringd");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return command_line.flags;
}

}  // namespace

TEST_CASE("without any setting ringd listens on loopback port 7070 for the lab node at 127.0.0.1:9042 every 2 s") {
  const AgentConfig config = resolved("");
  CHECK(config.listen.text() == "127.0.0.1:7070");
  CHECK(config.node.text() == "127.0.0.1:9042");
  CHECK(config.backend == "lab");
  CHECK(config.interval_seconds == 2.0);
  CHECK(config.max_body_bytes == 65536);
  CHECK(config.open_metrics);
  CHECK_FALSE(config.tls());
  CHECK_FALSE(config.has_tokens());
}

TEST_CASE("the YAML file sets every key, nested tls and tokens maps included") {
  const AgentConfig config = resolved(
      "listen: 10.0.0.5:7443\nbackend: lab\nnode: 10.0.0.5:9042\ncluster: prod\ninterval_seconds: 0.5\n"
      "audit_log: /var/log/ringd/audit.log\ntls: {cert: /etc/ringd/cert.pem, key: /etc/ringd/key.pem}\n"
      "tokens: {read: [" +
      kRead + "], admin: [" + kAdmin + "]}\nmax_body_bytes: 4096\nopen_metrics: false\n");
  CHECK(config.listen.text() == "10.0.0.5:7443");
  CHECK(config.cluster == "prod");
  CHECK(config.interval_seconds == 0.5);
  CHECK(config.audit_log == "/var/log/ringd/audit.log");
  CHECK(config.tls_cert == "/etc/ringd/cert.pem");
  CHECK(config.tls_key == "/etc/ringd/key.pem");
  CHECK(config.read_tokens == std::vector<std::string>{kRead});
  CHECK(config.admin_tokens == std::vector<std::string>{kAdmin});
  CHECK(config.max_body_bytes == 4096);
  CHECK_FALSE(config.open_metrics);
}

TEST_CASE("flags win over the environment, which wins over the file") {
  const std::string yaml = "interval_seconds: 5\nnode: 127.0.0.9:9042\ncluster: from-file\n";
  const Settings env = environment({"RINGD_INTERVAL_SECONDS=3", "RINGD_NODE=127.0.0.8:9042", "PATH=/bin"});
  const Settings flags = parsed_flags({"--interval", "1"});
  const AgentConfig config = resolved(yaml, env, flags);
  CHECK(config.interval_seconds == 1.0);            // flag
  CHECK(config.node.text() == "127.0.0.8:9042");    // environment
  CHECK(config.cluster == "from-file");             // file
  CHECK(config.listen.text() == "127.0.0.1:7070");  // default
}

TEST_CASE("environment names are RINGD_ and the key in upper case, lists are comma-separated") {
  const Settings env =
      environment({"RINGD_TLS_CERT=/c.pem", "RINGD_TLS_KEY=/k.pem", "RINGD_TOKENS_ADMIN=" + kAdmin + "," + kAdmin + "x",
                   "RINGD_CONFIG=/etc/ringd/ringd.yaml"});
  CHECK(env.at("config").value == "/etc/ringd/ringd.yaml");
  const AgentConfig config = resolved("", env);
  CHECK(config.tls_cert == "/c.pem");
  CHECK(config.admin_tokens == std::vector<std::string>{kAdmin, kAdmin + "x"});
}

TEST_CASE("an unknown RINGD_ variable is refused by name") {
  auto settings = ringd::settings_from_environment({"RINGD_LISEN=127.0.0.1:1"});
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().message().starts_with("RINGD_LISEN: unknown ringd setting"));
}

TEST_CASE("bad values are refused with the key, the origin and what is wrong") {
  CHECK(refusal("interval_seconds: soon\n") == "interval_seconds: must be a number in 0.1..3600, not 'soon'");
  CHECK(refusal("", environment({"RINGD_INTERVAL_SECONDS=0"})) ==
        "interval_seconds (from RINGD_INTERVAL_SECONDS): must be a number in 0.1..3600, not '0'");
  CHECK(refusal("", {}, parsed_flags({"--listen", "localhost"})) ==
        "listen (from --listen): must be HOST:PORT such as 127.0.0.1:7070, not 'localhost'");
  CHECK(refusal("node: 127.0.0.1:99999\n") == "node port: must be an integer in 1..65535, not '99999'");
  CHECK(refusal("backend: rocksdb\n") ==
        "backend: must be 'lab' (a ringnode) or 'cassandra' (through Jolokia), not 'rocksdb'");
  CHECK(refusal("jolokia_url: 127.0.0.1:8778\n") ==
        "jolokia_url: '127.0.0.1:8778' is not a Jolokia URL: it must start with http:// or https:// (e.g. "
        "http://127.0.0.1:8778/jolokia)");
  CHECK(
      refusal("", {}, parsed_flags({"--jolokia-url", "http://127.0.0.1:0/jolokia"})) ==
      "jolokia_url (from --jolokia-url): 'http://127.0.0.1:0/jolokia' is not a Jolokia URL: the port must be 1..65535 "
      "(e.g. http://127.0.0.1:8778/jolokia)");
  CHECK(refusal("open_metrics: maybe\n") == "open_metrics: must be true or false, not 'maybe'");
  CHECK(refusal("tokens: {read: " + kRead + "}\n") == "tokens.read: must be a list, not '" + kRead + "'");
}

TEST_CASE("unknown and repeated keys are refused, listing the known keys") {
  const std::string unknown = refusal("listen_address: 127.0.0.1\n");
  CHECK(unknown.starts_with("listen_address: unknown key (known: admin_token_file, audit_log,"));
  CHECK(refusal("tls: {cert: a, chain: b}\n").starts_with("tls.chain: unknown key"));
  CHECK(refusal("cluster: a\ncluster: b\n").starts_with("cluster: is given twice"));
  CHECK(refusal("- a list\n") == "the config must be a YAML map of keys to values");
}

TEST_CASE("a listen address other than loopback needs a token, and the refusal names the address") {
  const std::string message = refusal("listen: 0.0.0.0:7070\n");
  CHECK(message.starts_with("listen: 0.0.0.0:7070 is not a loopback address, and no token is configured"));
  CHECK(resolved("listen: 0.0.0.0:7070\ntokens: {admin: [" + kAdmin + "]}\n").has_tokens());
  CHECK(resolved("listen: 127.0.0.42:7070\n").listen.host == "127.0.0.42");
  CHECK(ringd::is_loopback("localhost"));
  CHECK_FALSE(ringd::is_loopback("10.127.0.1"));
}

TEST_CASE("tokens: at least 16 characters, one role each, and TLS needs both files") {
  CHECK(refusal("tokens: {admin: [short]}\n").starts_with("tokens.admin: a token must have at least 16 characters"));
  CHECK(refusal("tokens: {admin: [" + kAdmin + "], read: [" + kAdmin + "]}\n")
            .starts_with("tokens.admin: a token is also given as a read token"));
  CHECK(refusal("tls: {cert: /c.pem}\n") == "tls.key: is required with tls.cert");
}

TEST_CASE("token files hold one token a line, comments and blank lines are skipped") {
  const test_support::TempDir dir("ringd_agent_config_test_");
  const auto path = std::filesystem::path(dir.path()) / "tokens";
  {
    std::ofstream out(path);
    out << "# admins\n\n  " << kAdmin << "  \n" << kAdmin << "2\n";
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const AgentConfig config = resolved("", {}, parsed_flags({"--admin-token-file", path.string()}));
  CHECK(config.admin_tokens == std::vector<std::string>{kAdmin, kAdmin + "2"});
  CHECK(refusal("read_token_file: /nonexistent/tokens\n") ==
        "read_token_file: cannot read the token file /nonexistent/tokens");
}

TEST_CASE("backend cassandra reads its Jolokia agent from the file, the environment or a flag") {
  const AgentConfig defaults = resolved("backend: cassandra\n");
  CHECK(defaults.backend == "cassandra");
  CHECK(defaults.jolokia.url() == "http://127.0.0.1:8778/jolokia");
  CHECK(defaults.jolokia_user.empty());

  const AgentConfig from_file = resolved("backend: cassandra\njolokia_url: https://[::1]:9443/jmx/\n");
  CHECK(from_file.jolokia.https);
  CHECK(from_file.jolokia.host == "::1");
  CHECK(from_file.jolokia.port == 9443);
  CHECK(from_file.jolokia.path == "/jmx");

  const AgentConfig from_environment =
      resolved("jolokia_url: http://127.0.0.1:8778/jolokia\n",
               environment({"RINGD_BACKEND=cassandra", "RINGD_JOLOKIA_URL=http://127.0.0.3:8780/jolokia"}),
               parsed_flags({"--jolokia-url", "http://127.0.0.4/jolokia"}));
  CHECK(from_environment.jolokia.url() == "http://127.0.0.4:8778/jolokia");  // the flag wins; no port: Jolokia's 8778
}

TEST_CASE("Jolokia credentials come as a user and a password file, both or neither") {
  const test_support::TempDir dir("ringd_agent_config_test_");
  const std::filesystem::path file = std::filesystem::path(dir.path()) / "jolokia-password";
  {
    std::ofstream out(file);
    out << "s3cret pass\nignored second line\n";
  }
  const AgentConfig config =
      resolved("backend: cassandra\njolokia_user: monitor\njolokia_password_file: " + file.string() + "\n");
  CHECK(config.jolokia_user == "monitor");
  CHECK(config.jolokia_password == "s3cret pass");
  CHECK(refusal("jolokia_user: monitor\n") == "jolokia_password_file: is required with jolokia_user");
  CHECK(refusal("jolokia_password_file: /nonexistent/ringd-password\n") ==
        "jolokia_password_file: cannot read the password file /nonexistent/ringd-password");
}

TEST_CASE("a token file others may read, or a group other than ringd's, is refused naming the file and the fix") {
  namespace fs = std::filesystem;
  const test_support::TempDir dir("ringd_agent_config_test_");
  const auto path = fs::path(dir.path()) / "open_tokens";
  std::ofstream(path) << kAdmin << "\n";
  const std::string yaml = "admin_token_file: " + path.string() + "\n";
  fs::permissions(path,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  CHECK(refusal(yaml) == "admin_token_file: the token file " + path.string() +
                             " is accessible by others (mode 0644): run chmod 600 " + path.string() +
                             " (or chmod 640 with ringd's own group as its group)");
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::group_write);
  CHECK(refusal(yaml).starts_with("admin_token_file: the token file " + path.string() +
                                  " is accessible by its group (mode 0460)"));
  // Group read for ringd's own group (the file is created with this process's group): allowed.
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read);
  CHECK(resolved(yaml, {}, {}).admin_tokens == std::vector<std::string>{kAdmin});
  fs::permissions(path, fs::perms::owner_read);
  CHECK(resolved(yaml, {}, {}).admin_tokens == std::vector<std::string>{kAdmin});
}
