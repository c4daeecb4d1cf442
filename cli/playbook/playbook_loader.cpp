#include "playbook/playbook_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "playbook/step_catalog.h"
#include "playbook/templates.h"
#include "playbook/variables.h"

namespace ringctl::playbook {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const std::vector<std::pair<const char*, StepKind>> kKinds = {
    {"check", StepKind::kCheck}, {"act", StepKind::kAct}, {"wait", StepKind::kWait},
    {"ask", StepKind::kAsk},     {"ssh", StepKind::kSsh}, {"foreach", StepKind::kForeach}};

// `text` (which may quote the file's keys and values) with its control characters written as
// \xNN, so that each problem stays on its own line.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
      continue;
    }
    static const char kHex[] = "0123456789abcdef";
    out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
  }
  return out;
}

// Collects every problem with file, line and field, and what is known to be referable.
class Checker {
 public:
  explicit Checker(std::string path) : path_(std::move(path)) {}

  void problem(const YAML::Node& node, const std::string& field, const std::string& what) {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
    problems_ += (problems_.empty() ? "" : "\n") + path_ + ":" + std::to_string(line) + ": " + one_line(field) + ": " +
                 one_line(what);
  }
  bool failed() const { return !problems_.empty(); }
  const std::string& problems() const { return problems_; }

