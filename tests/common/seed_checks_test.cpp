// The seed-lists reminder after scaling: a seed that left the ring, a datacenter without a seed,
// and the seeds named when all is well.
#include "ringcore/seed_checks.h"

#include <doctest/doctest.h>

#include "support/ring_builder.h"

using ringcore::CheckStatus;
using ringcore::ClusterObservations;

namespace {

ringcore::ClusterSnapshot two_dcs() {
  return test_support::ring_of({{"10.0.0.1", "dc1", "r1", {0}},
                                {"10.0.0.2", "dc1", "r1", {100}},
                                {"10.0.1.1", "dc2", "r1", {50}},
                                {"10.0.1.2", "dc2", "r1", {150}}});
}

ClusterObservations with_seeds(std::vector<std::string> seeds) {
  ClusterObservations observations;
  observations.seeds = std::move(seeds);
  return observations;
}

}  // namespace

TEST_CASE("seeds in every datacenter, all members: ok, naming them by datacenter") {
  const auto check = ringcore::check_seed_lists(two_dcs(), with_seeds({"10.0.0.1", "10.0.0.2", "10.0.1.1"}));
  CHECK(check.name == "seed_lists");
  CHECK(check.status == CheckStatus::kOk);
  CHECK(check.message ==
        "seeds by datacenter dc1: 10.0.0.1, 10.0.0.2; dc2: 10.0.1.1 (a node added is a seed only once named in the "
        "seed lists)");
}

TEST_CASE("a seed that left the ring is a warning naming it") {
  const auto check = ringcore::check_seed_lists(two_dcs(), with_seeds({"10.0.0.1", "10.0.0.9", "10.0.1.1"}));
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.nodes == std::vector<std::string>{"10.0.0.9"});
  CHECK(check.message ==
        "10.0.0.9 is in a seed list but no longer in the ring: remove it from the seeds of every node's "
        "configuration (a node reads its seeds at start; Cassandra 4.0+: nodetool reloadseeds)");
}

TEST_CASE("a datacenter with members but no seed is a warning") {
  const auto check = ringcore::check_seed_lists(two_dcs(), with_seeds({"10.0.0.1"}));
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.message.starts_with("dc2 has no seed: name one or two of its nodes in every node's seed list"));
}

TEST_CASE("without seed lists from the agents the check is unknown") {
  const auto check = ringcore::check_seed_lists(two_dcs(), {});
  CHECK(check.status == CheckStatus::kUnknown);
  CHECK(check.message.find("not known") != std::string::npos);
}
