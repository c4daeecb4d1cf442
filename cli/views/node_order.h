// The order rows are printed in. nodetool prints status rows in Java HashMap order of
// "ip:port" strings; ringctl sorts by address instead (numerically for IPs), a deliberate
// difference recorded in docs/nodetool-differences.md.
#pragma once

#include <string>

namespace ringctl {

// Strict weak order: IPv4 before IPv6, each numerically; anything else (host names) after,
// by text.
bool address_less(const std::string& a, const std::string& b);

}  // namespace ringctl
