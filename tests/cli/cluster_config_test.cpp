// The cluster config file, agent addresses, and choosing the first agent that answers.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_client.h"
#include "cluster_config.h"
#include "exit_codes.h"
#include "ringcore/health_checks.h"
#include "ringnet/http_server.h"
#include "support/test_paths.h"

namespace {

using ringctl::parse_cluster_config;

// A port nothing listens on: bound, read, closed.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string error_of(const std::string& yaml) {
  auto config = parse_cluster_config(yaml, "clusters.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ringcore::ErrorCode::kInvalidInput);
  return config.error().message();
}

}  // namespace

TEST_CASE("a cluster config names clusters, their agents in order, token and CA, and a default") {
  auto config = parse_cluster_config(R"(
default: lab
clusters:
  lab:
    agents: ["127.0.0.1:7070", "127.0.0.2:7070"]
  prod:
    agents: [https://db1.example:8443]
    token: "s3cret"
    cacert: /etc/ringctl/ca.pem
)",
                                     "clusters.yaml");
  REQUIRE(config.ok());
  CHECK(config->default_cluster == "lab");
  CHECK(config->clusters.at("lab").agents == std::vector<std::string>{"127.0.0.1:7070", "127.0.0.2:7070"});
  CHECK(config->clusters.at("prod").token == "s3cret");
  CHECK(config->clusters.at("prod").cacert == "/etc/ringctl/ca.pem");
  CHECK(&ringctl::select_cluster(*config, "", "clusters.yaml") == &config->clusters.at("lab"));
  CHECK(&ringctl::select_cluster(*config, "prod", "clusters.yaml") == &config->clusters.at("prod"));
  CHECK_THROWS_WITH(ringctl::select_cluster(*config, "nope", "clusters.yaml"),
                    "no cluster 'nope' in clusters.yaml (known: lab, prod)");
}

TEST_CASE("the shipped example config loads, with the values it shows") {
  const auto config = ringctl::load_cluster_config(test_paths::in_source("cli/clusters.example.yaml"));
  REQUIRE(config.has_value());
  CHECK(config->default_cluster == "prod");
  CHECK(config->clusters.at("prod").agents.size() == 3);
  CHECK(config->clusters.at("staging").agents == std::vector<std::string>{"127.0.0.1:7070"});
  CHECK(config->clusters.at("staging").launcher == "ssh");
  CHECK(config->clusters.at("lab").launcher == "lab");
  CHECK(config->clusters.at("lab").lab_dir == "/home/me/.local/state/ringctl/lab");
  CHECK(config->clusters.at("prod").launcher.empty());  // none named: a run must give one
}

TEST_CASE("a cluster entry may name its launcher, and a lab's its directory, which a rewrite keeps") {
  auto config = parse_cluster_config(R"(
clusters:
  lab:
    agents: ["127.0.0.1:7070"]
    launcher: lab
    lab_dir: /srv/ringctl lab
  prod:
    agents: ["db1"]
    launcher: command
)",
                                     "clusters.yaml");
  REQUIRE(config.ok());
  CHECK(config->clusters.at("lab").launcher == "lab");
  CHECK(config->clusters.at("lab").lab_dir == "/srv/ringctl lab");
  CHECK(config->clusters.at("prod").launcher == "command");
  CHECK(config->clusters.at("prod").lab_dir.empty());
  // `lab up` rewrites the file when it registers its lab: every entry's launcher survives.
  auto back = parse_cluster_config(ringctl::cluster_config_yaml(*config), "written");
  REQUIRE(back.ok());
  CHECK(back->clusters.at("lab").launcher == "lab");
  CHECK(back->clusters.at("lab").lab_dir == "/srv/ringctl lab");
  CHECK(back->clusters.at("prod").launcher == "command");
}

TEST_CASE("an unknown launcher, and a lab directory on a cluster that is not a lab, are refused") {
  CHECK(error_of("clusters:\n  lab:\n    agents: [a]\n    launcher: kubectl\n") ==
        "clusters.yaml: clusters.lab.launcher: unknown launcher 'kubectl' (known: lab, ssh, command)");
  CHECK(error_of("clusters:\n  prod:\n    agents: [a]\n    lab_dir: /srv/lab\n") ==
        "clusters.yaml: clusters.prod.lab_dir: is for a lab: only with launcher: lab");
  CHECK(error_of("clusters:\n  prod:\n    agents: [a]\n    launcher: ssh\n    lab_dir: /srv/lab\n") ==
        "clusters.yaml: clusters.prod.lab_dir: is for a lab: only with launcher: lab");
}

