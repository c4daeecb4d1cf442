// A test hook: holds an operation at a named phase, so that a test can kill the node (or its
// agent) there. Some phases pass in a moment and no throttle holds them: a bootstrap between its
// last stream and its NORMAL announcement, a cleanup between its last range and its final
// compaction, a decommission or removenode between its announcement and its first stream, a
// repair's coordinator between its replicas' Merkle trees and their comparison, a node starting
// between its first gossip and its joining.
//
// Off unless the environment sets RINGNODE_TEST_HOLD_DIR (read once, at the first phase
// reached): then, at each phase, the operation waits while the file <dir>/<phase> exists (checked
// every 20 ms), logging "test hold: <phase> ..." when it starts to wait. A test creates the file
// before the phase, sees the node waiting there, and removes the file (or kills the node). Off,
// a phase costs one test of a flag read once. docs/ringnode-api.md, "Test hooks".
#pragma once

#include <string_view>

#include "job_registry.h"

namespace ringnode {

// The phases, as the files name them.
inline constexpr std::string_view kHoldBootstrapStreamed = "bootstrap_streamed";  // NORMAL not yet announced
inline constexpr std::string_view kHoldCleanupCompacting = "cleanup_compacting";  // every range dropped
// LEAVING seen by every peer, nothing streamed yet.
inline constexpr std::string_view kHoldDecommissionAnnounced = "decommission_announced";
// The dead node's REMOVING seen by every peer, nothing streamed yet.
inline constexpr std::string_view kHoldRemovenodeAnnounced = "removenode_announced";
// On a repair's coordinator: every replica's Merkle tree of a run of segments whose digests
// differ received, none compared yet (each range repaired at once waits there on its own).
inline constexpr std::string_view kHoldRepairValidating = "repair_validating";
// A node starting: gossiping and serving clients, not yet joined (join(): a member's NORMAL
// published again, or a new node's bootstrap started).
inline constexpr std::string_view kHoldStartJoining = "start_joining";

// Waits at `phase` as above; returns at once when the hook is off, the file is absent, or the
// job is cancelled (the node is stopping).
void hold_for_test(std::string_view phase, const JobHandle& job);
// The same outside a job (a node starting): waits until the file is removed or the process
// is killed.
void hold_for_test(std::string_view phase);

}  // namespace ringnode
