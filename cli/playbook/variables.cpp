#include "playbook/variables.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace ringctl::playbook {
namespace {

std::string range_text(const VariableSpec& spec) {
  std::ostringstream out;
  if (spec.min && spec.max) {
    out << " in " << *spec.min << ".." << *spec.max;
  } else if (spec.min) {
    out << " of at least " << *spec.min;
  } else if (spec.max) {
    out << " of at most " << *spec.max;
  }
  return out.str();
}

ringcore::Result<std::string> check_number(const VariableSpec& spec, const std::string& text, bool integer) {
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool whole = !text.empty() && error == std::errc() && end == text.data() + text.size() && std::isfinite(number);
  const bool in_range = (!spec.min || number >= *spec.min) && (!spec.max || number <= *spec.max) &&
                        (spec.type != VariableType::kDuration || number >= 0);
  if (!whole || (integer && std::floor(number) != number) || !in_range) {
    const char* what = integer                                ? "an integer"
                       : spec.type == VariableType::kDuration ? "a number of seconds"
                                                              : "a number";
    return ringcore::Error::invalid_input(std::string("expected ") + what + range_text(spec) + ", got '" + text + "'");
  }
  return text;
}

}  // namespace

std::vector<std::string> list_items(const std::string& value) {
  std::vector<std::string> items;
  if (trimmed(value).empty()) return items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = value.find(',', start);
    items.push_back(trimmed(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

ringcore::Result<std::string> check_value(const VariableSpec& spec, const std::string& text) {
  switch (spec.type) {
    case VariableType::kInt:
      return check_number(spec, text, true);
    case VariableType::kNumber:
    case VariableType::kDuration:
      return check_number(spec, text, false);
    case VariableType::kBool:
      if (text == "true" || text == "yes" || text == "1") return std::string("true");
      if (text == "false" || text == "no" || text == "0") return std::string("false");
      return ringcore::Error::invalid_input("expected true or false, got '" + text + "'");
    case VariableType::kList: {
      std::string joined;
      for (const std::string& item : list_items(text)) {
        if (item.empty())
          return ringcore::Error::invalid_input("expected a comma-separated list without empty items, got '" + text +
                                                "'");
        joined += (joined.empty() ? "" : ",") + item;
      }
      return joined;
    }
    case VariableType::kString:
      if (spec.choices.empty()) return text;
      for (const std::string& choice : spec.choices) {
        if (choice == text) return text;
      }
      std::string known;
      for (const std::string& choice : spec.choices) known += (known.empty() ? "" : ", ") + choice;
      return ringcore::Error::invalid_input("expected one of " + known + ", got '" + text + "'");
  }
  return text;
}

ringcore::Result<Values> bind_variables(const Playbook& playbook, const std::vector<std::string>& settings) {
  Values values;
  std::string problems;
  auto problem = [&problems](const std::string& text) { problems += (problems.empty() ? "" : "\n") + text; };
  for (const VariableSpec& spec : playbook.variables) {
    if (spec.default_value) values[spec.name] = *spec.default_value;
  }
  for (const std::string& setting : settings) {
    const std::size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      problem("--var " + setting + ": expected NAME=VALUE");
      continue;
    }
    const std::string name = setting.substr(0, equals);
    const VariableSpec* spec = nullptr;
    for (const VariableSpec& candidate : playbook.variables) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      std::string known;
      for (const VariableSpec& candidate : playbook.variables) known += (known.empty() ? "" : ", ") + candidate.name;
      problem("--var " + setting + ": playbook " + playbook.name + " has no variable " + name +
              " (its variables: " + (known.empty() ? "none" : known) + ")");
      continue;
    }
    auto value = check_value(*spec, setting.substr(equals + 1));
    if (!value) {
      problem("--var " + setting + ": " + value.error().message());
      continue;
    }
    values[name] = *value;
  }
  for (const VariableSpec& spec : playbook.variables) {
    if (!values.contains(spec.name)) {
      // Where it is declared, as the loader names a field (path:line: field: what).
      problem(playbook.path + ":" + std::to_string(spec.line) + ": variables." + spec.name + ": variable " + spec.name +
              " has no default: give it with --var " + spec.name + "=" + variable_type_name(spec.type) +
              (spec.description.empty() ? "" : " (" + spec.description + ")"));
    }
  }
  if (!problems.empty()) return ringcore::Error::invalid_input(problems);
  return values;
}

}  // namespace ringctl::playbook
