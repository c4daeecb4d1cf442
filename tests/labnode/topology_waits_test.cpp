// The fixed waits of a topology operation (topology_steps.h) against scripted answers about the
// peers, on a clock that moves only when the wait sleeps: each returns as soon as its condition
// holds, polls at its interval, stops asking once it holds, and at the deadline says what was
// not reached.
#include "topology_steps.h"

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using Pauses = std::vector<std::chrono::milliseconds>;
using Names = std::vector<std::string>;
using HintCounts = std::map<std::string, std::size_t>;

// Answers in order, the last one again and again; counts the questions.
template <class T>
struct Script {
  std::deque<T> answers;
  int asked = 0;
  T operator()() {
    ++asked;
    T next = answers.front();
    if (answers.size() > 1) answers.pop_front();
    return next;
  }
};

std::chrono::milliseconds elapsed(const test_support::FakeClock& time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.now - std::chrono::steady_clock::time_point{});
}

ringcore::Node member(const std::string& address, ringcore::NodeStatus status = ringcore::NodeStatus::kUp) {
  ringcore::Node node;
  node.address = address;
  node.status = status;
  return node;
}

std::vector<ringnode::RangeTransfer> streams_from(const std::string& source) {
  return {{"shop", ringcore::TokenRange{ringcore::Token{0}, ringcore::Token{100}}, source, "127.0.0.1"}};
}

}  // namespace

TEST_CASE("the wait for in-flight writes sleeps the write timeout once") {
  test_support::FakeClock time;
  ringnode::wait_for_inflight_writes_on(time.clock());
  CHECK(time.pauses == Pauses{2000ms});
}

TEST_CASE("peers up: returns at the look that finds none down, polling every 200 ms") {
  test_support::FakeClock time;
  Script<Names> down{{{"127.0.0.2", "127.0.0.3"}, {"127.0.0.3"}, {}}};
  CHECK(ringnode::wait_until_peers_up(std::ref(down), 60s, time.clock()));
  CHECK(down.asked == 3);  // not asked again once all were up
  CHECK(time.pauses == Pauses{200ms, 200ms});
}

TEST_CASE("peers up: at the deadline fails unavailable naming the nodes still down") {
  test_support::FakeClock time;
  Script<Names> down{{{"127.0.0.2", "127.0.0.3"}}};
  const auto status = ringnode::wait_until_peers_up(std::ref(down), 1s, time.clock());
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(status.error().message() == "not seen up in this node's gossip after 1 s: 127.0.0.2, 127.0.0.3");
  CHECK(elapsed(time) == 1000ms);
  CHECK(down.asked == 6);  // at 0, 200, ..., 1000 ms
}

TEST_CASE("schema agreement: returns once no peer gossips another version, and fails naming one that does") {
  SUBCASE("agreed at the third look") {
    test_support::FakeClock time;
    Script<Names> differing{{{"127.0.0.2"}, {"127.0.0.2"}, {}}};
    CHECK(ringnode::wait_for_schema_agreement(std::ref(differing), 60s, time.clock()));
    CHECK(differing.asked == 3);
    CHECK(time.pauses == Pauses{200ms, 200ms});
  }
  SUBCASE("never agreed") {
    test_support::FakeClock time;
    Script<Names> differing{{{"127.0.0.3", "127.0.0.2"}}};
    const auto status = ringnode::wait_for_schema_agreement(std::ref(differing), 2s, time.clock());
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ringcore::ErrorCode::kFailed);
    CHECK(status.error().message() == "no schema agreement after 2 s with 127.0.0.3");
    CHECK(elapsed(time) == 2000ms);
  }
}