  Playbook read(const YAML::Node& root) {
    Playbook book;
    book.path = path_;
    if (!root.IsMap()) {
      problem(root, "playbook", "must be a YAML map with name, description, variables and steps");
      return book;
    }
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (!contains({"name", "description", "topology", "variables", "steps"}, key)) {
        problem(entry.first, key, "unknown key (known: name, description, topology, variables, steps)");
      }
    }
    book.name = text(root["name"], "name", true);
    book.description = text(root["description"], "description", false);
    if (root["topology"]) {
      const std::string topology = text(root["topology"], "topology", true);
      if (topology != "true" && topology != "false") problem(root["topology"], "topology", "must be true or false");
      book.topology = topology == "true";
    }
    if (root["variables"]) read_variables(root["variables"], book);
    for (const VariableSpec& variable : book.variables) referable_.insert(variable.name);
    referable_.insert("run_id");
    const YAML::Node steps = root["steps"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
      problem(steps ? steps : root, "steps", "must be a non-empty list of steps");
    } else {
      book.steps = read_steps(steps, "steps", book);
    }
    return book;
  }

 private:
  std::string text(const YAML::Node& node, const std::string& field, bool required) {
    if (!node) {
      if (required) problem(node, field, "is required");
      return "";
    }
    if (!node.IsScalar()) {
      problem(node, field, "must be text, not a " + std::string(node.IsSequence() ? "list" : "map"));
      return "";
    }
    if (required && node.Scalar().empty()) problem(node, field, "must not be empty");
    return node.Scalar();
  }

  // A parameter the step's catalog entry requires: given, it must not be empty either.
  static bool required_by(const CatalogEntry* entry, const std::string& param) {
    return entry != nullptr && contains(entry->required, param);
  }

  // A parameter that must be a number of at least 0; one with a {{reference}} is checked when
  // the step runs, its value known.
  void check_number(const YAML::Node& node, const std::string& field, const std::string& value) {
    if (value.empty() || value.find("{{") != std::string::npos) return;
    if (!non_negative_number(value)) problem(node, field, "must be a number of at least 0, not '" + value + "'");
  }

  std::optional<double> number(const YAML::Node& node, const std::string& field) {
    if (!node) return std::nullopt;
    try {
      return node.as<double>();
    } catch (const YAML::Exception&) {
      problem(node, field, "must be a number, not '" + (node.IsScalar() ? node.Scalar() : std::string("a list")) + "'");
      return std::nullopt;
    }
  }

  void read_variables(const YAML::Node& node, Playbook& book) {
    if (!node.IsMap()) {
      problem(node, "variables", "must be a map of variable names to {type, default, description, ...}");
      return;
    }
    for (const auto& entry : node) {
      VariableSpec spec;
      spec.name = entry.first.Scalar();
      spec.line = entry.first.Mark().line + 1;
      const std::string field = "variables." + spec.name;
      const YAML::Node body = entry.second;
      if (!body.IsMap()) {
        problem(body, field, "must be a map with type, default, description");
        continue;
      }
      for (const auto& key : body) {
        if (!contains({"type", "default", "description", "min", "max", "choices"}, key.first.Scalar())) {
          problem(key.first, field + "." + key.first.Scalar(),
                  "unknown key (known: type, default, description, min, max, choices)");
        }
      }
      const std::string type = body["type"] ? text(body["type"], field + ".type", true) : "string";
      bool known_type = false;
      for (VariableType candidate : {VariableType::kString, VariableType::kInt, VariableType::kNumber,
                                     VariableType::kBool, VariableType::kList, VariableType::kDuration}) {
        if (type == variable_type_name(candidate)) {
          spec.type = candidate;
          known_type = true;
        }
      }
      if (!known_type)
        problem(body["type"], field + ".type",
                "unknown type '" + type + "' (known: string, int, number, bool, list, duration)");
      spec.description = text(body["description"], field + ".description", false);
      spec.min = number(body["min"], field + ".min");
      spec.max = number(body["max"], field + ".max");
      if (const YAML::Node choices = body["choices"]) {
        if (!choices.IsSequence()) {
          problem(choices, field + ".choices", "must be a list");
        } else {
          for (const auto& choice : choices) spec.choices.push_back(choice.Scalar());
        }
      }
      if (const YAML::Node value = body["default"]) {
        spec.default_value = value.IsSequence() ? "" : text(value, field + ".default", false);
        if (value.IsSequence()) {
          for (const auto& item : value)
            *spec.default_value += (spec.default_value->empty() ? "" : ",") + item.Scalar();
        }
        if (known_type) {
          auto checked = check_value(spec, *spec.default_value);
          if (!checked) {
            problem(value, field + ".default", checked.error().message());
          } else {
            spec.default_value = *checked;
          }
        }
      }
      book.variables.push_back(std::move(spec));
    }
  }

  // Checks the {{references}} of a parameter's text.
  void check_references(const YAML::Node& node, const std::string& field, const std::string& value) {
    auto names = template_references(value);
    if (!names) {
      problem(node, field, names.error().message());
      return;
    }
    for (const std::string& name : *names) {
      if (!referable_.contains(name)) {
        problem(node, field, "{{" + name + "}} is no variable, foreach item or value of an earlier step");
      }
    }
  }

  std::vector<Step> read_steps(const YAML::Node& list, const std::string& field, const Playbook& book) {
    std::vector<Step> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(read_step(list[i], field + "[" + std::to_string(i + 1) + "]", book));
    }
    return steps;
  }

  Step read_step(const YAML::Node& node, const std::string& field, const Playbook& book) {
    Step step;
    step.line = node.Mark().line + 1;
    if (!node.IsMap()) {
      problem(node, field, "a step must be a map with one of check, act, wait, ask, ssh, foreach");
      return step;
    }
    std::vector<std::string> kinds;
    for (const auto& [key, kind] : kKinds) {
      if (node[key]) {
        kinds.emplace_back(key);
        step.kind = kind;
      }
    }
    if (kinds.size() != 1) {
      problem(node, field,
              kinds.empty() ? "no step kind: a step has one of check, act, wait, ask, ssh, foreach (unknown step kind?)"
                            : "more than one step kind: " + joined(kinds));
      return step;
    }
    const std::string kind_key = kinds.front();
    const YAML::Node what = node[kind_key];
    step.what = text(what, field + "." + kind_key, true);
    const CatalogEntry* entry = nullptr;
    std::vector<std::string> allowed = common_params(step.kind);
    if (!catalog_of(step.kind).empty()) {
      entry = find_entry(step.kind, step.what);
      if (entry == nullptr && !step.what.empty()) {
        std::vector<std::string> known;
        for (const CatalogEntry& candidate : catalog_of(step.kind)) known.push_back(candidate.name);
        problem(what, field + "." + kind_key,
                "unknown " +
                    std::string(kind_key == "act"    ? "action"
                                : kind_key == "wait" ? "condition"
                                                     : "check") +
                    " '" + step.what + "' (known: " + joined(known) + ")");
      }
      if (entry != nullptr) allowed.insert(allowed.end(), entry->params.begin(), entry->params.end());
    } else if (step.kind != StepKind::kForeach) {
      check_references(what, field + "." + kind_key, step.what);
    }
    for (const auto& item : node) {
      const std::string key = item.first.Scalar();
      if (key == kind_key || key == "steps") continue;
      if (key == "with") {
        if (!item.second.IsMap()) {
          problem(item.second, field + ".with", "must be a map of parameters");
          continue;
        }
        for (const auto& param : item.second) {
          const std::string name = "with." + param.first.Scalar();
          if (!contains(allowed, name)) {
            problem(param.first, field + "." + name,
                    "unknown parameter" + (entry ? " of " + entry->name : std::string()));
            continue;
          }
          const std::string value = text(param.second, field + "." + name, required_by(entry, name));
          check_references(param.second, field + "." + name, value);
          if (entry != nullptr && contains(entry->numbers, name)) check_number(param.second, field + "." + name, value);
          step.params[name] = value;
        }
        continue;
      }
      if (!contains(allowed, key)) {
        std::vector<std::string> known = {kind_key};
        for (const std::string& param : allowed) {
          if (!param.starts_with("with.")) known.push_back(param);
        }
        problem(item.first, field + "." + key,
                "unknown key for a " + kind_key + " step (known: " + joined(known) + ", with)");
        continue;
      }
      const std::string value = text(item.second, field + "." + key, required_by(entry, key));
      if (key == "name") {
        step.name = value;
      } else if (key == "as") {
        step.as = value;
        continue;
      } else {
        step.params[key] = value;
      }
      if (key != "as") check_references(item.second, field + "." + key, value);
    }
    if (step.kind == StepKind::kCheck && step.params.contains("block_on") &&
        step.params["block_on"].find("{{") == std::string::npos &&
        !contains({"warn", "critical", "never"}, step.params["block_on"])) {
      problem(node["block_on"], field + ".block_on", "must be warn, critical or never");
    }
    if (entry != nullptr) {
      for (const std::string& required : entry->required) {
        if (!step.params.contains(required)) problem(node, field + "." + required, "is required by " + entry->name);
      }
    }
    if (step.kind == StepKind::kForeach) read_foreach(node, field, step, book);
    if (step.kind == StepKind::kForeach && step.what == "new_nodes") referable_.insert(kEarlierNewNodes);
    if (step.kind == StepKind::kSsh && !step.params.contains("host"))
      problem(node, field + ".host", "is required by an ssh step");
    if (entry != nullptr) referable_.insert(entry->exports.begin(), entry->exports.end());
    return step;
  }

  // node and count belong to a foreach over primary_segments (whose node, split into how many),
  // which needs both: a count given as text a whole number of at least 1.
  void check_segment_params(const YAML::Node& node, const std::string& field, const Step& step) {
    const bool segments = step.what == kPrimarySegments;
    for (const char* key : {"node", "count"}) {
      if (segments && !step.params.contains(key)) {
        problem(node, field + "." + key, std::string("is required by a foreach over ") + kPrimarySegments);
      } else if (!segments && step.params.contains(key)) {
        problem(node[key], field + "." + key, std::string("is only for a foreach over ") + kPrimarySegments);
      }
    }
    const auto count = step.params.find("count");
    if (!segments || count == step.params.end() || count->second.find("{{") != std::string::npos) return;
    const auto number = non_negative_number(count->second);
    if (!number || *number < 1 || *number != static_cast<double>(static_cast<long>(*number)))
      problem(node["count"], field + ".count", "'" + count->second + "' is not a whole number of at least 1");
  }

  void read_foreach(const YAML::Node& node, const std::string& field, Step& step, const Playbook& book) {
    const bool builtin = contains(builtin_lists(), step.what);
    bool list_variable = false;
    for (const VariableSpec& variable : book.variables) {
      if (variable.name == step.what && variable.type == VariableType::kList) list_variable = true;
    }
    if (!builtin && !list_variable && !referable_.contains(step.what)) {
      problem(node["foreach"], field + ".foreach",
              "'" + step.what + "' is neither " + joined(builtin_lists()) +
                  ", a list variable nor a list an earlier step exports");
    }
    if (step.as.empty()) problem(node, field + ".as", "is required by a foreach (the name each item is bound to)");
    check_segment_params(node, field, step);
    const YAML::Node steps = node["steps"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
      problem(steps ? steps : node, field + ".steps", "must be a non-empty list of steps");
      return;
    }
    // Within its steps: the item as `as`, and its 1-based position as `as`_index (runner.cpp).
    const std::string index = step.as + "_index";
    const bool shadowed = referable_.contains(step.as), index_shadowed = referable_.contains(index);
    referable_.insert(step.as);
    referable_.insert(index);
    step.steps = read_steps(steps, field + ".steps", book);
    if (!shadowed) referable_.erase(step.as);
    if (!index_shadowed) referable_.erase(index);
  }

  std::string path_;
  std::string problems_;
  std::set<std::string> referable_;
};

}  // namespace

ringcore::Result<Playbook> parse_playbook(const std::string& yaml_text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    return ringcore::Error::invalid_input(path + ":" + std::to_string(e.mark.line + 1) +
                                          ": playbook: not valid YAML: " + e.msg);
  }
  Checker checker(path);
  Playbook book = checker.read(root);
  if (checker.failed()) return ringcore::Error::invalid_input(checker.problems());
  return book;
}

ringcore::Result<Playbook> load_playbook(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ringcore::Error::invalid_input(path + ": cannot read the playbook");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_playbook(text.str(), path);
}

}  // namespace ringctl::playbook
