// One topology-changing run per cluster at a time: an exclusive flock(2) on
// <runs directory>/locks/<cluster>.lock, held while the run works. The kernel drops it when the
// process dies (even by SIGKILL), so a crashed run never leaves the cluster locked, and
// `resume` takes it again. The agents' one-operation rule is the second guard.
#pragma once

#include <string>

namespace ringctl::playbook {

class ClusterLock {
 public:
  // Takes the lock of `cluster` for `run_id`. Throws ringcore::Error (kConflict) when another
  // process holds it, naming the run that does; kFailed when the file cannot be opened.
  ClusterLock(const std::string& cluster, const std::string& run_id);
  ~ClusterLock();
  ClusterLock(const ClusterLock&) = delete;
  ClusterLock& operator=(const ClusterLock&) = delete;

 private:
  int fd_ = -1;
};

// The name a cluster's lock goes by: the --cluster name, else the -h agent, else "default";
// characters other than letters, digits, '.', '-' and '_' become '_'. A run resolves its cluster
// through the cluster config first (run_lock_name in runner.cpp), so that `-h AGENT` and
// `--cluster NAME` of one cluster share one lock.
std::string cluster_lock_name(const std::string& cluster, const std::string& host);

}  // namespace ringctl::playbook