TEST_CASE("peers see a status: asks each live peer until all have learnt it, then no more") {
  test_support::FakeClock time;
  Script<Names> peers{{{"127.0.0.2", "127.0.0.3"}}};
  std::map<std::string, int> asked;
  // 127.0.0.2 has it at once, 127.0.0.3 from its third answer.
  const auto sees = [&](const std::string& peer) { return ++asked[peer] >= (peer == "127.0.0.3" ? 3 : 1); };
  CHECK(ringnode::wait_until_peers_see("127.0.0.4", "BOOT,42", std::ref(peers), sees, 60s, time.clock()));
  CHECK(asked == std::map<std::string, int>{{"127.0.0.2", 3}, {"127.0.0.3", 3}});
  CHECK(time.pauses == Pauses{200ms, 200ms});
}

TEST_CASE("peers see a status: a peer that went down is no longer waited for") {
  test_support::FakeClock time;
  Script<Names> peers{{{"127.0.0.2", "127.0.0.3"}, {"127.0.0.2"}}};
  const auto sees = [](const std::string& peer) { return peer == "127.0.0.2"; };
  CHECK(ringnode::wait_until_peers_see("127.0.0.4", "LEAVING,42", std::ref(peers), sees, 60s, time.clock()));
  CHECK(peers.asked == 2);
}

TEST_CASE("peers see a status: at the deadline fails naming the peers that had not learnt it") {
  test_support::FakeClock time;
  Script<Names> peers{{{"127.0.0.2", "127.0.0.3", "127.0.0.5"}}};
  const auto sees = [](const std::string& peer) { return peer == "127.0.0.3"; };
  const auto status = ringnode::wait_until_peers_see("127.0.0.4", "LEFT,42", std::ref(peers), sees, 3s, time.clock());
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ringcore::ErrorCode::kFailed);
  CHECK(status.error().message() == "peers had not learnt 127.0.0.4's status LEFT,42 after 3 s: 127.0.0.2, 127.0.0.5");
  CHECK(elapsed(time) == 3000ms);
  CHECK(peers.asked == 16);  // every 200 ms from 0 to 3000 ms
}

