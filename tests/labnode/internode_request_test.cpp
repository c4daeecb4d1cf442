// Decoding what a peer sends to the internode API: a bad field is a 400 naming it, never an
// internal error (a tombstone or value of the wrong type was a 500 "type_error" before).
#include "internode_api.h"

#include <doctest/doctest.h>

#include <string>

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
