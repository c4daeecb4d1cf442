// EndpointState: versions, deltas and the "newer version wins" merge.
#include "ringcore/gossip/endpoint_state.h"

#include <doctest/doctest.h>

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;
using gossip::EndpointState;
using gossip::HeartbeatState;
using gossip::VersionedValue;

namespace {

// Generation 7, heartbeat version 10, STATUS at 3, LOAD at 12, DC at 1.
EndpointState sample() {
  EndpointState state(HeartbeatState{7, 10});
  state.put(ApplicationState::kLoad, VersionedValue{"100.0", 12});
  state.put(ApplicationState::kStatus, VersionedValue{"NORMAL,5", 3});
  state.put(ApplicationState::kDc, VersionedValue{"dc1", 1});
  return state;
}

}  // namespace

TEST_CASE("states are kept in enum order, one value each") {
  EndpointState state = sample();
  state.put(ApplicationState::kStatus, VersionedValue{"LEAVING,5", 13});
  REQUIRE(state.states().size() == 3);
  CHECK(state.states()[0].first == ApplicationState::kStatus);
  CHECK(state.states()[1].first == ApplicationState::kLoad);
  CHECK(state.states()[2].first == ApplicationState::kDc);
  CHECK(state.get(ApplicationState::kStatus)->value == "LEAVING,5");
  CHECK(state.get(ApplicationState::kRack) == nullptr);
}

TEST_CASE("the max version covers the heartbeat and every state") {
  EndpointState state = sample();
  CHECK(state.max_version() == 12);
  state.set_heartbeat(HeartbeatState{7, 20});
  CHECK(state.max_version() == 20);
  CHECK(EndpointState(HeartbeatState{1, 0}).max_version() == 0);
}

TEST_CASE("newer_than sends only what the peer lacks, always with the heartbeat") {
  const EndpointState state = sample();
  auto delta = state.newer_than(3);
  REQUIRE(delta.has_value());
  CHECK(delta->heartbeat() == HeartbeatState{7, 10});
  REQUIRE(delta->states().size() == 1);
  CHECK(delta->get(ApplicationState::kLoad)->version == 12);

  auto heartbeat_only = state.newer_than(11);
  REQUIRE(heartbeat_only.has_value());  // LOAD at 12 is newer than 11
  CHECK(heartbeat_only->states().size() == 1);

  CHECK_FALSE(state.newer_than(12).has_value());
  CHECK(*state.newer_than(-1) == state);
}

TEST_CASE("merging: a newer version wins, an older or equal one is ignored") {
  EndpointState local = sample();
  EndpointState remote(HeartbeatState{7, 9});                              // older heartbeat
  remote.put(ApplicationState::kStatus, VersionedValue{"LEAVING,5", 14});  // newer
  remote.put(ApplicationState::kLoad, VersionedValue{"1.0", 11});          // older
  remote.put(ApplicationState::kDc, VersionedValue{"other", 1});           // same version
  remote.put(ApplicationState::kRack, VersionedValue{"r1", 2});            // new to us

  const auto changed = local.merge_newer(remote);
  CHECK(changed == std::vector<ApplicationState>{ApplicationState::kStatus, ApplicationState::kRack});
  CHECK(local.get(ApplicationState::kStatus)->value == "LEAVING,5");
  CHECK(local.get(ApplicationState::kLoad)->value == "100.0");
  CHECK(local.get(ApplicationState::kDc)->value == "dc1");
  CHECK(local.get(ApplicationState::kRack)->value == "r1");
  CHECK(local.heartbeat() == HeartbeatState{7, 10});  // the older heartbeat did not win

  EndpointState beat(HeartbeatState{7, 30});
  CHECK(local.merge_newer(beat).empty());
  CHECK(local.heartbeat().version == 30);
}