TEST_CASE("source hints: waits until every live holder holds none for the sources, and returns the first count") {
  test_support::FakeClock time;
  // This node and 127.0.0.3 are up; 127.0.0.5 is down and is never asked.
  Script<std::vector<ringcore::Node>> members{
      {{member("127.0.0.1"), member("127.0.0.3"), member("127.0.0.5", ringcore::NodeStatus::kDown)}}};
  std::map<std::string, Script<HintCounts>> held{
      {"127.0.0.1", {{{{"127.0.0.9", 7}}}}},  // hints for another node only: none for the source
      {"127.0.0.3", {{{{"127.0.0.2", 3}}, {{"127.0.0.2", 1}}, {}}}}};
  const ringnode::HintHolders holders{"127.0.0.1", std::ref(members),
                                      [&](const std::string& holder) -> ringcore::Result<HintCounts> {
                                        REQUIRE(held.contains(holder));
                                        return held.at(holder)();
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, streams_from("127.0.0.2"), 120s, time.clock());
  REQUIRE(awaited);
  CHECK(*awaited == 3);
  CHECK(held.at("127.0.0.1").asked == 1);  // done with it at the first look
  CHECK(held.at("127.0.0.3").asked == 3);
  CHECK(time.pauses == Pauses{500ms, 500ms});
}

TEST_CASE("source hints: a holder that goes down is not waited for") {
  test_support::FakeClock time;
  Script<std::vector<ringcore::Node>> members{
      {{member("127.0.0.1"), member("127.0.0.3")},
       {member("127.0.0.1"), member("127.0.0.3")},
       {member("127.0.0.1"), member("127.0.0.3", ringcore::NodeStatus::kDown)}}};
  int asked = 0;
  const ringnode::HintHolders holders{"127.0.0.1", std::ref(members),
                                      [&](const std::string& holder) -> ringcore::Result<HintCounts> {
                                        ++asked;
                                        return holder == "127.0.0.3" ? HintCounts{{"127.0.0.2", 4}} : HintCounts{};
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, streams_from("127.0.0.2"), 120s, time.clock());
  REQUIRE(awaited);
  CHECK(*awaited == 4);
  CHECK(asked == 2);  // this node once, 127.0.0.3 once before it went down
}

TEST_CASE("source hints: a source that goes down ends the wait at once, unavailable, naming it") {
  test_support::FakeClock time;
  // 127.0.0.3 holds hints for the source 127.0.0.2, which cannot be delivered once it is down.
  // Asked at the start, at the first look (up), and at the second (down).
  Script<std::vector<ringcore::Node>> members{
      {{member("127.0.0.1"), member("127.0.0.2"), member("127.0.0.3")},
       {member("127.0.0.1"), member("127.0.0.2"), member("127.0.0.3")},
       {member("127.0.0.1"), member("127.0.0.2", ringcore::NodeStatus::kDown), member("127.0.0.3")}}};
  const ringnode::HintHolders holders{"127.0.0.1", std::ref(members),
                                      [](const std::string& holder) -> ringcore::Result<HintCounts> {
                                        if (holder == "127.0.0.3") return HintCounts{{"127.0.0.2", 5}};
                                        return HintCounts{};
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, streams_from("127.0.0.2"), 120s, time.clock());
  REQUIRE_FALSE(awaited);
  CHECK(awaited.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(awaited.error().message() == "source 127.0.0.2 is down (it went down while its hints were awaited)");
  CHECK(time.pauses == Pauses{500ms});  // the second look, not the 120 s deadline
}

TEST_CASE("source hints: at the deadline fails timed out naming a holder, the source and the count") {
  test_support::FakeClock time;
  Script<std::vector<ringcore::Node>> members{{{member("127.0.0.1"), member("127.0.0.3")}}};
  const ringnode::HintHolders holders{"127.0.0.1", std::ref(members),
                                      [](const std::string& holder) -> ringcore::Result<HintCounts> {
                                        if (holder == "127.0.0.3") return HintCounts{{"127.0.0.2", 5}};
                                        return HintCounts{};
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, streams_from("127.0.0.2"), 2s, time.clock());
  REQUIRE_FALSE(awaited);
  CHECK(awaited.error().code() == ringcore::ErrorCode::kTimedOut);
  CHECK(awaited.error().message() ==
        "hints for the stream sources not delivered within 2 s: 127.0.0.3 holds 5 hints for 127.0.0.2; streaming "
        "from 127.0.0.2 now would leave the rows it missed off the new replicas. Retry once the hints are "
        "delivered (GET /v1/node: hints.pending)");
  CHECK(elapsed(time) == 2000ms);
  CHECK(time.pauses == Pauses{500ms, 500ms, 500ms, 500ms});
}

TEST_CASE("source hints: a holder that never answers is named with its last error") {
  test_support::FakeClock time;
  Script<std::vector<ringcore::Node>> members{{{member("127.0.0.1"), member("127.0.0.3")}}};
  const ringnode::HintHolders holders{"127.0.0.1", std::ref(members),
                                      [](const std::string& holder) -> ringcore::Result<HintCounts> {
                                        if (holder == "127.0.0.3")
                                          return ringcore::Error::timed_out("no answer in 2 s");
                                        return HintCounts{};
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, streams_from("127.0.0.2"), 1s, time.clock());
  REQUIRE_FALSE(awaited);
  CHECK(awaited.error().message().starts_with(
      "hints for the stream sources not delivered within 1 s: 127.0.0.3 did not say how many hints it holds for "
      "127.0.0.2 (no answer in 2 s); streaming from 127.0.0.2"));
}

TEST_CASE("source hints: nothing to stream asks nobody") {
  test_support::FakeClock time;
  const ringnode::HintHolders holders{"127.0.0.1",
                                      []() -> std::vector<ringcore::Node> {
                                        FAIL("asked for the members");
                                        return {};
                                      },
                                      [](const std::string&) -> ringcore::Result<HintCounts> {
                                        FAIL("asked for hints");
                                        return HintCounts{};
                                      }};
  const auto awaited = ringnode::wait_for_source_hints(holders, {}, 120s, time.clock());
  REQUIRE(awaited);
  CHECK(*awaited == 0);
  CHECK(time.pauses.empty());
}
