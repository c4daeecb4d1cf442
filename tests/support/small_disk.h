// SmallDisk: a tmpfs of a given size mounted on a directory for a test (a node's data directory
// on a disk that fills up), unmounted at the end; and whether this process may mount one at all
// (root in a container without CAP_SYS_ADMIN may not).
#pragma once

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace test_support {

// A tmpfs of `mebibytes` mounted on `directory` (created if need be), unmounted (lazily, should
// a process still hold it) when the handle goes away: declare it after whatever removes the
// directory, so that it goes first.
class SmallDisk {
 public:
  SmallDisk(std::string directory, int mebibytes) : directory_(std::move(directory)) {
    std::filesystem::create_directories(directory_);
    const std::string size = "size=" + std::to_string(mebibytes) + "m";
    mounted_ = mount("tmpfs", directory_.c_str(), "tmpfs", 0, size.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(directory_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  // Frees space as an operator would by growing the file system (its files stay).
  bool grow(int mebibytes) const {
    const std::string size = "size=" + std::to_string(mebibytes) + "m";
    return mount("tmpfs", directory_.c_str(), "tmpfs", MS_REMOUNT, size.c_str()) == 0;
  }
  // Bytes free on it (0 when it cannot be asked).
  std::uint64_t free_bytes() const {
    struct statvfs stats {};
    if (statvfs(directory_.c_str(), &stats) != 0) return 0;
    return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
  }

 private:
  std::string directory_;
  bool mounted_ = false;
};

// Whether this process may mount a tmpfs.
inline bool can_mount_tmpfs() {
  const TempDir probe("small-disk-probe-");
  if (mount("tmpfs", probe.path().c_str(), "tmpfs", 0, "size=1m") != 0) return false;
  umount2(probe.path().c_str(), MNT_DETACH);
  return true;
}

}  // namespace test_support
