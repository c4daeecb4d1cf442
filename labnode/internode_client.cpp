#include "internode_client.h"

#include <nlohmann/json.hpp>

#include "base64.h"
#include "ringcore/gossip/message_json.h"
#include "ringnet/http_client.h"
#include "ringnet/http_server.h"

namespace ringnode {
namespace {

using ringcore::Error;
using Json = nlohmann::json;

ringcore::Result<std::string> body_of(const std::string& peer, ringcore::Result<ringnet::HttpResponse> response) {
  return ringnet::body_or_error(peer + " answered", std::move(response));
}

// Every internode POST may reach the peer twice without harm (row writes are last-write-wins,
// gossip and schema merge, the rest read): sent again, once, when a kept connection broke under
// it, rather than failing a write that a hint would then carry.
ringcore::Result<ringnet::HttpResponse> post(const ringnet::HttpClient& client, const std::string& path,
                                             std::string body) {
  ringnet::HttpRequest request{"POST", path, std::move(body), "application/json", {}};
  request.idempotent = true;
  return client.send(request);
}

// Streaming calls scan whole ranges on the peer: they get longer than replica reads and writes.
constexpr std::chrono::seconds kStreamTimeout(120);

// A row write as /internal/rows/write takes it (and each of /internal/rows/write_batch's).
Json row_write_json(const std::string& keyspace, const std::string& key, const Cell& cell) {
  return {{"keyspace", keyspace},
          {"key", base64_encode(key)},
          {"timestamp_us", cell.timestamp_us},
          {"tombstone", cell.tombstone},
          {"value", base64_encode(cell.value)}};
}
// How long a peer must stay convicted before a streaming or repair call to it is given up.
constexpr std::chrono::seconds kConvictionGrace(3);

}  // namespace

ringnet::HttpClient ClusterTransport::client_for(const std::string& peer, std::chrono::milliseconds timeout) const {
  ringnet::HttpClient client(peer, storage_port_, timeout);
  client.bind_source(self_);
  return client;
}

ringnet::HttpClient ClusterTransport::stream_client_for(const std::string& peer) const {
  ringnet::HttpClient client = client_for(peer, kStreamTimeout);
  if (!down_reason_) return client;
  // Only a conviction that lasts: on a loaded machine a failure detector can flap for a moment,
  // and a call that would have finished should not fail for it.
  client.give_up_when([this, peer, down_since = std::optional<std::chrono::steady_clock::time_point>()]() mutable {
    std::optional<std::string> reason = down_reason_(peer);
    if (!reason) {
      down_since.reset();
      return reason;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!down_since) down_since = now;
    if (now - *down_since < kConvictionGrace) return std::optional<std::string>();
    return reason;
  });
  return client;
}

void ClusterTransport::give_up_on_down_peers(
    std::function<std::optional<std::string>(const std::string& peer)> down_reason) {
  down_reason_ = std::move(down_reason);
}

ClusterTransport::ClusterTransport(std::string self, int storage_port, Storage& storage,
                                   std::chrono::milliseconds timeout)
    : self_(std::move(self)), storage_port_(storage_port), storage_(storage), timeout_(timeout) {}

ringcore::Result<std::vector<gossip::GossipMessage>> ClusterTransport::exchange(const std::string& peer,
                                                                                const gossip::GossipMessage& message) {
  ringnet::HttpClient client = client_for(peer, timeout_);
  auto body = body_of(peer, post(client, "/internal/gossip?from=" + self_, gossip::serialize_message(message)));
  if (!body) return body.error();
  const Json replies = Json::parse(*body, nullptr, false);
  if (!replies.is_array()) return Error::failed(peer + ": gossip replies are not a JSON array");
  std::vector<gossip::GossipMessage> parsed;
  for (const Json& reply : replies) {
    auto one = gossip::parse_message(reply.dump());
    if (!one) return one.error().with_context(peer);
    parsed.push_back(std::move(one).value());
  }
  return parsed;
}

ringcore::Result<gossip::GossipDigestAck2> ClusterTransport::fetch_states(const std::string& peer) {
  ringnet::HttpClient client = client_for(peer, timeout_);
  auto body = body_of(peer, client.get("/internal/gossip/states"));
  if (!body) return body.error();
  auto message = gossip::parse_message(*body);
  if (!message) return message.error().with_context(peer);
  if (!std::holds_alternative<gossip::GossipDigestAck2>(*message))
    return Error::failed(peer + ": expected an ack2 of states");
  return std::get<gossip::GossipDigestAck2>(std::move(message).value());
}

ringcore::Status ClusterTransport::write(const std::string& endpoint, const std::string& keyspace,
                                         const std::string& key, const Cell& cell) {
  if (endpoint == self_) {
    auto applied = storage_.apply(keyspace, key, cell);
    if (!applied) return applied.error();
    return ringcore::Ok{};
  }
  ringnet::HttpClient client = client_for(endpoint, timeout_);
  auto body = body_of(endpoint, post(client, "/internal/rows/write", row_write_json(keyspace, key, cell).dump()));
  if (!body) return body.error();
  return ringcore::Ok{};
}

std::vector<ringcore::Status> ClusterTransport::write_batch(const std::string& endpoint,
                                                            const std::vector<RowWrite>& writes) {
  if (writes.size() == 1 || endpoint == self_) return ReplicaTransport::write_batch(endpoint, writes);
  Json request = {{"writes", Json::array()}};
  for (const RowWrite& w : writes) request["writes"].push_back(row_write_json(w.keyspace, w.key, w.cell));
  ringnet::HttpClient client = client_for(endpoint, timeout_);
  const auto all_failed = [&](const Error& error) { return std::vector<ringcore::Status>(writes.size(), error); };
  auto body = body_of(endpoint, post(client, "/internal/rows/write_batch", request.dump()));
  if (!body) return all_failed(body.error());
  const Json answer = Json::parse(*body, nullptr, false);
  if (!answer.is_object() || !answer.contains("results") || !answer["results"].is_array() ||
      answer["results"].size() != writes.size()) {
    return all_failed(Error::failed(endpoint + ": the answer to a batch of " + std::to_string(writes.size()) +
                                    " writes does not list one result per write"));
  }
  std::vector<ringcore::Status> statuses;
  for (const Json& result : answer["results"]) {
    if (result.is_object() && result.contains("error")) {
      const Json& why = result["error"];
      statuses.push_back(
          Error::failed(endpoint + " answered: " + (why.is_string() ? why.get<std::string>() : why.dump())));
    } else {
      statuses.push_back(ringcore::Ok{});
    }
  }
  return statuses;
}

ringcore::Result<std::optional<Cell>> ClusterTransport::read(const std::string& endpoint, const std::string& keyspace,
                                                             const std::string& key) {
  if (endpoint == self_) return storage_.get(keyspace, key);
  const Json request = {{"keyspace", keyspace}, {"key", base64_encode(key)}};
  ringnet::HttpClient client = client_for(endpoint, timeout_);
  auto body = body_of(endpoint, post(client, "/internal/rows/read", request.dump()));
  if (!body) return body.error();
  const Json answer = Json::parse(*body, nullptr, false);
  if (!answer.is_object() || !answer.value("found", false)) return std::optional<Cell>();
  auto value = base64_decode(answer.value("value", ""));
  if (!value) return value.error().with_context(endpoint);
  return std::optional<Cell>(
      Cell{answer.value("timestamp_us", std::int64_t{0}), answer.value("tombstone", false), *value});
}

namespace {

Json range_request(const std::string& keyspace, const ringcore::TokenRange& range) {
  return {{"keyspace", keyspace}, {"range", ringcore::format_range(range)}};
}

}  // namespace

ringcore::Result<RangeSize> ClusterTransport::range_size(const std::string& endpoint, const std::string& keyspace,
                                                         const ringcore::TokenRange& range) {
  if (endpoint == self_) return ringnode::range_size(storage_, keyspace, range);
  ringnet::HttpClient client = stream_client_for(endpoint);
  auto body = body_of(endpoint, post(client, "/internal/stream/size", range_request(keyspace, range).dump()));
  if (!body) return body.error();
  const Json answer = Json::parse(*body, nullptr, false);
  if (!answer.is_object()) return Error::failed(endpoint + ": stream size is not a JSON object");
  return RangeSize{answer.value("rows", std::uint64_t{0}), answer.value("bytes", std::uint64_t{0})};
}

ringcore::Result<EncodedPage> ClusterTransport::read_encoded_page(const std::string& endpoint,
                                                                  const std::string& keyspace,
                                                                  const ringcore::TokenRange& range,
                                                                  const std::optional<RowCursor>& after,
                                                                  std::uint64_t max_bytes) {
  if (endpoint == self_) return ringnode::read_encoded_page(storage_, keyspace, range, after, max_bytes);
  Json request = range_request(keyspace, range);
  request["max_bytes"] = max_bytes;
  if (after) {
    request["after_token"] = ringcore::format_token(after->token);
    request["after_key"] = base64_encode(after->key);
  }
  ringnet::HttpClient client = stream_client_for(endpoint);
  auto body = body_of(endpoint, post(client, "/internal/stream/page", request.dump()));
  if (!body) return body.error();
  // The body carries rows only: a page shorter than max_bytes is the range's last (row_stream.h).
  auto page = encoded_page(std::move(body).value(), max_bytes);
  if (!page) return page.error().with_context(endpoint);
  return page;
}

ringcore::Result<RowPage> ClusterTransport::read_page(const std::string& endpoint, const std::string& keyspace,
                                                      const ringcore::TokenRange& range,
                                                      const std::optional<RowCursor>& after, std::uint64_t max_bytes) {
  if (endpoint == self_) return ringnode::read_page(storage_, keyspace, range, after, max_bytes);
  auto page = read_encoded_page(endpoint, keyspace, range, after, max_bytes);
  if (!page) return page.error();
  auto rows = decode_rows(page->body);
  if (!rows) return rows.error().with_context(endpoint);
  return RowPage{std::move(rows).value(), page->last};
}

namespace {

// POSTs `body` (row_stream.h's records) of `keyspace` through `client` (to `endpoint`'s
// `path`); its JSON object answer.
ringcore::Result<Json> post_rows(const ringnet::HttpClient& client, const std::string& endpoint,
                                 const std::string& path, const std::string& keyspace, std::string body) {
  ringnet::HttpRequest request{
      "POST", path + "?keyspace=" + ringnet::percent_encode(keyspace), std::move(body), "application/octet-stream", {}};
  auto answer_body = body_of(endpoint, client.send(request));
  if (!answer_body) return answer_body.error();
  Json answer = Json::parse(*answer_body, nullptr, false);
  if (!answer.is_object()) return Error::failed(endpoint + ": the answer to " + path + " is not a JSON object");
  return answer;
}

}  // namespace

ringcore::Result<std::uint64_t> ClusterTransport::apply_rows(const std::string& endpoint, const std::string& keyspace,
                                                             const std::vector<StoredRow>& rows) {
  if (endpoint == self_) return ringnode::apply_rows(storage_, keyspace, rows);
  auto answer = post_rows(stream_client_for(endpoint), endpoint, "/internal/stream/apply", keyspace, encode_rows(rows));
  if (!answer) return answer.error();
  return answer->value("applied", std::uint64_t{0});
}

ringcore::Result<IngestedRows> ClusterTransport::ingest_page(const std::string& endpoint, const std::string& keyspace,
                                                             const EncodedPage& page) {
  if (endpoint == self_) {
    auto rows = decode_row_views(page.body);
    if (!rows) return rows.error();
    return storage_.ingest(keyspace, *rows);
  }
  auto answer = post_rows(stream_client_for(endpoint), endpoint, "/internal/stream/ingest", keyspace, page.body);
  if (!answer) return answer.error();
  return IngestedRows{answer->value("rows", std::uint64_t{0}), answer->value("stored", std::uint64_t{0}),
                      answer->value("file_bytes", std::uint64_t{0}), answer->value("instance", std::string())};
}

ringcore::Result<std::string> ClusterTransport::flush_streamed(const std::string& endpoint,
                                                               const std::string& keyspace) {
  if (endpoint == self_) return storage_.flush_streamed(keyspace);
  ringnet::HttpClient client = stream_client_for(endpoint);
  auto body = body_of(endpoint, post(client, "/internal/stream/flush", Json{{"keyspace", keyspace}}.dump()));
  if (!body) return body.error();
  const Json answer = Json::parse(*body, nullptr, false);
  if (!answer.is_object() || !answer.contains("instance") || !answer["instance"].is_string())
    return Error::failed(endpoint + ": the answer to /internal/stream/flush has no 'instance'");
  return answer["instance"].get<std::string>();
}

ringcore::Result<ringcore::MerkleTree> ClusterTransport::build_tree(const std::string& endpoint,
                                                                    const std::string& keyspace,
                                                                    const ringcore::TokenRange& range, int depth) {
  if (endpoint == self_) return ringnode::build_tree(storage_, keyspace, range, depth);
  Json request = range_request(keyspace, range);
  request["depth"] = depth;
  ringnet::HttpClient client = stream_client_for(endpoint);
  auto body = body_of(endpoint, post(client, "/internal/repair/tree", request.dump()));
  if (!body) return body.error();
  auto tree = ringcore::MerkleTree::from_json(*body);
  if (!tree) return tree.error().with_context(endpoint);
  return tree;
}

ringcore::Result<std::vector<std::vector<SegmentDigest>>> ClusterTransport::range_digests(
    const std::string& endpoint, const std::string& keyspace, const std::vector<ringcore::TokenRange>& ranges) {
  std::vector<std::vector<SegmentDigest>> answer;
  if (endpoint == self_) {
    for (const ringcore::TokenRange& range : ranges) {
      auto digests = storage_.range_digests(keyspace, range);
      if (!digests) return digests.error();
      answer.push_back(std::move(digests).value());
    }
    return answer;
  }
  Json request = {{"keyspace", keyspace}, {"ranges", Json::array()}};
  for (const ringcore::TokenRange& range : ranges) request["ranges"].push_back(ringcore::format_range(range));
  ringnet::HttpClient client = stream_client_for(endpoint);
  auto body = body_of(endpoint, post(client, "/internal/repair/digests", request.dump()));
  if (!body) return body.error();
  auto digests = decode_digests(*body);
  if (!digests) return digests.error().with_context(endpoint);
  std::size_t next = 0;
  for (const ringcore::TokenRange& range : ranges) {
    const std::size_t count = segments_of(range).size();
    if (digests->size() - next < count) break;
    answer.emplace_back(digests->begin() + static_cast<std::ptrdiff_t>(next),
                        digests->begin() + static_cast<std::ptrdiff_t>(next + count));
    next += count;
  }
  if (answer.size() != ranges.size() || next != digests->size()) {
    return Error::failed(endpoint + ": " + std::to_string(digests->size()) + " segment digests answered for " +
                         std::to_string(ranges.size()) + " ranges, which have another number of segments");
  }
  return answer;
}

ringcore::Result<std::map<std::string, std::size_t>> ClusterTransport::pending_hints(const std::string& peer) {
  ringnet::HttpClient client = client_for(peer, timeout_);
  auto body = body_of(peer, client.get("/internal/hints"));
  if (!body) return body.error();
  const Json answer = Json::parse(*body, nullptr, false);
  if (!answer.is_object() || !answer.contains("pending") || !answer["pending"].is_object())
    return Error::failed(peer + ": the answer to /internal/hints has no 'pending' object");
  std::map<std::string, std::size_t> pending;
  for (const auto& [endpoint, count] : answer["pending"].items()) {
    if (!count.is_number_unsigned()) return Error::failed(peer + ": hints for " + endpoint + " are not a count");
    pending[endpoint] = count.get<std::size_t>();
  }
  return pending;
}

ringcore::Result<Schema> ClusterTransport::fetch_schema(const std::string& peer) {
  ringnet::HttpClient client = client_for(peer, timeout_);
  auto body = body_of(peer, client.get("/internal/schema"));
  if (!body) return body.error();
  auto schema = Schema::from_json(*body);
  if (!schema) return schema.error().with_context(peer);
  return schema;
}

ringcore::Status ClusterTransport::push_schema(const std::string& peer, const Schema& schema) {
  ringnet::HttpClient client = client_for(peer, timeout_);
  auto body = body_of(peer, post(client, "/internal/schema", schema.to_json()));
  if (!body) return body.error();
  return ringcore::Ok{};
}

}  // namespace ringnode
