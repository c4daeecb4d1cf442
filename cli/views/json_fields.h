// Lenient readers for the agent's JSON documents: renderers print what is there and a zero or
// empty value for what is missing or of another type, so an older or newer agent still renders.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ringctl {

// object[key] as an integer; 0 when absent or not a number.
std::int64_t json_int(const nlohmann::json& object, const char* key);
// object[key] as a string; `fallback` when absent or not a string.
std::string json_text(const nlohmann::json& object, const char* key, const std::string& fallback = "");
// object[key] as an array; an empty array when absent or not an array.
const nlohmann::json& json_array(const nlohmann::json& object, const char* key);

}  // namespace ringctl
