#include "views/node_order.h"

#include <arpa/inet.h>

#include <array>
#include <tuple>

namespace ringctl {
namespace {

// (family rank, bytes): 0 IPv4, 1 IPv6, 2 not an address.
std::tuple<int, std::array<unsigned char, 16>> address_key(const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return {0, bytes};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) return {1, bytes};
  return {2, bytes};
}

}  // namespace

bool address_less(const std::string& a, const std::string& b) {
  const auto ka = address_key(a);
  const auto kb = address_key(b);
  if (ka != kb) return ka < kb;
  return a < b;
}

}  // namespace ringctl
