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

TEST_CASE("--ip-prefix puts every node, an added one too, on its own loopback block, and reads back") {
  test_support::TempDir directory("lab-layout-test-");
  ringctl::lab::LabSpec spec;
  spec.datacenters = {{"dc1", 2}};
  spec.ip_prefix = ringctl::lab::parse_ip_prefix("127.0.42");
  ringctl::lab::Lab lab = ringctl::lab::plan_lab(directory.path() + "/lab", spec);
  lab.nodes.push_back(ringctl::lab::plan_added_node(lab, "dc1", "", false));
  ringctl::lab::save_lab(lab);
  CHECK(lab.nodes[0].address == "127.0.42.1");
  CHECK(lab.nodes[2].address == "127.0.42.3");
  CHECK(lab.seeds == std::vector<std::string>{"127.0.42.1"});
  CHECK(contains(read_text(lab.config_path(lab.nodes[1])), "127.0.42.2"));

  const ringctl::lab::Lab back = ringctl::lab::load_lab(lab.directory);
  CHECK(back.spec.ip_prefix == "127.0.42.");
  CHECK(back.find_node("127.0.42.3").name == "node3");
}

TEST_CASE("--ip-prefix takes three octets of 127.0.0.0/8 and refuses anything else, naming it") {
  CHECK(ringctl::lab::parse_ip_prefix("127.0.1") == "127.0.1.");
  CHECK(ringctl::lab::parse_ip_prefix("127.255.0.") == "127.255.0.");
  for (const char* bad : {"10.0.0", "127.0", "127.0.1.2", "127.0.256", "127.-1.0", "127.+1.0", "127.01.0", "127..1", "",
                          "127.0.1..", "localhost"}) {
    CAPTURE(bad);
    try {
      ringctl::lab::parse_ip_prefix(bad);
      FAIL("accepted");
    } catch (const ringcore::Error& error) {
      CHECK(error.code() == ringcore::ErrorCode::kInvalidInput);
      CHECK(contains(error.message(), std::string("--ip-prefix ") + bad + ": expected the first three octets"));
    }
  }
}

TEST_CASE("a manifest from before --ip-prefix reads as 127.0.0") {
  test_support::TempDir directory("lab-layout-test-");
  ringctl::lab::Lab lab = three_nodes(directory.path() + "/lab");
  ringctl::lab::save_lab(lab);
  std::string manifest = read_text(lab.directory + "/lab.json");
  const std::size_t at = manifest.find("\"ip_prefix\"");
  REQUIRE(at != std::string::npos);
  manifest.erase(at, manifest.find('\n', at) - at + 1);
  std::ofstream(lab.directory + "/lab.json") << manifest;
  CHECK(ringctl::lab::load_lab(lab.directory).spec.ip_prefix == "127.0.0.");
}
