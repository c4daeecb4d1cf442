#include "views/tpstats_view.h"

#include <string>
#include <vector>

#include "text/table.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

struct Pool {
  std::string name;
  std::int64_t active = 0;
  std::int64_t completed = 0;
};

struct Dropped {
  std::string message_type;
  std::int64_t dropped = 0;
};

const Json& object_in(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::vector<Pool> pools_of(const Json& node) {
  const Json& requests = object_in(node, "requests");
  const Json& reads = object_in(requests, "read");
  const Json& writes = object_in(requests, "write");
  return {{"Native-Transport-Requests", json_int(reads, "active") + json_int(writes, "active"),
           json_int(reads, "completed") + json_int(writes, "completed")},
          {"ReadStage", json_int(reads, "active"), json_int(reads, "completed")},
          {"MutationStage", json_int(writes, "active"), json_int(writes, "completed")}};
}

std::vector<Dropped> dropped_of(const Json& node) {
  const Json& requests = object_in(node, "requests");
  return {{"READ_REQ", json_int(object_in(requests, "read"), "dropped")},
          {"MUTATION_REQ", json_int(object_in(requests, "write"), "dropped")}};
}

}  // namespace

void print_tpstats(const Json& node, std::ostream& out) {
  TableBuilder pools;
  pools.add_row({"Pool Name", "Active", "Pending", "Completed", "Blocked", "All time blocked"});
  for (const Pool& pool : pools_of(node)) {
    pools.add_row({pool.name, std::to_string(pool.active), "0", std::to_string(pool.completed), "0", "0"});
  }
  print_table(pools, column_widths({pools}), " ", out);
  out << "\nLatencies waiting in queue (micros) per dropped message types\n";
  TableBuilder dropped;
  // nodetool's header cells carry these trailing spaces.
  dropped.add_row({"Message type", "Dropped    ", "50%     ", "95%     ", "99%     ", "Max"});
  for (const Dropped& type : dropped_of(node)) {
    dropped.add_row({type.message_type, std::to_string(type.dropped), "N/A", "N/A", "N/A", "N/A"});
  }
  print_table(dropped, column_widths({dropped}), " ", out);
}

Document tpstats_document(const Json& node) {
  Document pools = Document::array();
  for (const Pool& pool : pools_of(node)) {
    pools.push_back({{"name", pool.name},
                     {"active", pool.active},
                     {"pending", 0},
                     {"completed", pool.completed},
                     {"blocked", 0},
                     {"all_time_blocked", 0}});
  }
  Document dropped = Document::array();
  for (const Dropped& type : dropped_of(node)) {
    dropped.push_back({{"message_type", type.message_type}, {"dropped", type.dropped}});
  }
  return {{"pools", std::move(pools)}, {"dropped_messages", std::move(dropped)}};
}

}  // namespace ringctl
