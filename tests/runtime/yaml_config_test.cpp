// The configuration scheme ringd and ringnode share: a key table of typed readers over YAML.
#include "ringruntime/yaml_config.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using ringruntime::ConfigValue;

struct Example {
  std::string name;
  long long count = 1;
  double ratio = 0.5;
  bool enabled = false;
  std::vector<std::string> items;
  std::string tls_cert;
};

const ringruntime::ConfigKeys<Example>& keys() {
  static const ringruntime::ConfigKeys<Example> table = {
      {"name", {[](Example& e, const ConfigValue& v) { e.name = ringruntime::read_text(v); }}},
      {"count", {[](Example& e, const ConfigValue& v) { e.count = ringruntime::read_integer(v, 1, 10); }}},
      {"ratio", {[](Example& e, const ConfigValue& v) { e.ratio = ringruntime::read_number(v, 0, 1); }}},
      {"enabled", {[](Example& e, const ConfigValue& v) { e.enabled = ringruntime::read_bool(v); }}},
      {"items", {[](Example& e, const ConfigValue& v) { e.items = ringruntime::read_text_list(v); }, true}},
      {"tls.cert", {[](Example& e, const ConfigValue& v) { e.tls_cert = ringruntime::read_text(v); }}},
  };
  return table;
}

const ringruntime::YamlConfigShape kShape{.known = ringruntime::key_names(keys()), .sections = {"tls"}};

Example read(const std::string& yaml) {
  Example example;
  ringruntime::apply_config(keys(), ringruntime::read_yaml_config(yaml, kShape), example);
  return example;
}

// The message of the kInvalidInput error reading `yaml` throws; "" when it reads.
std::string refusal(const std::string& yaml, const ringruntime::YamlConfigShape& shape = kShape) {
  try {
    Example example;
    ringruntime::apply_config(keys(), ringruntime::read_yaml_config(yaml, shape), example);
    return "";
  } catch (const ringcore::Error& e) {
    CHECK(e.code() == ringcore::ErrorCode::kInvalidInput);
    return e.message();
  }
}

}  // namespace

TEST_CASE("each key's reader fills its field, and a section's keys are read dotted, and absent keys keep defaults") {
  const Example all = read("name: n1\ncount: 7\nratio: 0.25\nenabled: yes\nitems: [a, b]\ntls: {cert: /c.pem}\n");
  CHECK(all.name == "n1");
  CHECK(all.count == 7);
  CHECK(all.ratio == 0.25);
  CHECK(all.enabled);
  CHECK(all.items == std::vector<std::string>{"a", "b"});
  CHECK(all.tls_cert == "/c.pem");
  const Example some = read("name: n2\n");
  CHECK(some.count == 1);
  CHECK(some.ratio == 0.5);
  CHECK_FALSE(some.enabled);
}

TEST_CASE("booleans are true/yes/1 or false/no/0") {
  for (const char* yes : {"true", "yes", "1"}) CHECK(read(std::string("enabled: ") + yes + "\n").enabled);
  for (const char* no : {"false", "no", "0"}) CHECK_FALSE(read(std::string("enabled: ") + no + "\n").enabled);
}

TEST_CASE("a bad value is refused naming the key, what was expected and what was given") {
  CHECK(refusal("name: [a]\n") == "name: must be a non-empty string, not a list");
  CHECK(refusal("name: ''\n") == "name: must be a non-empty string, not ''");
  CHECK(refusal("count: 11\n") == "count: must be an integer in 1..10, not '11'");
  CHECK(refusal("count: 2.5\n") == "count: must be an integer in 1..10, not '2.5'");
  CHECK(refusal("count: {a: 1}\n") == "count: must be an integer in 1..10, not a map");
  CHECK(refusal("ratio: lots\n") == "ratio: must be a number in 0..1, not 'lots'");
  CHECK(refusal("ratio: .nan\n") == "ratio: must be a number in 0..1, not '.nan'");
  CHECK(refusal("enabled: maybe\n") == "enabled: must be true or false, not 'maybe'");
  CHECK(refusal("items: a\n") == "items: must be a list, not 'a'");
  CHECK(refusal("items: [a, [b]]\n") == "items[1]: must be a non-empty string, not a list");
  CHECK(refusal("tls: {cert: [x]}\n") == "tls.cert: must be a non-empty string, not a list");
}

TEST_CASE("unknown keys, keys given twice and documents that are not a map are refused") {
  CHECK(refusal("colour: blue\n") == "colour: unknown key (known: count, enabled, items, name, ratio, tls.cert)");
  CHECK(refusal("tls: {chain: b}\n").starts_with("tls.chain: unknown key"));
  CHECK(refusal("tls: plain\n").starts_with("tls: unknown key"));  // a section must be a map
  CHECK(refusal("cert: x\n").starts_with("cert: unknown key"));    // a section's key only inside it
  CHECK(refusal("name: a\nname: b\n") == "name: is given twice");
  CHECK(refusal("- a\n- b\n") == "the config must be a YAML map of keys to values");
  CHECK(refusal("name: [unclosed\n").starts_with("not valid YAML: "));
}

TEST_CASE("an empty document is no keys only where the program allows it") {
  CHECK(refusal("") == "the config must be a YAML map of keys to values");
  CHECK(refusal("# only a comment\n") == "the config must be a YAML map of keys to values");
  ringruntime::YamlConfigShape may_be_empty = kShape;
  may_be_empty.may_be_empty = true;
  CHECK(refusal("", may_be_empty) == "");
  CHECK(ringruntime::read_yaml_config("", may_be_empty).empty());
}

TEST_CASE("values carry their label into messages, as a setting from elsewhere names its origin") {
  const ConfigValue from_flag{YAML::Node("soon"), "count (from --count)"};
  try {
    ringruntime::read_integer(from_flag, 1, 10);
    FAIL("read");
  } catch (const ringcore::Error& e) {
    CHECK(e.message() == "count (from --count): must be an integer in 1..10, not 'soon'");
  }
}

TEST_CASE("a config file that cannot be read is refused with its path") {
  try {
    ringruntime::read_config_file("/nonexistent/ringd.yaml");
    FAIL("read");
  } catch (const ringcore::Error& e) {
    CHECK(e.code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(e.message() == "/nonexistent/ringd.yaml: cannot read the config file");
  }
}
