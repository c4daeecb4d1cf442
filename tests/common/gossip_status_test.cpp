// STATUS values: the formats of nodetool-facts §6.1 and what they mean for a snapshot.
#include "ringcore/gossip/gossip_status.h"

#include <doctest/doctest.h>

#include <string>

namespace gossip = ringcore::gossip;
using gossip::StatusKind;
using ringcore::NodeState;

TEST_CASE("STATUS values are written as Cassandra writes them") {
  CHECK(gossip::status_boot(-42) == "BOOT,-42");
  CHECK(gossip::status_normal(ringcore::kMinToken) == "NORMAL,-9223372036854775808");
  CHECK(gossip::status_leaving(7) == "LEAVING,7");
  CHECK(gossip::status_left(7, 1700000000000) == "LEFT,7,1700000000000");
  CHECK(gossip::status_moving(8) == "MOVING,8");
  CHECK(gossip::status_removing("6f1c-uuid") == "removing,6f1c-uuid");
  CHECK(gossip::status_removed("6f1c-uuid", 99) == "removed,6f1c-uuid,99");
  CHECK(gossip::status_shutdown() == "shutdown,true");
  CHECK(gossip::status_hibernate() == "hibernate,true");
  CHECK(gossip::status_boot_replace("127.0.0.9:7000") == "BOOT_REPLACE,127.0.0.9:7000");
}

TEST_CASE("every STATUS value parses back into its parts") {
  auto left = gossip::parse_status_value(gossip::status_left(-5, 1234));
  REQUIRE(left.ok());
  CHECK(left->kind == StatusKind::kLeft);
  CHECK(left->token == -5);
  CHECK(left->expire_ms == 1234);

  auto removed = gossip::parse_status_value("removed,abc,77");
  REQUIRE(removed.ok());
  CHECK(removed->kind == StatusKind::kRemoved);
  CHECK(removed->host_id == "abc");
  CHECK(removed->expire_ms == 77);
  CHECK_FALSE(removed->token.has_value());

  CHECK(gossip::parse_status_value("BOOT_REPLACE,10.0.0.1")->replaced_address == "10.0.0.1");
  CHECK(gossip::parse_status_value("shutdown,true")->kind == StatusKind::kShutdown);
  CHECK(gossip::parse_status_value("hibernate,true")->kind == StatusKind::kHibernate);
  CHECK(gossip::parse_status_value("removing,abc")->host_id == "abc");
  for (auto [text, kind] : {std::pair{"BOOT,1", StatusKind::kBoot},
                            {"NORMAL,1", StatusKind::kNormal},
                            {"LEAVING,1", StatusKind::kLeaving},
                            {"MOVING,1", StatusKind::kMoving}}) {
    CAPTURE(text);
    auto status = gossip::parse_status_value(text);
    REQUIRE(status.ok());
    CHECK(status->kind == kind);
    CHECK(status->token == 1);
    CHECK(std::string(gossip::status_kind_keyword(kind)) + ",1" == text);
  }
}

TEST_CASE("malformed STATUS values are refused with the reason") {
  const std::pair<const char*, const char*> cases[] = {
      {"normal,1", "unknown status 'normal'"},
      {"", "unknown status ''"},
      {"NORMAL", "takes 1 field(s), not 0"},
      {"NORMAL,1,2", "takes 1 field(s), not 2"},
      {"LEFT,1", "takes 2 field(s), not 1"},
      {"NORMAL,abc", "abc"},
      {"NORMAL,", "NORMAL,"},
      {"LEFT,1,soon", "expiry time 'soon'"},
      {"LEFT,1,-5", "expiry time '-5'"},
      {"shutdown,false", "expected 'true'"},
      {"removing,", "host id is empty"},
      {"BOOT_REPLACE,", "replaced address is empty"},
  };
  for (auto [text, reason] : cases) {
    CAPTURE(text);
    auto status = gossip::parse_status_value(text);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(status.error().message().find(reason) != std::string::npos);
  }
}

TEST_CASE("STATUS maps to the snapshot's node state, LEFT and removed to none") {
  CHECK(gossip::node_state_of(StatusKind::kBoot) == NodeState::kJoining);
  CHECK(gossip::node_state_of(StatusKind::kBootReplace) == NodeState::kJoining);
  CHECK(gossip::node_state_of(StatusKind::kNormal) == NodeState::kNormal);
  CHECK(gossip::node_state_of(StatusKind::kShutdown) == NodeState::kNormal);
  CHECK(gossip::node_state_of(StatusKind::kHibernate) == NodeState::kNormal);
  CHECK(gossip::node_state_of(StatusKind::kLeaving) == NodeState::kLeaving);
  CHECK(gossip::node_state_of(StatusKind::kRemoving) == NodeState::kLeaving);
  CHECK(gossip::node_state_of(StatusKind::kMoving) == NodeState::kMoving);
  CHECK_FALSE(gossip::node_state_of(StatusKind::kLeft).has_value());
  CHECK_FALSE(gossip::node_state_of(StatusKind::kRemoved).has_value());
}

TEST_CASE("dead and silent-shutdown states are Cassandra's sets") {
  for (StatusKind kind : {StatusKind::kRemoving, StatusKind::kRemoved, StatusKind::kLeft, StatusKind::kHibernate}) {
    CHECK(gossip::is_dead_state(kind));
    CHECK(gossip::is_silent_shutdown_state(kind));
  }
  for (StatusKind kind : {StatusKind::kBoot, StatusKind::kBootReplace}) {
    CHECK_FALSE(gossip::is_dead_state(kind));
    CHECK(gossip::is_silent_shutdown_state(kind));
  }
  for (StatusKind kind : {StatusKind::kNormal, StatusKind::kLeaving, StatusKind::kMoving, StatusKind::kShutdown}) {
    CHECK_FALSE(gossip::is_dead_state(kind));
    CHECK_FALSE(gossip::is_silent_shutdown_state(kind));
  }
}
