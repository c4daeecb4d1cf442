// ringd's configuration: a YAML file, RINGD_* environment variables and command-line flags,
// resolved with the precedence flags > environment > file > defaults and validated by key
// (docs/api.md "Configuration", man/ringd.8).
//
// Keys (dotted for the nested YAML maps): listen, backend, node, jolokia_url, jolokia_user,
// jolokia_password_file, cluster, interval_seconds, audit_log, tls.cert, tls.key, tokens.read, tokens.admin,
// read_token_file, admin_token_file, max_body_bytes, open_metrics. The environment name of a key is RINGD_ + the key in
// upper case with '.' as '_' (RINGD_TLS_CERT); list keys take comma-separated values there.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jolokia_client.h"
#include "ringcore/error.h"

namespace CLI {
class App;
}

namespace ringd {

struct HostPort {
  std::string host;
  int port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

struct AgentConfig {
  HostPort listen{"127.0.0.1", 7070};
  std::string backend = "lab";       // lab (a ringnode) or cassandra (through Jolokia)
  HostPort node{"127.0.0.1", 9042};  // the node's admin API (ringnode's native_port); lab only
  JolokiaEndpoint jolokia{false, "127.0.0.1", 8778, "/jolokia"};  // cassandra only
  std::string jolokia_user;                                       // empty: no credentials
  std::string jolokia_password;                                   // from jolokia_password_file
  std::string cluster;                                            // empty: the cluster name the node reports
  double interval_seconds = 2.0;                                  // between collections
  std::string audit_log;  // a file appended to; empty: audit lines go to the log (stderr)
  std::string tls_cert;   // both or neither: HTTPS
  std::string tls_key;
  std::vector<std::string> read_tokens;   // from tokens.read and read_token_file
  std::vector<std::string> admin_tokens;  // from tokens.admin and admin_token_file
  std::size_t max_body_bytes = 65536;
  bool open_metrics = true;  // /metrics without a token even when tokens are configured

  bool tls() const { return !tls_cert.empty(); }
  bool has_tokens() const { return !read_tokens.empty() || !admin_tokens.empty(); }
};

// A key's value given as text, with where it came from, for messages ("RINGD_LISTEN", "--listen").
struct Setting {
  std::string value;
  std::string origin;
};
using Settings = std::map<std::string, Setting>;  // by key

// The RINGD_* variables among `environment` ("NAME=VALUE" strings, as in environ). RINGD_CONFIG
// (the config file) is returned under the key "config". An unknown RINGD_ name is an error
// naming it.
ringcore::Result<Settings> settings_from_environment(const std::vector<std::string>& environment);

// Resolves the file's YAML text (empty: no file), then `environment`, then `flags` over the
// defaults, and validates the result. Token files are read here. Errors (kInvalidInput) name
// the key and, for a value not from the file, its origin: "interval_seconds (from --interval):
// must be a number in 0.1..3600, not 'soon'". Refused besides bad values: unknown keys, tls.cert
// without tls.key, tokens shorter than 16 characters or given for both roles, and a listen
// address other than loopback with no token configured (the message names the address).
ringcore::Result<AgentConfig> resolve_agent_config(std::string_view yaml_text, const Settings& environment,
                                                   const Settings& flags);

// The command line: the config file's path and the flags given.
struct CommandLine {
  std::string config_path;
  Settings flags;
};

// Declares ringd's flags on `app`; parsing fills `out`.
void add_agent_flags(CLI::App& app, CommandLine& out);

// Reads the config file (the flag's, else RINGD_CONFIG's, else none) and resolves it with the
// environment and the flags. Errors reading the file are prefixed with its path.
ringcore::Result<AgentConfig> load_agent_config(const CommandLine& command_line, const Settings& environment);

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

}  // namespace ringd
