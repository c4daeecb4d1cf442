// Output formats: every command computes a result, then renders it as a table (the
// nodetool-compatible text), JSON or YAML. JSON and YAML come from the same document.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace ringctl {

using Document = nlohmann::ordered_json;

enum class OutputFormat { kTable, kJson, kYaml };

// Writes `document` as pretty JSON or as YAML, ending with a newline.
// REQUIRES: format is kJson or kYaml.
void print_document(const Document& document, OutputFormat format, std::ostream& out);

}  // namespace ringctl
