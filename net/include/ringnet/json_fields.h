// Reading the JSON documents that travel between the programs.
//
// Documents (a node's or agent's answer): read leniently. A reader prints or counts what is
// there and treats a field that is absent, or of another type, as absent, so an older or newer
// peer still works. Request bodies: read strictly, and a wrong body is the caller's error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ringnet {

// ---- documents, leniently: `object` may be anything; a non-object has no fields ----

// object[key] as a number; nullopt when absent or not a number.
std::optional<double> json_number(const nlohmann::json& object, const char* key);
// object[key] as an integer; 0 when absent or not a number (a fraction is truncated).
std::int64_t json_int(const nlohmann::json& object, const char* key);
// object[key] as a string; `fallback` when absent or not a string.
std::string json_text(const nlohmann::json& object, const char* key, const std::string& fallback = "");
// object[key] as an array; an empty array when absent or not an array.
const nlohmann::json& json_array(const nlohmann::json& object, const char* key);
// object[key] as an object; null when absent or not an object.
const nlohmann::json& json_object(const nlohmann::json& object, const char* key);

// ---- request bodies, strictly ----

// The body as a JSON object; anything else (an empty body too) throws ringcore::Error
// kInvalidInput "the request body must be a JSON object".
nlohmann::json object_body(std::string_view body);
// The same, but an empty body is {}: for endpoints whose fields are all optional (operations).
nlohmann::json object_body_or_empty(std::string_view body);

}  // namespace ringnet
