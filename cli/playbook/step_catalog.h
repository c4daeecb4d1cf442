// The names a playbook's steps may use, what parameters each takes and which values it
// exports to later steps ({{name}}). The loader checks playbooks against it before anything
// runs; the runner (checks.cpp, actions.cpp, conditions.cpp) implements each entry.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "playbook/playbook.h"

namespace ringctl::playbook {

struct CatalogEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> params;    // accepted parameter keys ("node", "timeout", "with.count")
  std::vector<std::string> required;  // of params, those that must be given
  std::vector<std::string> exports;   // values set for later steps
  // Of params, those whose value must be a number of at least 0 (checked by the loader when the
  // text has no {{reference}}, and when the step runs).
  std::vector<std::string> numbers = {};
};

// `text` as a finite number of at least 0 (a whole-text decimal), else nullopt: what a
// CatalogEntry::numbers parameter must be.
std::optional<double> non_negative_number(const std::string& text);

// The entries of a kind (check, act, wait); empty for the kinds without names.
const std::vector<CatalogEntry>& catalog_of(StepKind kind);

// The entry `name` of `kind`, or nullptr.
const CatalogEntry* find_entry(StepKind kind, const std::string& name);

// The parameter keys a step of `kind` takes besides its catalog entry's (name, block_on, ...).
const std::vector<std::string>& common_params(StepKind kind);

// A foreach over the token segments of a node's primary ranges: its `node` split into `count`
// (ringcore::split_into_segments), each item a range "(left,right]" for a repair's with.range.
inline constexpr const char* kPrimarySegments = "primary_segments";

// The lists a foreach may walk besides a list variable: "new_nodes" (1..{{count}}), "nodes"
// (the ring's members when the foreach starts), kPrimarySegments.
const std::vector<std::string>& builtin_lists();

// What a foreach over new_nodes exports once done: the nodes its start_node steps started, but
// the last. Each joined before another new node, which may have taken ranges from it, so each
// needs cleanup like the nodes that were there before the run.
inline constexpr const char* kEarlierNewNodes = "earlier_new_nodes";

}  // namespace ringctl::playbook
