// The compactionstats view: nodetool compactionstats' 4.1 layout over an agent's node
// document (GET /v1/node "node", its "compaction" object: docs/api.md).
//
//   pending tasks: <total>
//   - <keyspace>: <n>            one line per keyspace with pending tasks
//   <empty line>
//   then, while compactions run, nodetool's table (id, compaction type, keyspace, table,
//   completed, total, unit, progress) and "Active compaction remaining time :        n/a".
// A ringnode keyspace is one RocksDB column family: no tables, so the per-table lines name the
// keyspace alone and the table cells are empty; the remaining time is n/a (no compaction
// throughput limit is known). docs/nodetool-differences.md records both.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

// `human_readable` is -H: sizes as KiB, MiB... rather than bytes.
void print_compactionstats(const nlohmann::json& node, bool human_readable, std::ostream& out);

// The -o json|yaml document (docs/json-output.md).
Document compactionstats_document(const nlohmann::json& node);

}  // namespace ringctl
