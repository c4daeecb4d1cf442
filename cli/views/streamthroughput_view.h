// The getstreamthroughput view: nodetool getstreamthroughput's layout over an agent's streams
// document (GET /v1/streams "streams": throughput_mib_per_second, 0 = unlimited).
//
//   Current stream throughput: unlimited
//   Current stream throughput: 201 Mb/s          (megabits, nodetool's default unit)
//   Current stream throughput: 201.326592 Mb/s   (when not a whole number)
//   Current stream throughput: 24.0 MiB/s        (-m/--mib)
// 1 MiB/s = 8.388608 Mb/s, as Cassandra converts.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

// MiB/s in megabits/s (1 MiB/s = 8.388608 Mb/s), computed as bits / 10^6 so that whole
// megabits come out whole.
inline double megabits_per_second(double mib_per_second) { return mib_per_second * 8388608.0 / 1e6; }

void print_streamthroughput(const nlohmann::json& streams, bool in_mib, std::ostream& out);
// {"mib_per_second", "megabits_per_second", "unlimited"} (docs/json-output.md).
Document streamthroughput_document(const nlohmann::json& streams);

}  // namespace ringctl
