#include "playbook/playbook.h"

#include <algorithm>

namespace ringctl::playbook {

const char* variable_type_name(VariableType type) {
  switch (type) {
    case VariableType::kString:
      return "string";
    case VariableType::kInt:
      return "int";
    case VariableType::kNumber:
      return "number";
    case VariableType::kBool:
      return "bool";
    case VariableType::kList:
      return "list";
    case VariableType::kDuration:
      return "duration";
  }
  return "string";
}

const char* step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kCheck:
      return "check";
    case StepKind::kAct:
      return "act";
    case StepKind::kWait:
      return "wait";
    case StepKind::kAsk:
      return "ask";
    case StepKind::kSsh:
      return "ssh";
    case StepKind::kForeach:
      return "foreach";
  }
  return "check";
}

bool uses_launcher(const std::vector<Step>& steps) {
  return std::any_of(steps.begin(), steps.end(), [](const Step& step) {
    if (step.kind == StepKind::kForeach) return uses_launcher(step.steps);
    return step.kind == StepKind::kAct &&
           (step.what == "start_node" || step.what == "stop_node" || step.what == "restart_node");
  });
}

std::string step_title(const Step& step) {
  if (!step.name.empty()) return step.name;
  return std::string(step_kind_name(step.kind)) + " " + step.what;
}

}  // namespace ringctl::playbook
