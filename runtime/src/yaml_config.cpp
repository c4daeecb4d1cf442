#include "ringruntime/yaml_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ringruntime {
namespace {

using ringcore::Error;

// The scalar's text, or "" for anything else (which no reader accepts).
std::string scalar_or_empty(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : ""; }

void flatten(const YAML::Node& map, const std::string& prefix, const YamlConfigShape& shape,
             std::map<std::string, ConfigValue>& out) {
  for (const auto& entry : map) {
    const std::string key = prefix + (entry.first.IsScalar() ? entry.first.Scalar() : "?");
    const bool section =
        prefix.empty() && std::find(shape.sections.begin(), shape.sections.end(), key) != shape.sections.end();
    if (section && entry.second.IsMap()) {
      flatten(entry.second, key + ".", shape, out);
      continue;
    }
    if (section || std::find(shape.known.begin(), shape.known.end(), key) == shape.known.end()) {
      throw unknown_key(key, shape.known);
    }
    if (!out.emplace(key, ConfigValue{entry.second, key}).second) throw config_error(key, "is given twice");
  }
}

}  // namespace

inline namespace config_readers {

Error config_error(const std::string& label, const std::string& what) {
  return Error::invalid_input(label + ": " + what);
}

Error config_error(const ConfigValue& value, const std::string& what) { return config_error(value.label, what); }

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

std::string read_text(const ConfigValue& value) {
  if (!value.node.IsScalar() || value.node.Scalar().empty()) {
    throw config_error(value, "must be a non-empty string, not " + describe(value.node));
  }
  return value.node.Scalar();
}

long long read_integer(const ConfigValue& value, long long low, long long high) {
  const std::string text = scalar_or_empty(value.node);
  long long number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || number < low || number > high) {
    throw config_error(value, "must be an integer in " + std::to_string(low) + ".." + std::to_string(high) + ", not " +
                                  describe(value.node));
  }
  return number;
}

double read_number(const ConfigValue& value, double low, double high) {
  const std::string text = scalar_or_empty(value.node);
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(number) ||
      number < low || number > high) {
    std::ostringstream range;
    range << "must be a number in " << low << ".." << high << ", not " << describe(value.node);
    throw config_error(value, range.str());
  }
  return number;
}

bool read_bool(const ConfigValue& value) {
  const std::string text = scalar_or_empty(value.node);
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  throw config_error(value, "must be true or false, not " + describe(value.node));
}

std::vector<std::string> read_text_list(const ConfigValue& value) {
  if (!value.node.IsSequence()) throw config_error(value, "must be a list, not " + describe(value.node));
  std::vector<std::string> items;
  for (std::size_t i = 0; i < value.node.size(); ++i) {
    items.push_back(read_text({value.node[i], value.label + "[" + std::to_string(i) + "]"}));
  }
  return items;
}

}  // namespace config_readers

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

Error unknown_key(const std::string& label, const std::vector<std::string>& known) {
  return Error::invalid_input(label + ": unknown key (known: " + joined(known) + ")");
}

std::map<std::string, ConfigValue> read_yaml_config(std::string_view yaml_text, const YamlConfigShape& shape) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Error::invalid_input("not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  std::map<std::string, ConfigValue> values;
  if (root.IsNull() && shape.may_be_empty) return values;
  if (!root.IsMap()) throw Error::invalid_input("the config must be a YAML map of keys to values");
  flatten(root, "", shape, values);
  return values;
}

std::string read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error::invalid_input(path + ": cannot read the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ringruntime
