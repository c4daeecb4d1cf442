// The shadow round of a starting node (GossipDriver::learn_from_seeds) against seeds that answer
// on cue, on a clock that moves only when the wait sleeps: it asks the seeds in turn, retries
// every second, stops at the first answer, and at the deadline names each seed's last failure.
#include "gossip_driver.h"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using Pauses = std::vector<std::chrono::milliseconds>;
namespace gossip = ringcore::gossip;

constexpr const char* kSelf = "127.0.0.1";

// Seeds that fail their first `failures[seed]` requests for states (all of them when absent
// from `answering`), then answer with a cluster of themselves. Gossip messages get no answer.
class SeedsOnCue : public ringnode::GossipTransport {
 public:
  SeedsOnCue(std::map<std::string, int> failures, std::set<std::string> answering)
      : failures_(std::move(failures)), answering_(std::move(answering)) {}

  ringcore::Result<std::vector<gossip::GossipMessage>> exchange(const std::string& peer,
                                                                const gossip::GossipMessage&) override {
    return ringcore::Error(ringcore::ErrorCode::kUnavailable, peer + " is not listening");
  }

  ringcore::Result<gossip::GossipDigestAck2> fetch_states(const std::string& seed) override {
    std::lock_guard lock(mutex_);
    CHECK(seed != kSelf);
    const int asked = ++asked_[seed];
    if (!answering_.contains(seed) || asked <= failures_[seed]) {
      return ringcore::Error(ringcore::ErrorCode::kUnavailable, seed + ": connection refused");
    }
    gossip::GossiperConfig config;
    config.self = seed;
    config.generation = 1;
    ringnode::GossipDriver seed_driver(config, {}, *this);
    return seed_driver.all_states();
  }

  std::map<std::string, int> asked() const {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> failures_;
  std::set<std::string> answering_;
  std::map<std::string, int> asked_;
};

gossip::GossiperConfig starting_node(std::vector<std::string> seeds) {
  gossip::GossiperConfig config;
  config.self = kSelf;
  config.seeds = std::move(seeds);
  config.generation = 2;
  return config;
}

}  // namespace

TEST_CASE("the shadow round asks the seeds in turn every second and stops at the first that answers") {
  SeedsOnCue seeds({{"127.0.0.3", 1}}, {"127.0.0.3"});  // 127.0.0.2 never answers
  test_support::FakeClock time;
  const std::vector<std::string> seed_list{kSelf, "127.0.0.2", "127.0.0.3"};
  ringnode::GossipDriver driver(starting_node(seed_list), {}, seeds, time.clock());

  CHECK(driver.learn_from_seeds(seed_list, 30s));
  CHECK(seeds.asked() == std::map<std::string, int>{{"127.0.0.2", 2}, {"127.0.0.3", 2}});
  CHECK(time.pauses == Pauses{1000ms});
  std::set<std::string> known;
  for (const auto& [endpoint, state] : driver.all_states().states) known.insert(endpoint);
  CHECK(known.contains("127.0.0.3"));  // learnt from it
}

TEST_CASE("the shadow round at its deadline fails unavailable with each seed's last failure") {
  SeedsOnCue seeds({}, {});
  test_support::FakeClock time;
  const std::vector<std::string> seed_list{"127.0.0.2", "127.0.0.3"};
  ringnode::GossipDriver driver(starting_node(seed_list), {}, seeds, time.clock());

  const ringcore::Status learnt = driver.learn_from_seeds(seed_list, 2500ms);
  REQUIRE_FALSE(learnt);
  CHECK(learnt.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(learnt.error().message() ==
        "could not learn the cluster from the seeds within 2 s: [127.0.0.2: connection refused] "
        "[127.0.0.3: connection refused]");
  CHECK(time.pauses == Pauses{1000ms, 1000ms, 500ms});
  CHECK(seeds.asked() == std::map<std::string, int>{{"127.0.0.2", 4}, {"127.0.0.3", 4}});
}

TEST_CASE("the shadow round of the only seed has nobody to ask and succeeds at once") {
  SeedsOnCue seeds({}, {});
  test_support::FakeClock time;
  ringnode::GossipDriver driver(starting_node({kSelf}), {}, seeds, time.clock());

  CHECK(driver.learn_from_seeds({kSelf}, 30s));
  CHECK(seeds.asked().empty());
  CHECK(time.pauses.empty());
}
