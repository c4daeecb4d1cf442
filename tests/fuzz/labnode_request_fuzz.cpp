// Fuzzes the decoding of what ringnode's two APIs accept from the network: the first byte of
// an input picks the decoder (modulo their number), the rest is the request body or value.
//   0 POST /internal/rows/write body (decode_row_write)
//   1 POST /internal/gossip body (gossip messages)
//   2 POST /internal/stream/apply body (the binary row page)
//   3 POST /internal/schema body (a peer's schema)
//   4 POST|PUT /v1/keyspaces body's "replication" (replication_from_json)
//   5 a client row request's key, ?cl= and a token range, as path and query give them
// Properties: no crash, no hang; what decodes encodes back to what decodes the same (rows,
// gossip messages, schemas); a decoded row write re-encoded decodes to the same row.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base64.h"
#include "coordinator.h"
#include "internode_api.h"
#include "ringcore/gossip/message_json.h"
#include "ringcore/token.h"
#include "ringnet/http_server.h"
#include "ringnet/json_fields.h"
#include "row_stream.h"
#include "schema.h"

namespace {

void row_write(std::string_view body) {
  auto write = ringnode::decode_row_write(body);
  if (!write) return;
  const nlohmann::json again = {{"keyspace", write->keyspace},
                                {"key", ringnode::base64_encode(write->key)},
                                {"timestamp_us", write->cell.timestamp_us},
                                {"tombstone", write->cell.tombstone},
                                {"value", ringnode::base64_encode(write->cell.value)}};
  auto decoded = ringnode::decode_row_write(again.dump());
  if (!decoded || decoded->keyspace != write->keyspace || decoded->key != write->key ||
      !(decoded->cell == write->cell)) {
    std::abort();
  }
}

void gossip(std::string_view body) {
  auto message = ringcore::gossip::parse_message(body);
  if (!message) return;
  const std::string text = ringcore::gossip::serialize_message(*message);
  auto again = ringcore::gossip::parse_message(text);
  if (!again || ringcore::gossip::serialize_message(*again) != text) std::abort();
}

void stream_rows(std::string_view body) {
  auto rows = ringnode::decode_rows(body);
  if (!rows) return;
  auto again = ringnode::decode_rows(ringnode::encode_rows(*rows));
  if (!again || again->size() != rows->size()) std::abort();
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if ((*again)[i].key != (*rows)[i].key || !((*again)[i].cell == (*rows)[i].cell)) std::abort();
  }
}

void schema(std::string_view body) {
  auto schema = ringnode::Schema::from_json(body);
  if (!schema) return;
  auto again = ringnode::Schema::from_json(schema->to_json());
  if (!again || again->version() != schema->version()) std::abort();
}

void replication(std::string_view body) {
  try {
    const nlohmann::json object = ringnet::object_body(body);
    if (object.contains("replication")) (void)ringnode::replication_from_json(object["replication"]);
  } catch (const ringcore::Error&) {
    // kInvalidInput: the answer is a 400 naming the body
  }
}

// "KEY\nCL\nRANGE": the path segment (percent-encoded), ?cl= and a range, as a client sends them.
void client_parameters(std::string_view text) {
  const std::size_t first = text.find('\n');
  const std::string_view key = text.substr(0, first);
  const std::string_view rest = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
  const std::size_t second = rest.find('\n');
  if (auto decoded = ringnet::percent_decode(key); decoded) {
    auto again = ringnet::percent_decode(ringnet::percent_encode(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  if (auto level = ringnode::parse_consistency_level(rest.substr(0, second)); level) {
    if (!ringnode::parse_consistency_level(ringnode::consistency_level_name(*level))) std::abort();
  }
  if (second != std::string_view::npos) (void)ringcore::parse_range(rest.substr(second + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      row_write(body);
      break;
    case 1:
      gossip(body);
      break;
    case 2:
      stream_rows(body);
      break;
    case 3:
      schema(body);
      break;
    case 4:
      replication(body);
      break;
    case 5:
      client_parameters(body);
      break;
  }
  return 0;
}
