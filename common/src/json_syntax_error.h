// Private to ringcore: one phrasing for JSON that does not parse, so a reader sees where and
// why ("not valid JSON at line 3, column 7: unexpected '}'") instead of the library's
// "[json.exception.parse_error.101] ..." text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ringcore/error.h"

namespace ringcore {

// An invalid_input error: `what` ("gossip message"; may be empty), the parser's reason and, for a
// syntax error, its line and column in `text`. Takes any exception the parser throws: besides
// syntax errors it throws out_of_range for a number too large for a double ("1e999").
Error json_syntax_error(std::string_view what, std::string_view text, const nlohmann::json::exception& error);

}  // namespace ringcore
