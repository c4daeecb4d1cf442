// Fuzzes the decoding of every request body ringnode's two APIs accept from the network, with
// the very decoder functions the route handlers call (internode_api.h, client_api.h,
// operations_api.h). The routes themselves need a started Node (its ports, gossip and jobs),
// so a request per input would fuzz a live node's I/O and let an input decommission it; the
// first byte of an input picks the decoder instead (modulo their number), the rest is the body:
//   0 POST /internal/rows/write (decode_row_write)
//   1 POST /internal/gossip (gossip messages)
//   2 POST /internal/stream/apply (decode_rows: the binary row page)
//   3 POST /internal/schema (a peer's schema)
//   4 POST /v1/keyspaces (decode_keyspace_create)
//   5 a client row request's key, ?cl= and a token range, as path and query give them
//   6 POST /internal/rows/write_batch (decode_row_writes)
//   7 POST /internal/rows/read (decode_row_read)
//   8 POST /internal/stream/size (decode_range_request)
//   9 POST /internal/stream/page (decode_page_request)
//  10 POST /internal/stream/ingest (decode_row_views)
//  11 POST /internal/stream/flush (decode_flush_request)
//  12 POST /internal/repair/tree (decode_tree_request)
//  13 POST /internal/repair/digests (decode_digests_request)
//  14 POST /v1/operations/{op}: "OP\nBODY" (decode_operation_request)
//  15 PUT /v1/streams/throughput (decode_throughput)
//  16 PUT /v1/keyspaces/{ks} (decode_keyspace_replication)
// PUT /v1/keyspaces/{ks}/rows/{key} takes its body as the value, undecoded; the GET routes
// take no body.
// Properties: no crash, no hang; every refusal is a 400 (invalid_input or unsupported, never
// an exception of another type, which would be a 500); what decodes, encoded again as
// ringnode's internode client encodes it, decodes to the same.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base64.h"
#include "client_api.h"
#include "coordinator.h"
#include "internode_api.h"
#include "operations_api.h"
#include "ringcore/gossip/message_json.h"
#include "ringcore/merkle_tree.h"
#include "ringcore/token.h"
#include "ringnet/http_server.h"
#include "ringnet/json_fields.h"
#include "row_stream.h"
#include "schema.h"

