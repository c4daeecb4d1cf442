// Reading a program's YAML configuration (ringd's, ringnode's): one key table, typed readers,
// one phrasing of errors. A program declares its keys as a table of readers into its config
// struct; read_yaml_config() checks the file's keys against the table, and each reader turns
// a value into a field or throws.
//
// Errors are ringcore::Error kInvalidInput "<label>: <what is wrong>", the label naming the
// key and, for a value not from the file, where it came from ("interval_seconds (from
// --interval): must be a number in 0.1..3600, not 'soon'").
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"

namespace ringruntime {

// The readers a program's key table is written with. A program's config file brings them all in
// with one `using namespace ringruntime::config_readers;`.
inline namespace config_readers {

// A value being read and how messages name it: "listen", "seeds[2]", "listen (from RINGD_LISTEN)".
struct ConfigValue {
  YAML::Node node;
  std::string label;
};

// The error for `value`, or for the key named `label`: "<label>: <what>".
ringcore::Error config_error(const ConfigValue& value, const std::string& what);
ringcore::Error config_error(const std::string& label, const std::string& what);
// How messages show a value: 'text' for a scalar, else "a list", "a map" or "nothing".
std::string describe(const YAML::Node& node);

// ---- typed readers: the value, or a thrown config_error saying what was expected ----

std::string read_text(const ConfigValue& value);  // a non-empty string
long long read_integer(const ConfigValue& value, long long low, long long high);
double read_number(const ConfigValue& value, double low, double high);  // finite
bool read_bool(const ConfigValue& value);                               // true/yes/1 or false/no/0
std::vector<std::string> read_text_list(const ConfigValue& value);      // a list of non-empty strings

}  // namespace config_readers

// ---- the key table ----

template <typename Config>
struct ConfigKey {
  std::function<void(Config&, const ConfigValue&)> read;
  bool list = false;  // given comma-separated where only text can be given (environment, flags)
};
template <typename Config>
using ConfigKeys = std::map<std::string, ConfigKey<Config>>;  // by key, dotted in sections

template <typename Config>
std::vector<std::string> key_names(const ConfigKeys<Config>& keys) {
  std::vector<std::string> names;
  for (const auto& entry : keys) names.push_back(entry.first);
  return names;
}

// Key names as messages list them: "a, b, c".
std::string joined(const std::vector<std::string>& names);
// The error for a key not in the table: "<label>: unknown key (known: a, b, c)".
ringcore::Error unknown_key(const std::string& label, const std::vector<std::string>& known);

struct YamlConfigShape {
  std::vector<std::string> known = {};     // every key, sections' keys dotted ("tls.cert")
  std::vector<std::string> sections = {};  // nested maps whose keys are read as "<section>.<key>"
  bool may_be_empty = false;               // whether an empty document is no keys, or an error
};

// The document's values by key, labelled with their key. Throws config_error for YAML that
// does not parse ("not valid YAML: ... (line N)"), a document that is not a map ("the config
// must be a YAML map of keys to values"), unknown keys and keys given twice ("<key>: is given
// twice").
std::map<std::string, ConfigValue> read_yaml_config(std::string_view yaml_text, const YamlConfigShape& shape);

// Runs each value's reader from `keys` over `config`, in key order.
// REQUIRES: every key of `values` is in `keys` (read_yaml_config checked them).
template <typename Config>
void apply_config(const ConfigKeys<Config>& keys, const std::map<std::string, ConfigValue>& values, Config& config) {
  for (const auto& [key, value] : values) keys.at(key).read(config, value);
}

// The text of a config file; throws kInvalidInput "<path>: cannot read the config file".
std::string read_config_file(const std::string& path);

}  // namespace ringruntime
