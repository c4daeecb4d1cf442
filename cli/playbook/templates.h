// {{name}} references in a playbook's texts: what a text refers to (checked when the playbook
// is loaded) and the text with them filled in (when its step runs).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl::playbook {

using Values = std::map<std::string, std::string>;

// The names `text` refers to, in order; kInvalidInput for an unclosed "{{" or an empty name.
ringcore::Result<std::vector<std::string>> template_references(const std::string& text);

// `text` without leading and trailing spaces and tabs.
std::string trimmed(const std::string& text);

// `text` with each {{name}} replaced by values[name]. Errors (kInvalidInput) name a reference
// that has no value.
ringcore::Result<std::string> fill_template(const std::string& text, const Values& values);

}  // namespace ringctl::playbook
