// The lab's manifest (lab.json) and its nodes' configs: what `lab up` and `lab add` record is
// what every later command, restarts included, reads back.
#include "lab/lab_layout.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ringctl::lab::Lab three_nodes(const std::string& directory) {
  ringctl::lab::LabSpec spec;
  spec.datacenters = {{"dc1", 3}};
  return ringctl::lab::plan_lab(directory, spec);
}

}  // namespace

TEST_CASE("a node's disk capacity goes into its ringnode.yaml and lab.json, and reads back") {
  test_support::TempDir directory("lab-layout-test-");
  ringctl::lab::Lab lab = three_nodes(directory.path() + "/lab");
  lab.nodes[0].disk_capacity_bytes = 4194304;
  ringctl::lab::LabNode added = ringctl::lab::plan_added_node(lab, "dc1", "", false);
  added.disk_capacity_bytes = 1000000;
  lab.nodes.push_back(added);
  ringctl::lab::save_lab(lab);

  CHECK(contains(read_text(lab.config_path(lab.nodes[0])), "\ndisk_capacity_bytes: 4194304\n"));
  CHECK(contains(read_text(lab.config_path(lab.nodes[3])), "\ndisk_capacity_bytes: 1000000\n"));
  // Without one the node reports its file system's figures: no key at all.
  CHECK_FALSE(contains(read_text(lab.config_path(lab.nodes[1])), "disk_capacity_bytes"));

  const ringctl::lab::Lab back = ringctl::lab::load_lab(lab.directory);
  REQUIRE(back.nodes.size() == 4);
  CHECK(back.nodes[0].disk_capacity_bytes == 4194304);
  CHECK(back.nodes[1].disk_capacity_bytes == 0);
  CHECK(back.nodes[3].disk_capacity_bytes == 1000000);
}

TEST_CASE("a manifest from before disk capacities reads as nodes without one") {
  test_support::TempDir directory("lab-layout-test-");
  ringctl::lab::Lab lab = three_nodes(directory.path() + "/lab");
  ringctl::lab::save_lab(lab);
  const std::string manifest = read_text(lab.directory + "/lab.json");
  REQUIRE_FALSE(contains(manifest, "disk_capacity_bytes"));
  const ringctl::lab::Lab back = ringctl::lab::load_lab(lab.directory);
  REQUIRE(back.nodes.size() == 3);
  for (const ringctl::lab::LabNode& node : back.nodes) CHECK(node.disk_capacity_bytes == 0);
}
