#include "snapshot_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace ringctl {
namespace {

std::string read_all(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ringcore::Error::invalid_input("cannot read ring file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

ringcore::ClusterSnapshot load_snapshot(const SnapshotSource& source) {
  if (source.ring_file.empty()) {
    throw ringcore::Error::invalid_input("no cluster to read: give --ring FILE (a snapshot, see docs/snapshot-format.md)");
  }
  auto snapshot = ringcore::parse_snapshot(read_all(source.ring_file));
  if (!snapshot) throw snapshot.error().with_context("ring file '" + source.ring_file + "'");
  return std::move(snapshot).value();
}

}  // namespace ringctl
