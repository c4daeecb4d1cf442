#include "agent_config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "ringruntime/yaml_config.h"

namespace ringd {
namespace {

using ringcore::Error;

constexpr std::size_t kMinTokenLength = 16;

using namespace ringruntime::config_readers;  // ConfigValue, config_error and the read_* readers

bool valid_host(const std::string& host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':';
  });
}

HostPort host_port_of(const ConfigValue& value) {
  const std::string text = read_text(value);
  const std::size_t colon = text.rfind(':');
  const std::string form = "must be HOST:PORT such as 127.0.0.1:7070, not '" + text + "'";
  if (colon == std::string::npos || colon == 0) throw config_error(value, form);
  HostPort result{text.substr(0, colon), 0};
  if (result.host.front() == '[' && result.host.back() == ']')
    result.host = result.host.substr(1, result.host.size() - 2);
  if (!valid_host(result.host)) throw config_error(value, form);
  result.port = static_cast<int>(read_integer({YAML::Node(text.substr(colon + 1)), value.label + " port"}, 1, 65535));
  return result;
}

// As ssh does for a private key: a token file others may read or change is refused. Group
// read is allowed only for ringd's own group (the packaged unit's root:ringd 0640).
void check_token_file_mode(const ConfigValue& value, const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw config_error(value, "cannot read the token file " + path);
  const mode_t mode = info.st_mode & 0777;
  const bool others = (mode & S_IRWXO) != 0;
  const bool group_writes = (mode & (S_IWGRP | S_IXGRP)) != 0;
  const bool foreign_group_reads = (mode & S_IRGRP) != 0 && info.st_gid != ::getegid();
  if (!others && !group_writes && !foreign_group_reads) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  throw config_error(value, "the token file " + path + " is accessible by " + (others ? "others" : "its group") +
                                " (mode " + octal + "): run chmod 600 " + path +
                                " (or chmod 640 with ringd's own group as its group)");
}

// Tokens, one a line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> tokens_from_file(const ConfigValue& value) {
  const std::string path = read_text(value);
  check_token_file_mode(value, path);
  std::ifstream in(path);
  if (!in) throw config_error(value, "cannot read the token file " + path);
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    line.erase(std::find_if(line.rbegin(), line.rend(), [](unsigned char c) { return !std::isspace(c); }).base(),
               line.end());
    line.erase(line.begin(), std::find_if(line.begin(), line.end(), [](unsigned char c) { return !std::isspace(c); }));
    if (!line.empty() && line.front() != '#') tokens.push_back(line);
  }
  if (tokens.empty()) throw config_error(value, "the token file " + path + " holds no token");
  return tokens;
}