TEST_CASE("bad cluster configs are refused with the key that is wrong") {
  CHECK(error_of("clusters:\n  lab:\n    agents: 127.0.0.1\n") ==
        "clusters.yaml: clusters.lab.agents: expected a non-empty list of HOST[:PORT] strings");
  CHECK(error_of("clusters:\n  lab:\n    agents: [a]\n    tokne: x\n") ==
        "clusters.yaml: clusters.lab.tokne: unknown key (known: agents, token, cacert, thresholds, launcher, lab_dir)");
  CHECK(error_of("clusters:\n  lab:\n    token: x\n") ==
        "clusters.yaml: clusters.lab.agents: missing: every cluster needs its agents");
  CHECK(error_of("default: prod\nclusters:\n  lab:\n    agents: [a]\n") ==
        "clusters.yaml: default: names cluster 'prod', which clusters does not list");
  CHECK(error_of("clusters:\n  lab:\n    agents: [[a]]\n") ==
        "clusters.yaml: clusters.lab.agents[0]: expected a string");
  CHECK(error_of("clusters: [\n").starts_with("clusters.yaml: not valid YAML"));
  // Found by config_fuzz: a token with control characters, an agent with bytes past ASCII,
  // did not read back once written.
  CHECK(error_of("clusters:\n  lab:\n    agents: [a]\n    token: \"ab\\x10\\bcd\"\n") ==
        "clusters.yaml: clusters.lab.token: expected printable ASCII characters");
  CHECK(error_of("clusters:\n  lab:\n    agents: [\"https:/\xff"
                 "12.0\"]\n") == "clusters.yaml: clusters.lab.agents[0]: expected printable ASCII characters");
}

TEST_CASE("a written config reads back the same") {
  ringctl::ClusterConfig config;
  config.default_cluster = "lab";
  config.thresholds = {{"disk_warn", 0.1}, {"read_latency_p99_warn", 1e-05}};
  config.clusters["lab"] = {{"127.0.0.1:7370", "127.0.0.2:7370"}, "", "", {}, "", ""};
  config.clusters["prod"] = {{"https://db1:8443"}, "t0ken", "/ca.pem", {{"pending_compactions_critical", 250}}, "", ""};
  auto back = parse_cluster_config(ringctl::cluster_config_yaml(config), "written");
  REQUIRE(back.ok());
  CHECK(back->default_cluster == "lab");
  CHECK(back->clusters.at("lab").agents == config.clusters["lab"].agents);
  CHECK(back->clusters.at("prod").token == "t0ken");
  CHECK(back->clusters.at("prod").cacert == "/ca.pem");
  // Thresholds survive the rewrite `lab up` does when it registers its lab, to the last bit.
  CHECK(back->thresholds == config.thresholds);
  CHECK(back->clusters.at("lab").thresholds.empty());
  CHECK(back->clusters.at("prod").thresholds == config.clusters["prod"].thresholds);
}

TEST_CASE("thresholds: the top level's for every cluster, a cluster's own over them") {
  auto config = parse_cluster_config(R"(
default: lab
thresholds:
  disk_warn: 0.75
  disk_critical: 0.85
clusters:
  lab:
    agents: ["127.0.0.1:7070"]
    thresholds:
      disk_critical: 0.9
      cpu_warn: 0.7
  prod:
    agents: ["db1"]
)",
                                     "clusters.yaml");
  REQUIRE(config.ok());
  using ringctl::ThresholdSettings;
  CHECK(configured_thresholds(*config, "lab") ==
        ThresholdSettings{{"disk_warn", 0.75}, {"disk_critical", 0.9}, {"cpu_warn", 0.7}});
  CHECK(configured_thresholds(*config, "prod") == ThresholdSettings{{"disk_warn", 0.75}, {"disk_critical", 0.85}});
  CHECK(configured_thresholds(*config, "") == config->thresholds);
  CHECK(configured_thresholds(*config, "unlisted") == config->thresholds);
  // Every name health's --threshold takes is accepted.
  std::string every = "thresholds:\n";
  for (const std::string& name : ringcore::threshold_names()) every += "  " + name + ": 2\n";
  auto all = parse_cluster_config(every, "clusters.yaml");
  REQUIRE(all.ok());
  CHECK(all->thresholds.size() == ringcore::threshold_names().size());
  CHECK(parse_cluster_config("thresholds:\n", "clusters.yaml")->thresholds.empty());
}

TEST_CASE("a bad threshold is refused naming the file, the key and its line") {
  CHECK(error_of("default: lab\nthresholds:\n  disk_wran: 0.5\n")
            .starts_with(
                "clusters.yaml: thresholds.disk_wran (line 3): unknown threshold (known: disk_warn, disk_critical,"));
  CHECK(error_of("clusters:\n  lab:\n    agents: [a]\n    thresholds:\n      disk_warn: high\n") ==
        "clusters.yaml: clusters.lab.thresholds.disk_warn (line 5): must be a number in 0..1e+12, not 'high'");
  CHECK(error_of("thresholds:\n  cpu_warn: -0.5\n") ==
        "clusters.yaml: thresholds.cpu_warn (line 2): must be a number in 0..1e+12, not '-0.5'");
  CHECK(error_of("thresholds:\n  cpu_warn: [1]\n") ==
        "clusters.yaml: thresholds.cpu_warn (line 2): must be a number in 0..1e+12, not a list");
  CHECK(error_of("thresholds:\n  cpu_warn: 0.5\n  cpu_warn: 0.6\n") ==
        "clusters.yaml: thresholds.cpu_warn (line 3): is given twice");
  CHECK(error_of("thresholds: [disk_warn]\n") ==
        "clusters.yaml: thresholds (line 1): expected a map of threshold names to numbers");
}

