// What an option's value is, stated once at registration so that help, the shell completions
// and the manual test (cli/completion/) read it back from the command tree:
//   one_of(option, {...})        the value is one of these words (validated, listed in help);
//   ->type_name(kFileValue)      the value is a file name;
//   ->type_name(kDirectoryValue) the value is a directory name;
//   ->type_name(kClusterValue)   the value names a cluster of the cluster config (completed
//                                with what `ringctl completion clusters` prints);
//   ->type_name(kPlaybookValue)  the value names a playbook (completed with what `ringctl
//                                completion playbooks` prints).
// The last two work for positional arguments too.
// Any other option takes a free value, and a flag takes none.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ringctl {

inline constexpr const char* kFileValue = "FILE";
inline constexpr const char* kDirectoryValue = "DIR";
inline constexpr const char* kClusterValue = "CLUSTER";
inline constexpr const char* kPlaybookValue = "PLAYBOOK";

enum class Case { kExact, kIgnored };

// Restricts `option` to `choices` (CLI11's IsMember) and records them: CLI11 keeps no list of
// an IsMember's set, so they become the option's type name, "a|b|c", which help shows.
// REQUIRES: choices is not empty and no choice contains '|'.
CLI::Option* one_of(CLI::Option* option, const std::vector<std::string>& choices, Case letter_case = Case::kExact);

// The choices one_of gave `option`, in the order given; empty when it gave none.
std::vector<std::string> option_choices(CLI::Option& option);

}  // namespace ringctl