// The password: the file's first line (without its line end).
std::string password_from_file(const ConfigValue& value) {
  const std::string path = read_text(value);
  std::ifstream in(path);
  if (!in) throw config_error(value, "cannot read the password file " + path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw config_error(value, "the password file " + path + " is empty");
  return line;
}

void append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

const ringruntime::ConfigKeys<AgentConfig>& keys() {
  static const ringruntime::ConfigKeys<AgentConfig> table = {
      {"listen", {[](AgentConfig& c, const ConfigValue& v) { c.listen = host_port_of(v); }}},
      {"backend", {[](AgentConfig& c, const ConfigValue& v) {
         c.backend = read_text(v);
         if (c.backend != "lab" && c.backend != "cassandra") {
           throw config_error(v,
                              "must be 'lab' (a ringnode) or 'cassandra' (through Jolokia), not '" + c.backend + "'");
         }
       }}},
      {"node", {[](AgentConfig& c, const ConfigValue& v) { c.node = host_port_of(v); }}},
      {"jolokia_url", {[](AgentConfig& c, const ConfigValue& v) {
         auto endpoint = parse_jolokia_url(read_text(v));
         if (!endpoint) throw config_error(v, endpoint.error().message());
         c.jolokia = *endpoint;
       }}},
      {"jolokia_user", {[](AgentConfig& c, const ConfigValue& v) { c.jolokia_user = read_text(v); }}},
      {"jolokia_password_file",
       {[](AgentConfig& c, const ConfigValue& v) { c.jolokia_password = password_from_file(v); }}},
      {"cluster", {[](AgentConfig& c, const ConfigValue& v) { c.cluster = read_text(v); }}},
      {"interval_seconds",
       {[](AgentConfig& c, const ConfigValue& v) { c.interval_seconds = read_number(v, 0.1, 3600); }}},
      {"audit_log", {[](AgentConfig& c, const ConfigValue& v) { c.audit_log = read_text(v); }}},
      {"tls.cert", {[](AgentConfig& c, const ConfigValue& v) { c.tls_cert = read_text(v); }}},
      {"tls.key", {[](AgentConfig& c, const ConfigValue& v) { c.tls_key = read_text(v); }}},
      {"tokens.read", {[](AgentConfig& c, const ConfigValue& v) { append(c.read_tokens, read_text_list(v)); }, true}},
      {"tokens.admin", {[](AgentConfig& c, const ConfigValue& v) { append(c.admin_tokens, read_text_list(v)); }, true}},
      {"read_token_file", {[](AgentConfig& c, const ConfigValue& v) { append(c.read_tokens, tokens_from_file(v)); }}},
      {"admin_token_file", {[](AgentConfig& c, const ConfigValue& v) { append(c.admin_tokens, tokens_from_file(v)); }}},
      {"max_body_bytes", {[](AgentConfig& c, const ConfigValue& v) {
         c.max_body_bytes = static_cast<std::size_t>(read_integer(v, 1024, 64 << 20));
       }}},
      {"open_metrics", {[](AgentConfig& c, const ConfigValue& v) { c.open_metrics = read_bool(v); }}},
  };
  return table;
}

std::string known_keys() { return ringruntime::joined(ringruntime::key_names(keys())); }

std::string environment_name(const std::string& key) {
  std::string name = "RINGD_";
  for (char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

// A setting given as text, as the YAML node the readers take: a list key splits on commas.
ConfigValue value_of_setting(const std::string& key, const Setting& setting) {
  const std::string label = key + " (from " + setting.origin + ")";
  auto found = keys().find(key);
  if (found == keys().end()) throw ringruntime::unknown_key(label, ringruntime::key_names(keys()));
  if (!found->second.list) return {YAML::Node(setting.value), label};
  YAML::Node list(YAML::NodeType::Sequence);
  std::istringstream in(setting.value);
  std::string item;
  while (std::getline(in, item, ',')) list.push_back(item);
  return {list, label};
}

void check_tokens(const AgentConfig& config) {
  std::set<std::string> read(config.read_tokens.begin(), config.read_tokens.end());
  for (const auto* tokens : {&config.read_tokens, &config.admin_tokens}) {
    const std::string role = tokens == &config.read_tokens ? "tokens.read" : "tokens.admin";
    for (const std::string& token : *tokens) {
      if (token.size() < kMinTokenLength) {
        throw Error::invalid_input(role + ": a token must have at least " + std::to_string(kMinTokenLength) +
                                   " characters (e.g. openssl rand -hex 24)");
      }
      if (std::any_of(token.begin(), token.end(),
                      [](unsigned char c) { return std::isspace(c) || !std::isprint(c); })) {
        throw Error::invalid_input(role + ": a token must be printable characters without spaces");
      }
    }
  }
  for (const std::string& token : config.admin_tokens) {
    if (read.contains(token))
      throw Error::invalid_input("tokens.admin: a token is also given as a read token; give each token one role");
  }
}

void check_whole(const AgentConfig& config) {
  if (config.jolokia_user.empty() != config.jolokia_password.empty()) {
    throw Error::invalid_input(std::string(config.jolokia_user.empty() ? "jolokia_user" : "jolokia_password_file") +
                               ": is required with " +
                               (config.jolokia_user.empty() ? "jolokia_password_file" : "jolokia_user"));
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw Error::invalid_input(std::string(config.tls_cert.empty() ? "tls.cert" : "tls.key") + ": is required with " +
                               (config.tls_cert.empty() ? "tls.key" : "tls.cert"));
  }
  check_tokens(config);
  if (!is_loopback(config.listen.host) && !config.has_tokens()) {
    throw Error::invalid_input("listen: " + config.listen.text() +
                               " is not a loopback address, and no token is configured: refusing to serve the API "
                               "without authentication (set tokens.admin / admin_token_file, or listen on 127.0.0.1)");
  }
}

}  // namespace

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.starts_with("127."); }

ringcore::Result<Settings> settings_from_environment(const std::vector<std::string>& environment) {
  Settings settings;
  for (const std::string& entry : environment) {
    const std::size_t eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    if (!name.starts_with("RINGD_") || eq == std::string::npos) continue;
    const std::string value = entry.substr(eq + 1);
    if (name == "RINGD_CONFIG") {
      settings["config"] = {value, name};
      continue;
    }
    auto key =
        std::find_if(keys().begin(), keys().end(), [&](const auto& k) { return environment_name(k.first) == name; });
    if (key == keys().end())
      return Error::invalid_input(name + ": unknown ringd setting (RINGD_CONFIG or RINGD_<KEY> for a key of " +
                                  known_keys() + ")");
    settings[key->first] = {value, name};
  }
  return settings;
}

ringcore::Result<AgentConfig> resolve_agent_config(std::string_view yaml_text, const Settings& environment,
                                                   const Settings& flags) {
  try {
    // The file's keys, the nested maps tls and tokens read as dotted keys (tls.cert).
    std::map<std::string, ConfigValue> values = ringruntime::read_yaml_config(
        yaml_text, {.known = ringruntime::key_names(keys()), .sections = {"tls", "tokens"}, .may_be_empty = true});
    for (const Settings* layer : {&environment, &flags}) {
      for (const auto& [key, setting] : *layer) {
        if (key != "config") values.insert_or_assign(key, value_of_setting(key, setting));
      }
    }
    AgentConfig config;
    ringruntime::apply_config(keys(), values, config);
    check_whole(config);
    return config;
  } catch (const Error& error) {
    return error;
  }
}

void add_agent_flags(CLI::App& app, CommandLine& out) {
  app.add_option("--config", out.config_path, "the YAML configuration file (man ringd)");
  struct Flag {
    const char* name;
    const char* key;
    const char* help;
  };
  static const Flag flags[] = {
      {"--listen", "listen", "ADDR:PORT to serve the API on (default 127.0.0.1:7070)"},
      {"--backend", "backend", "what the node is: lab (a ringnode) or cassandra (through Jolokia)"},
      {"--node", "node", "HOST:PORT of the node's admin API (default 127.0.0.1:9042; backend lab)"},
      {"--jolokia-url", "jolokia_url", "the Cassandra node's Jolokia agent (default http://127.0.0.1:8778/jolokia)"},
      {"--jolokia-user", "jolokia_user", "user for the Jolokia agent (with --jolokia-password-file)"},
      {"--jolokia-password-file", "jolokia_password_file", "file whose first line is the Jolokia password"},
      {"--cluster", "cluster", "the cluster's name in metrics (default: the node's)"},
      {"--interval", "interval_seconds", "seconds between collections (default 2)"},
      {"--audit-log", "audit_log", "append one JSON line per mutating call to this file"},
      {"--tls-cert", "tls.cert", "PEM certificate: serve HTTPS (with --tls-key)"},
      {"--tls-key", "tls.key", "PEM private key of --tls-cert"},
      {"--read-token-file", "read_token_file", "file of read-only bearer tokens, one a line"},
      {"--admin-token-file", "admin_token_file", "file of admin bearer tokens, one a line"},
      {"--max-body-bytes", "max_body_bytes", "largest request body accepted (default 65536)"},
  };
  for (const Flag& flag : flags) {
    app.add_option_function<std::string>(
        flag.name,
        [&out, flag](const std::string& value) {
          out.flags[flag.key] = {value, flag.name};
        },
        flag.help);
  }
}

ringcore::Result<AgentConfig> load_agent_config(const CommandLine& command_line, const Settings& environment) {
  std::string path = command_line.config_path;
  if (path.empty()) {
    auto from_environment = environment.find("config");
    if (from_environment != environment.end()) path = from_environment->second.value;
  }
  std::string text;
  if (!path.empty()) {
    try {
      text = ringruntime::read_config_file(path);
    } catch (const Error& error) {
      return error;
    }
  }
  auto config = resolve_agent_config(text, environment, command_line.flags);
  if (!config && !path.empty()) return config.error().with_context(path);
  return config;
}

}  // namespace ringd
