// Reading a playbook file and checking it whole before anything runs: unknown keys and step
// kinds, unknown checks, actions and conditions, missing parameters, bad variable types and
// defaults, and {{references}} to nothing are each reported as "<file>:<line>: <field>: <what>"
// (field as a path: "steps[3].foreach.steps[1].node").
#pragma once

#include <string>

#include "playbook/playbook.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

// Parses and checks `yaml_text` read from `path`. Errors (kInvalidInput): every problem found,
// one per line, each with file, line and field.
ringcore::Result<Playbook> parse_playbook(const std::string& yaml_text, const std::string& path);

// parse_playbook of the file's text; kInvalidInput naming the file when it cannot be read.
ringcore::Result<Playbook> load_playbook(const std::string& path);

}  // namespace ringctl::playbook
