// Output formats: every command computes a result, then renders it as a table (the
// nodetool-compatible text), JSON or YAML. JSON and YAML come from the same document.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace ringctl {

using Document = nlohmann::ordered_json;

// The version of every -o json|yaml document's shape (docs/json-output.md). Adding a field keeps
// it; removing or renaming a field, or changing a field's type or meaning, increments it, so a
// script can check it once (`ringctl version -o json`) instead of guessing.
inline constexpr int kJsonFormat = 1;

enum class OutputFormat { kTable, kJson, kYaml };

// Writes `document` as pretty JSON or as YAML, ending with a newline.
// REQUIRES: format is kJson or kYaml.
void print_document(const Document& document, OutputFormat format, std::ostream& out);

}  // namespace ringctl
