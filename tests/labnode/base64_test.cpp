// Base64 as values travel inside JSON between nodes.
#include "base64.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using ringnode::base64_decode;
using ringnode::base64_encode;

TEST_CASE("the RFC 4648 test vectors") {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    CAPTURE(bytes);
    CHECK(base64_encode(bytes) == text);
    auto decoded = base64_decode(text);
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("every byte value and length round-trips") {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 7));
    auto decoded = base64_decode(base64_encode(bytes));
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("malformed base64 is refused") {
  for (const char* bad : {"Zm9", "Zm9v!A==", "Z=9v", "====", "Zm\n9v"}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad).ok());
  }
}
