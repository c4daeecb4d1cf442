// A playbook: a procedure as data (playbooks/*.yaml, docs in man/ringctl-playbook.5). One
// engine runs every playbook; a new procedure is a new file, plus at most a new named check,
// action or condition in the step catalog (step_catalog.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ringctl::playbook {

enum class VariableType { kString, kInt, kNumber, kBool, kList, kDuration };

// "string", "int", "number", "bool", "list", "duration".
const char* variable_type_name(VariableType type);

// A variable the operator may set with --var NAME=VALUE.
struct VariableSpec {
  std::string name;
  VariableType type = VariableType::kString;
  std::optional<std::string> default_value;  // none: the operator must give it
  std::string description;
  std::optional<double> min, max;    // int, number, duration: the accepted range
  std::vector<std::string> choices;  // string: the accepted values (empty: any)
  int line = 0;
};

enum class StepKind { kCheck, kAct, kWait, kAsk, kSsh, kForeach };

// "check", "act", "wait", "ask", "ssh", "foreach": also the YAML key that makes a step one.
const char* step_kind_name(StepKind kind);

// One step. `what` is the value of its kind's key: the check, action or condition name, the
// question of an ask, the command of an ssh step, the list of a foreach. Every text may hold
// {{name}} references, filled in when the step runs.
struct Step {
  StepKind kind = StepKind::kCheck;
  std::string what;
  std::string name;                           // as shown; "" = made from kind and what
  std::map<std::string, std::string> params;  // node, timeout, with.* ..., per the catalog
  std::string as;                             // foreach: the name each item is bound to
  std::vector<Step> steps;                    // foreach: the steps run per item
  int line = 0;
};

struct Playbook {
  std::string name;
  std::string description;
  bool topology = false;  // changes the ring: one such run per cluster at a time (cluster_lock.h)
  std::vector<VariableSpec> variables;
  std::vector<Step> steps;
  std::string path;  // the file it was read from
};

// The shown name of a step: its `name`, else "<kind> <what>".
std::string step_title(const Step& step);

// Whether `steps` (foreach bodies included) start or stop nodes through the launcher.
bool uses_launcher(const std::vector<Step>& steps);

}  // namespace ringctl::playbook
