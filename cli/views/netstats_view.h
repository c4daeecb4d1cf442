// The netstats view: nodetool netstats' layout over an agent's streams document
// (GET /v1/streams "streams": mode, plans with sessions, read_repair; contract A).
//
// Our sessions stream sets of token ranges, not files: each session prints in nodetool's
// file-summary format with its ranges as the "files", and one line in the per-file format
// ("ranges:<done>/<total> ..."), as docs/nodetool-differences.md records.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

// Prints the text. `human_readable` is -H: sizes as "1.5 MiB" rather than "1572864 bytes".
// Missing members print as zero/empty; percentages of a zero total print "NaN" as Java does.
void print_netstats(const nlohmann::json& streams, bool human_readable, std::ostream& out);

// The -o json|yaml document (docs/json-output.md): the streams document, members in a fixed
// order, with each session's done_pct added (null when its total is 0).
Document netstats_document(const nlohmann::json& streams);

}  // namespace ringctl
