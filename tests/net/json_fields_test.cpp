// Reading the documents the programs exchange: leniently for answers, strictly for requests.
#include "ringnet/json_fields.h"

#include <doctest/doctest.h>

#include "ringcore/error.h"

namespace {

using nlohmann::json;
using namespace ringnet;

const json kDocument = {{"count", 42},    {"ratio", 0.25},       {"name", "node1"},
                        {"list", {1, 2}}, {"inner", {{"a", 1}}}, {"nothing", nullptr}};

std::string refusal_of(std::string_view body, json (*read)(std::string_view)) {
  try {
    read(body);
    return "";
  } catch (const ringcore::Error& e) {
    CHECK(e.code() == ringcore::ErrorCode::kInvalidInput);
    return e.message();
  }
}

}  // namespace

TEST_CASE("a document's fields are read when present with their type") {
  CHECK(json_int(kDocument, "count") == 42);
  CHECK(json_number(kDocument, "ratio") == 0.25);
  CHECK(json_number(kDocument, "count") == 42.0);
  CHECK(json_text(kDocument, "name") == "node1");
  CHECK(json_array(kDocument, "list") == json({1, 2}));
  CHECK(json_object(kDocument, "inner") == json({{"a", 1}}));
}

TEST_CASE("a field absent, null or of another type reads as absent, never throws") {
  for (const char* key : {"missing", "nothing", "name"}) {
    CAPTURE(key);
    CHECK(json_int(kDocument, key) == 0);
    CHECK_FALSE(json_number(kDocument, key).has_value());
    CHECK(json_array(kDocument, key) == json::array());
    CHECK(json_object(kDocument, key).is_null());
  }
  CHECK(json_text(kDocument, "count") == "");
  CHECK(json_text(kDocument, "count", "?") == "?");
  // A document that is not an object has no fields.
  for (const json& other : {json(nullptr), json(7), json("text"), json::array({1})}) {
    CHECK(json_text(other, "name", "none") == "none");
    CHECK(json_int(other, "count") == 0);
    CHECK(json_array(other, "list").empty());
    CHECK(json_object(other, "inner").is_null());
  }
}

TEST_CASE("a request body must be a JSON object, and only the lenient form takes an empty body as {}") {
  CHECK(object_body(R"({"keyspace": "ks"})") == json({{"keyspace", "ks"}}));
  CHECK(object_body_or_empty(R"({"keyspace": "ks"})") == json({{"keyspace", "ks"}}));
  CHECK(object_body_or_empty("") == json::object());
  CHECK(refusal_of("", object_body) == "the request body must be a JSON object");
  for (const char* body : {"[1]", "\"text\"", "{not json", "null", " "}) {
    CAPTURE(body);
    CHECK(refusal_of(body, object_body) == "the request body must be a JSON object");
    CHECK(refusal_of(body, object_body_or_empty) == "the request body must be a JSON object");
  }
}
