// Tokens and (left, right] token ranges.
#include "ringcore/token.h"

#include <doctest/doctest.h>

using ringcore::kMaxToken;
using ringcore::kMinToken;
using ringcore::parse_range;
using ringcore::parse_token;
using ringcore::TokenRange;

TEST_CASE("tokens parse and print as decimal over the whole signed 64-bit range") {
  CHECK(*parse_token("-9223372036854775808") == kMinToken);
  CHECK(*parse_token("9223372036854775807") == kMaxToken);
  CHECK(*parse_token("0") == 0);
  CHECK(ringcore::format_token(kMinToken) == "-9223372036854775808");
}

TEST_CASE("malformed and out-of-range tokens are refused, naming the text") {
  for (const char* bad : {"", "-", "+1", "12a", " 1", "1.5", "0x10"}) {
    CAPTURE(bad);
    auto t = parse_token(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code() == ringcore::ErrorCode::kInvalidInput);
  }
  auto big = parse_token("9223372036854775808");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message().find("out of range") != std::string::npos);
  CHECK(big.error().message().find("9223372036854775808") != std::string::npos);
}

TEST_CASE("a range holds tokens above its left and up to its right") {
  TokenRange r{10, 20};
  CHECK_FALSE(r.contains(10));
  CHECK(r.contains(11));
  CHECK(r.contains(20));
  CHECK_FALSE(r.contains(21));
  CHECK_FALSE(r.wraps());
  CHECK(r.width() == 10);
}

TEST_CASE("a range wraps around the end of the ring") {
  TokenRange r{100, -100};
  CHECK(r.wraps());
  CHECK(r.contains(kMaxToken));
  CHECK(r.contains(kMinToken));
  CHECK(r.contains(-100));
  CHECK_FALSE(r.contains(0));
  CHECK_FALSE(r.contains(100));
  CHECK(r.width() == static_cast<std::uint64_t>(0) - 200);
}

TEST_CASE("a range from a token to itself is the whole ring") {
  TokenRange r{5, 5};
  CHECK(r.is_full_ring());
  CHECK(r.contains(5));
  CHECK(r.contains(kMinToken));
  CHECK(r.contains(4));
}

TEST_CASE("a range ending at the minimum token reaches to the end of the ring") {
  TokenRange r{0, kMinToken};
  CHECK(r.contains(kMaxToken));
  CHECK(r.contains(kMinToken));
  CHECK_FALSE(r.contains(kMinToken + 1));
}

TEST_CASE("ranges parse from the interval and the colon forms and print as an interval") {
  CHECK(*parse_range("(-5,7]") == TokenRange{-5, 7});
  CHECK(*parse_range("(-5, 7]") == TokenRange{-5, 7});
  CHECK(*parse_range("-5:7") == TokenRange{-5, 7});
  CHECK(ringcore::format_range({-5, 7}) == "(-5,7]");
  for (const char* bad : {"", "(1,2)", "[1,2]", "(1;2]", "1-2", "(a,2]", "(1,99999999999999999999]"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_range(bad).ok());
  }
}
