#include "playbook/cluster_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "playbook/run_journal.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

ClusterLock::ClusterLock(const std::string& cluster, const std::string& run_id) {
  const std::string directory = runs_directory() + "/locks";
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  const std::string path = directory + "/" + cluster + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw ringcore::Error::failed("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[256] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    throw ringcore::Error::conflict(
        "another playbook run changes the topology of cluster " + cluster + " (run " +
        (n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("unknown")) +
        "); one at a time (ringctl playbook runs)");
  }
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, run_id.data(), run_id.size(), 0);
  }
}

ClusterLock::~ClusterLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

std::string cluster_lock_name(const std::string& cluster, const std::string& host) {
  std::string name = !cluster.empty() ? cluster : !host.empty() ? host : "default";
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-' && c != '_') c = '_';
  }
  return name;
}

}  // namespace ringctl::playbook