namespace {

using nlohmann::json;

// A refusal must be what the route answers 400: anything else is a 500 for bad input.
template <class T>
bool refused(const ringcore::Result<T>& decoded) {
  if (decoded.ok()) return false;
  if (ringnet::http_status_for(decoded.error().code()) != 400) std::abort();
  return true;
}

json row_write_json(const ringnode::RowWrite& write) {
  return {{"keyspace", write.keyspace},
          {"key", ringnode::base64_encode(write.key)},
          {"timestamp_us", write.cell.timestamp_us},
          {"tombstone", write.cell.tombstone},
          {"value", ringnode::base64_encode(write.cell.value)}};
}

bool same_write(const ringnode::RowWrite& a, const ringnode::RowWrite& b) {
  return a.keyspace == b.keyspace && a.key == b.key && a.cell == b.cell;
}

void row_write(std::string_view body) {
  auto write = ringnode::decode_row_write(body);
  if (refused(write)) return;
  auto decoded = ringnode::decode_row_write(row_write_json(*write).dump());
  if (!decoded || !same_write(*decoded, *write)) std::abort();
}

void row_writes(std::string_view body) {
  auto writes = ringnode::decode_row_writes(body);
  if (refused(writes)) return;
  json again = {{"writes", json::array()}};
  for (const ringnode::RowWrite& write : *writes) again["writes"].push_back(row_write_json(write));
  auto decoded = ringnode::decode_row_writes(again.dump());
  if (!decoded || decoded->size() != writes->size()) std::abort();
  for (std::size_t i = 0; i < writes->size(); ++i) {
    if (!same_write((*decoded)[i], (*writes)[i])) std::abort();
  }
}

void row_read(std::string_view body) {
  auto read = ringnode::decode_row_read(body);
  if (refused(read)) return;
  const json again = {{"keyspace", read->keyspace}, {"key", ringnode::base64_encode(read->key)}};
  auto decoded = ringnode::decode_row_read(again.dump());
  if (!decoded || decoded->keyspace != read->keyspace || decoded->key != read->key) std::abort();
}

json range_json(const std::string& keyspace, const ringcore::TokenRange& range) {
  return {{"keyspace", keyspace}, {"range", ringcore::format_range(range)}};
}

void range_request(std::string_view body) {
  auto asked = ringnode::decode_range_request(body);
  if (refused(asked)) return;
  auto decoded = ringnode::decode_range_request(range_json(asked->keyspace, asked->range).dump());
  if (!decoded || decoded->keyspace != asked->keyspace || !(decoded->range == asked->range)) std::abort();
}

void page_request(std::string_view body) {
  auto asked = ringnode::decode_page_request(body);
  if (refused(asked)) return;
  json again = range_json(asked->keyspace, asked->range);
  again["max_bytes"] = asked->max_bytes;
  if (asked->after) {
    again["after_token"] = ringcore::format_token(asked->after->token);
    again["after_key"] = ringnode::base64_encode(asked->after->key);
  }
  auto decoded = ringnode::decode_page_request(again.dump());
  if (!decoded || decoded->keyspace != asked->keyspace || !(decoded->range == asked->range) ||
      decoded->max_bytes != asked->max_bytes || decoded->after.has_value() != asked->after.has_value() ||
      (asked->after && (decoded->after->token != asked->after->token || decoded->after->key != asked->after->key))) {
    std::abort();
  }
}

// The ingest route reads a page as views into the body: they must agree with decode_rows.
void row_views(std::string_view body) {
  auto views = ringnode::decode_row_views(body);
  auto rows = ringnode::decode_rows(body);
  if (refused(views) != refused(rows)) std::abort();
  if (!views) return;
  if (views->size() != rows->size()) std::abort();
  for (std::size_t i = 0; i < views->size(); ++i) {
    if ((*views)[i].token != (*rows)[i].token || (*views)[i].key != (*rows)[i].key) std::abort();
  }
}

void flush_request(std::string_view body) {
  auto keyspace = ringnode::decode_flush_request(body);
  if (refused(keyspace)) return;
  auto decoded = ringnode::decode_flush_request(json{{"keyspace", *keyspace}}.dump());
  if (!decoded || *decoded != *keyspace) std::abort();
}

void tree_request(std::string_view body) {
  auto asked = ringnode::decode_tree_request(body);
  if (refused(asked)) return;
  if (asked->depth < 0 || asked->depth > ringcore::kMaxMerkleDepth) std::abort();
  json again = range_json(asked->keyspace, asked->range);
  again["depth"] = asked->depth;
  auto decoded = ringnode::decode_tree_request(again.dump());
  if (!decoded || decoded->keyspace != asked->keyspace || !(decoded->range == asked->range) ||
      decoded->depth != asked->depth) {
    std::abort();
  }
}

void digests_request(std::string_view body) {
  auto asked = ringnode::decode_digests_request(body);
  if (refused(asked)) return;
  json again = {{"keyspace", asked->keyspace}, {"ranges", json::array()}};
  for (const ringcore::TokenRange& range : asked->ranges) again["ranges"].push_back(ringcore::format_range(range));
  auto decoded = ringnode::decode_digests_request(again.dump());
  if (!decoded || decoded->keyspace != asked->keyspace || decoded->ranges != asked->ranges) std::abort();
}

// "OP\nBODY": the {op} path segment (decoded) and the body.
void operation_request(std::string_view text) {
  const std::size_t end = text.find('\n');
  const std::string_view operation = text.substr(0, end);
  const std::string_view body = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  auto asked = ringnode::decode_operation_request(operation, body);
  if (refused(asked) || operation != "repair" || !asked->repair.range) return;
  const json again = {{"start_token", ringcore::format_token(asked->repair.range->left)},
                      {"end_token", ringcore::format_token(asked->repair.range->right)}};
  auto decoded = ringnode::decode_operation_request(operation, again.dump());
  if (!decoded || !(decoded->repair.range == asked->repair.range)) std::abort();
}

void throughput(std::string_view body) {
  auto rate = ringnode::decode_throughput(body);
  if (refused(rate)) return;
  if (!(*rate >= 0) || std::isnan(*rate)) std::abort();
}

void keyspace_create(std::string_view body) {
  auto asked = ringnode::decode_keyspace_create(body);
  if (refused(asked)) return;
  const json again = {{"name", asked->name}, {"replication", ringnode::replication_to_json(asked->replication)}};
  auto decoded = ringnode::decode_keyspace_create(again.dump());
  if (!decoded || decoded->name != asked->name || !decoded->replication.same_settings_as(asked->replication)) {
    std::abort();
  }
}

void keyspace_replication(std::string_view body) {
  auto replication = ringnode::decode_keyspace_replication(body);
  if (refused(replication)) return;
  auto decoded =
      ringnode::decode_keyspace_replication(json{{"replication", ringnode::replication_to_json(*replication)}}.dump());
  if (!decoded || !decoded->same_settings_as(*replication)) std::abort();
}

void gossip(std::string_view body) {
  auto message = ringcore::gossip::parse_message(body);
  if (refused(message)) return;
  const std::string text = ringcore::gossip::serialize_message(*message);
  auto again = ringcore::gossip::parse_message(text);
  if (!again || ringcore::gossip::serialize_message(*again) != text) std::abort();
}

void stream_rows(std::string_view body) {
  auto rows = ringnode::decode_rows(body);
  if (refused(rows)) return;
  auto again = ringnode::decode_rows(ringnode::encode_rows(*rows));
  if (!again || again->size() != rows->size()) std::abort();
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if ((*again)[i].key != (*rows)[i].key || !((*again)[i].cell == (*rows)[i].cell)) std::abort();
  }
}

void schema(std::string_view body) {
  auto schema = ringnode::Schema::from_json(body);
  if (refused(schema)) return;
  auto again = ringnode::Schema::from_json(schema->to_json());
  if (!again || again->version() != schema->version()) std::abort();
}

// "KEY\nCL\nRANGE": the path segment (percent-encoded), ?cl= and a range, as a client sends them.
void client_parameters(std::string_view text) {
  const std::size_t first = text.find('\n');
  const std::string_view key = text.substr(0, first);
  const std::string_view rest = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
  const std::size_t second = rest.find('\n');
  if (auto decoded = ringnet::percent_decode(key); !refused(decoded)) {
    auto again = ringnet::percent_decode(ringnet::percent_encode(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  if (auto level = ringnode::parse_consistency_level(rest.substr(0, second)); !refused(level)) {
    if (!ringnode::parse_consistency_level(ringnode::consistency_level_name(*level))) std::abort();
  }
  if (second != std::string_view::npos) (void)refused(ringcore::parse_range(rest.substr(second + 1)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using Decoder = void (*)(std::string_view);
  // In the order of the list at the top: a seed's first byte is its index here.
  static constexpr Decoder decoders[] = {
      row_write,    gossip,          stream_rows,       schema,       keyspace_create,     client_parameters,
      row_writes,   row_read,        range_request,     page_request, row_views,           flush_request,
      tree_request, digests_request, operation_request, throughput,   keyspace_replication};
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  decoders[data[0] % std::size(decoders)](body);
  return 0;
}
