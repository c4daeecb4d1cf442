// Decoding what a peer sends to the internode API, and the operation, throughput and keyspace
// bodies of the admin API: a bad field is a 400 naming it, never an internal error (a
// tombstone or value of the wrong type was a 500 "type_error" before), and a number past what
// the field holds is refused, not wrapped.
#include "internode_api.h"

#include <doctest/doctest.h>

#include <string>

#include "client_api.h"
#include "operations_api.h"

namespace {

std::string refusal(const std::string& body) {
  auto decoded = ringnode::decode_row_write(body);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code() == ringcore::ErrorCode::kInvalidInput);
  return decoded.error().message();
}

}  // namespace

TEST_CASE("a row write decodes its keyspace, base64 key, timestamp, tombstone and value") {
  auto write = ringnode::decode_row_write(R"({"keyspace":"ks","key":"a2V5","timestamp_us":7,"value":"dmFsdWU="})");
  REQUIRE(write.ok());
  CHECK(write->keyspace == "ks");
  CHECK(write->key == "key");
  CHECK(write->cell == ringnode::Cell{7, false, "value"});
  auto tombstone =
      ringnode::decode_row_write(R"({"keyspace":"ks","key":"","timestamp_us":-1,"tombstone":true,"value":null})");
  REQUIRE(tombstone.ok());
  CHECK(tombstone->cell == ringnode::Cell{-1, true, ""});
}

TEST_CASE("a row write's fields of the wrong type are refused naming the field") {
  CHECK(refusal(R"({"keyspace":"ks","key":"a2V5","timestamp_us":7,"tombstone":"yes"})") ==
        "'tombstone' must be true or false");
  CHECK(refusal(R"({"keyspace":"ks","key":"a2V5","timestamp_us":7,"value":5})") == "'value' must be a string");
  CHECK(refusal(R"({"keyspace":"ks","key":"a2V5","timestamp_us":7.5})") == "'timestamp_us' must be an integer");
  CHECK(refusal(R"({"keyspace":1,"key":"a2V5","timestamp_us":7})") == "'keyspace' must be a string");
  CHECK(refusal("[1]") == "the request body must be a JSON object");
}

TEST_CASE("a batch of row writes decodes each write in order, and a bad one is refused naming its place") {
  auto writes =
      ringnode::decode_row_writes(R"({"writes":[{"keyspace":"ks","key":"YQ==","timestamp_us":1,"value":"dg=="},)"
                                  R"({"keyspace":"ks","key":"Yg==","timestamp_us":2,"tombstone":true}]})");
  REQUIRE(writes.ok());
  REQUIRE(writes->size() == 2);
  CHECK((*writes)[0].key == "a");
  CHECK((*writes)[0].cell == ringnode::Cell{1, false, "v"});
  CHECK((*writes)[1].key == "b");
  CHECK((*writes)[1].cell == ringnode::Cell{2, true, ""});

  auto bad = ringnode::decode_row_writes(
      R"({"writes":[{"keyspace":"ks","key":"YQ==","timestamp_us":1},{"keyspace":"ks","key":"Yg=="}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(bad.error().message() == "writes[1]: 'timestamp_us' must be an integer");
  CHECK(ringnode::decode_row_writes(R"({"writes":{}})").error().message() == "'writes' must be an array");
  CHECK(ringnode::decode_row_writes(R"({"writes":[5]})").error().message() ==
        "writes[0]: a row write must be a JSON object");
}

TEST_CASE("a row write's timestamp past int64 is refused rather than wrapped to a negative one") {
  CHECK(refusal(R"({"keyspace":"ks","key":"a2V5","timestamp_us":18446744073709551615})") ==
        "'timestamp_us' must be an integer");
  CHECK(refusal(R"({"keyspace":"ks","key":"a2V5","timestamp_us":9223372036854775808})") ==
        "'timestamp_us' must be an integer");
  auto largest = ringnode::decode_row_write(R"({"keyspace":"ks","key":"","timestamp_us":9223372036854775807})");
  REQUIRE(largest.ok());
  CHECK(largest->cell.timestamp_us == INT64_MAX);
}

TEST_CASE("the stream and repair bodies decode their keyspace, range and fields") {
  auto read = ringnode::decode_row_read(R"({"keyspace":"ks","key":"a2V5"})");
  REQUIRE(read.ok());
  CHECK(read->keyspace == "ks");
  CHECK(read->key == "key");

  auto size = ringnode::decode_range_request(R"({"keyspace":"ks","range":"(-100,100]"})");
  REQUIRE(size.ok());
  CHECK(size->range == ringcore::TokenRange{-100, 100});

  auto first = ringnode::decode_page_request(R"({"keyspace":"ks","range":"(1,2]","max_bytes":4096})");
  REQUIRE(first.ok());
  CHECK_FALSE(first->after.has_value());
  CHECK(first->max_bytes == 4096);
  auto next = ringnode::decode_page_request(
      R"({"keyspace":"ks","range":"(1,2]","max_bytes":4096,"after_token":"-42","after_key":"a2V5"})");
  REQUIRE(next.ok());
  REQUIRE(next->after.has_value());
  CHECK(next->after->token == -42);
  CHECK(next->after->key == "key");

  CHECK(ringnode::decode_flush_request(R"({"keyspace":"ks"})").value() == "ks");

  auto tree = ringnode::decode_tree_request(R"({"keyspace":"ks","range":"(1,2]","depth":20})");
  REQUIRE(tree.ok());
  CHECK(tree->depth == 20);

  auto digests = ringnode::decode_digests_request(R"({"keyspace":"ks","ranges":["(1,2]","(2,1]"]})");
  REQUIRE(digests.ok());
  CHECK(digests->ranges == std::vector<ringcore::TokenRange>{{1, 2}, {2, 1}});
}

TEST_CASE("the stream and repair bodies refuse a bad field naming it") {
  auto message = [](const auto& decoded) {
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code() == ringcore::ErrorCode::kInvalidInput);
    return decoded.error().message();
  };
  CHECK(message(ringnode::decode_row_read(R"({"keyspace":"ks"})")) == "'key' must be a string");
  CHECK(message(ringnode::decode_range_request(R"({"keyspace":"ks","range":5})")) == "'range' must be a string");
  CHECK(message(ringnode::decode_page_request(R"({"keyspace":"ks","range":"(1,2]","max_bytes":-1})")) ==
        "'max_bytes' must be a non-negative integer");
  CHECK(message(
            ringnode::decode_page_request(R"({"keyspace":"ks","range":"(1,2]","max_bytes":1,"after_token":"-42"})")) ==
        "'after_key' must be a string");
  CHECK(message(ringnode::decode_flush_request("[]")) == "the request body must be a JSON object");
  CHECK(message(ringnode::decode_digests_request(R"({"keyspace":"ks","ranges":[1]})")) ==
        "'ranges' must be an array of ranges");
}

