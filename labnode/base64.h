// Base64 (RFC 4648, with padding): how values travel inside JSON.
#pragma once

#include <string>
#include <string_view>

#include "ringcore/error.h"

namespace ringnode {

std::string base64_encode(std::string_view bytes);
// Errors (kInvalidInput) for characters outside the alphabet and bad lengths or padding.
ringcore::Result<std::string> base64_decode(std::string_view text);

}  // namespace ringnode