TEST_CASE("agent addresses: host, host:port, https:// and bracketed IPv6 with a port") {
  auto plain = ringctl::parse_agent_address("127.0.0.2");
  REQUIRE(plain.ok());
  CHECK(plain->port == 7070);
  CHECK_FALSE(plain->https);
  auto with_port = ringctl::parse_agent_address("db1:7370");
  REQUIRE(with_port.ok());
  CHECK(with_port->host == "db1");
  CHECK(with_port->port == 7370);
  auto https = ringctl::parse_agent_address("https://db1");
  REQUIRE(https.ok());
  CHECK(https->https);
  CHECK(https->to_string() == "https://db1:7070");
  auto v6 = ringctl::parse_agent_address("[::1]:8000");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->to_string() == "[::1]:8000");
  CHECK_FALSE(ringctl::parse_agent_address("db1:http").ok());
  CHECK_FALSE(ringctl::parse_agent_address("db1:0").ok());
  CHECK_FALSE(ringctl::parse_agent_address(":7070").ok());
}

TEST_CASE("agent addresses that name no host are refused, saying what is wrong") {
  const auto problem = [](const std::string& text) {
    auto parsed = ringctl::parse_agent_address(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == ringcore::ErrorCode::kInvalidInput);
    return parsed.error().message();
  };
  CHECK(problem("::::") == "agent address '::::': '::::' is not an IPv6 address (expected HOST[:PORT] or [IPv6]:PORT)");
  CHECK(problem("bad host name").find("'bad host name' is not a host name") != std::string::npos);
  CHECK(problem("256.1.1.1:7070").find("'256.1.1.1' is not an IPv4 address") != std::string::npos);
  CHECK(problem("ftp://x").find("unsupported scheme 'ftp' (http:// or https://)") != std::string::npos);
  CHECK(problem("-db1").find("is not a host name") != std::string::npos);
  CHECK(ringctl::parse_agent_address("db-1.example.org:7070").ok());
  CHECK(ringctl::parse_agent_address("fe80::1").ok());
}

TEST_CASE("the first agent that answers is used, one that is not reachable is skipped") {
  ringnet::HttpServer server;
  server.route("GET", "/v1/node", [](const ringnet::ServerRequest&) {
    ringnet::ServerResponse response;
    response.body = R"({"node": {"host_id": "h2"}})";
    return response;
  });
  server.route("GET", "/v1/jobs/{id}", [](const ringnet::ServerRequest& request) -> ringnet::ServerResponse {
    throw ringcore::Error::not_found("no job " + request.param("id"));
  });
  server.route("GET", "/v1/streams", [](const ringnet::ServerRequest&) -> ringnet::ServerResponse {
    throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "node not answering");
  });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  const std::string live = "127.0.0.1:" + std::to_string(server.port());
  const std::string dead = "127.0.0.1:" + std::to_string(closed_port());

  ringctl::AgentClient client({{dead, live}, "", "", std::chrono::seconds(2)});
  CHECK(client.get("/v1/node")["node"]["host_id"] == "h2");
  CHECK(client.answered_by() == live);

  SUBCASE("an error answer is final, with the agent's code and message") {
    try {
      client.get("/v1/jobs/x1");
      FAIL("expected an error");
    } catch (const ringcore::Error& e) {
      CHECK(e.code() == ringcore::ErrorCode::kNotFound);
      CHECK(e.message() == "agent " + live + ": no job x1");
    }
  }
  SUBCASE("an agent's own 'unavailable' says its node did not answer, not 'no agent reachable'") {
    CHECK_THROWS_AS(client.get("/v1/streams"), ringcore::Error);
    try {
      client.get("/v1/streams");
    } catch (const ringcore::Error& e) {
      CHECK(e.code() == ringcore::ErrorCode::kNodeUnavailable);
      CHECK(e.message() == "agent " + live + ": node not answering");
      CHECK(ringctl::exit_code_for(e) == 2);  // an agent answered: not exit 4
    }
  }
  SUBCASE("no agent reachable at all is kUnavailable, listing every attempt") {
    ringctl::AgentClient nobody({{dead, dead}, "", "", std::chrono::seconds(2)});
    try {
      nobody.get("/v1/node");
      FAIL("expected an error");
    } catch (const ringcore::Error& e) {
      CHECK(e.code() == ringcore::ErrorCode::kUnavailable);
      CHECK(e.message().starts_with("no agent reachable for GET /v1/node:"));
    }
  }
}