// A depth of 2^32 + 1 passed is_number_integer() and became 1 through get<int>(): the tree was
// built at a depth the peer never asked for.
TEST_CASE("a repair tree's depth outside 0..kMaxMerkleDepth is refused, not narrowed into it") {
  for (const char* depth : {"4294967297", "-1", "21", "18446744073709551615", "1.5"}) {
    CAPTURE(depth);
    auto tree =
        ringnode::decode_tree_request(std::string(R"({"keyspace":"ks","range":"(1,2]","depth":)") + depth + "}");
    REQUIRE_FALSE(tree.ok());
    CHECK(tree.error().message() == "'depth' must be an integer in 0..20");
  }
}

TEST_CASE("an operation body decodes the fields of its operation, an empty body as {}") {
  CHECK(ringnode::decode_operation_request("decommission", R"({"force":true})")->force);
  CHECK(ringnode::decode_operation_request("removenode", R"({"host_id":"h1"})")->host_id == "h1");
  CHECK(ringnode::decode_operation_request("cleanup", "")->keyspace == std::nullopt);
  auto repair = ringnode::decode_operation_request(
      "repair", R"({"keyspace":"ks","primary_range":true,"start_token":"-1","end_token":"7"})");
  REQUIRE(repair.ok());
  CHECK(repair->repair.keyspace == "ks");
  CHECK(repair->repair.primary_range);
  CHECK(repair->repair.range == ringcore::TokenRange{-1, 7});
  CHECK(ringnode::decode_operation_request("removenode", "{}").error().message() == "'host_id' is required");
  CHECK(ringnode::decode_operation_request("repair", R"({"start_token":"1"})").error().message() ==
        "give both 'start_token' and 'end_token', or neither");
  CHECK(ringnode::decode_operation_request("unknown", "[]").error().code() == ringcore::ErrorCode::kInvalidInput);
}

TEST_CASE("throughput and keyspace bodies decode, and refuse bad fields naming them") {
  CHECK(ringnode::decode_throughput(R"({"mib_per_second":12.5})").value() == 12.5);
  CHECK(ringnode::decode_throughput(R"({"mib_per_second":-1})").error().message() ==
        "'mib_per_second' must be a number >= 0 (0 = unlimited)");
  auto created = ringnode::decode_keyspace_create(
      R"({"name":"ks","replication":{"class":"SimpleStrategy","replication_factor":"2"}})");
  REQUIRE(created.ok());
  CHECK(created->name == "ks");
  CHECK(created->replication.replication_factor == 2);
  CHECK(ringnode::decode_keyspace_create(R"({"name":"ks"})").error().message() == "'replication' is required");
  CHECK(ringnode::decode_keyspace_replication(R"({"replication":{"class":"NoSuchStrategy"}})").error().code() ==
        ringcore::ErrorCode::kUnsupported);
}

TEST_CASE("a peer's request is addressed to a node by its Host header's address and port") {
  using ringnode::addressed_to;
  CHECK(addressed_to("127.0.0.3:7000", "127.0.0.3", 7000));
  CHECK_FALSE(addressed_to("127.0.0.2:7000", "127.0.0.3", 7000));   // another node's address
  CHECK_FALSE(addressed_to("127.0.0.3:7001", "127.0.0.3", 7000));   // another port
  CHECK_FALSE(addressed_to("127.0.0.30:7000", "127.0.0.3", 7000));  // not a prefix match
  CHECK_FALSE(addressed_to("127.0.0.3", "127.0.0.3", 7000));        // no port is port 80
  CHECK(addressed_to("127.0.0.3", "127.0.0.3", 80));
  CHECK(addressed_to("[::1]:7000", "::1", 7000));
  CHECK_FALSE(addressed_to("[::1]", "::1", 7000));
  CHECK_FALSE(addressed_to("127.0.0.3:", "127.0.0.3", 7000));
  CHECK(addressed_to("", "127.0.0.3", 7000));  // HTTP/1.0: no Host header to judge by
}
