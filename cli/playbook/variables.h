// A playbook's variables: checking a value against its declared type and limits, and binding
// the operator's --var NAME=VALUE settings over the defaults.
#pragma once

#include <string>
#include <vector>

#include "playbook/playbook.h"
#include "playbook/templates.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

// `text` as a value of `spec`, normalised (a bool as "true"/"false", a list with its items
// trimmed, "a,b"). Errors (kInvalidInput) say what was expected, without naming the variable.
// int and number are checked against min/max, duration is seconds (a number >= 0), string
// against choices, list items must be non-empty.
ringcore::Result<std::string> check_value(const VariableSpec& spec, const std::string& text);

// The items of a list value ("a,b,c"); none for "".
std::vector<std::string> list_items(const std::string& value);

// Every variable's value: --var settings ("NAME=VALUE") over the defaults. Errors
// (kInvalidInput), all at once, one per line: a setting without '=', an unknown name (listing
// the known), a value of the wrong type ("--var count=x: expected an int ..."), a variable
// without default that was not given (named where it is declared: "FILE:LINE: variables.NAME:").
ringcore::Result<Values> bind_variables(const Playbook& playbook, const std::vector<std::string>& settings);

}  // namespace ringctl::playbook
