// Where a command gets its cluster snapshot from: a file (--ring FILE) for now; live agents
// plug in here later, so every view renders live and offline data the same way.
#pragma once

#include <string>

#include "ringcore/snapshot.h"

namespace ringctl {

struct SnapshotSource {
  std::string ring_file;  // --ring FILE; "-" reads standard input
};

// Reads and parses the snapshot; errors name the file. Throws ringcore::Error.
ringcore::ClusterSnapshot load_snapshot(const SnapshotSource& source);

}  // namespace ringctl
