// A real ringd beside a real ringnode (127.0.0.41): cached reads with freshness, the two roles
// and the audit log, the body limit, refusal to listen on 0.0.0.0 without tokens, HTTPS with a
// certificate made by the openssl CLI (TLS 1.1 refused; ringctl exits 8 on a certificate that
// does not verify), and a hung node (SIGSTOP): the API and /metrics keep
// answering within a second and turn stale after 3 intervals, saying why. Every process is
// killed when the test ends; waits poll with deadlines.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ringnet/http_client.h"
#include "ringnet/http_server.h"
#include "support/ringnode_process.h"
#include "support/run_process.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::RingnodeProcess;
using test_support::wait_until;
using namespace std::chrono_literals;

const std::string kAddress = "127.0.0.41";
const std::string kRead = "read-token-integration-0001";
const std::string kAdmin = "admin-token-integration-0001";

struct Reply {
  int status = 0;
  json body;
  std::string text;
  std::chrono::duration<double> elapsed{0};
};

Reply ask(const ringnet::HttpClient& client, const std::string& method, const std::string& path,
          const std::string& token = "", const std::string& body = "") {
  ringnet::HttpRequest request{method, path, body, "application/json", {}};
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  const auto started = std::chrono::steady_clock::now();
  auto response = client.send(request);
  Reply reply;
  reply.elapsed = std::chrono::steady_clock::now() - started;
  if (!response) {
    reply.text = response.error().message();
    return reply;
  }
  reply.status = response->status;
  reply.text = response->body;
  reply.body = json::parse(response->body, nullptr, false);
  return reply;
}

// The value of the first sample of `metric` in a Prometheus text exposition, or "".
std::string sample_value(const std::string& text, const std::string& metric) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(metric + "{") || line.starts_with(metric + " ")) return line.substr(line.rfind(' ') + 1);
  }
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One ringnode and one ringd (interval 0.5 s, read and admin tokens, an audit log).
struct Agent {
  test_support::TempDir dir{"ringd_integration_test_"};
  int storage_port = test_support::free_port(17400, {kAddress});
  int native_port = test_support::free_port(19440, {kAddress});
  int agent_port = test_support::free_port(7470, {kAddress});
  std::unique_ptr<RingnodeProcess> node;
  std::unique_ptr<RingnodeProcess> ringd;
  ringnet::HttpClient client{kAddress, agent_port, 5s};

  Agent() {
    if (native_port == storage_port) native_port = test_support::free_port(storage_port + 1, {kAddress});
    std::ofstream(dir.path() + "/ringnode.yaml")
        << "cluster_name: agenttest\nlisten_address: " << kAddress << "\nstorage_port: " << storage_port
        << "\nnative_port: " << native_port << "\nseeds: [" << kAddress
        << "]\nnum_tokens: 4\ndata_directory: " << dir.path() << "/data\n";
    std::ofstream(dir.path() + "/read.tokens") << kRead << "\n";
    std::ofstream(dir.path() + "/admin.tokens") << "# admins\n" << kAdmin << "\n";
    for (const char* name : {"/read.tokens", "/admin.tokens"}) {  // ringd refuses token files others may read
      std::filesystem::permissions(dir.path() + name,
                                   std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    node = std::make_unique<RingnodeProcess>(RINGNODE_BIN, dir.path() + "/ringnode.yaml", dir.path() + "/ringnode.log");
    node->start();
    ringd = std::make_unique<RingnodeProcess>(
        std::vector<std::string>{RINGD_BIN, "--listen", kAddress + ":" + std::to_string(agent_port), "--node",
                                 kAddress + ":" + std::to_string(native_port), "--interval", "0.5", "--audit-log",
                                 audit_path(), "--read-token-file", dir.path() + "/read.tokens", "--admin-token-file",
                                 dir.path() + "/admin.tokens"},
        dir.path() + "/ringd.log");
    ringd->start();
    if (!wait_until([&] { return ask(client, "GET", "/v1/health/ready").status == 200; }, 30s)) {
      FAIL("ringd did not become ready; ringd log:\n" << ringd->log() << "\nringnode log:\n" << node->log());
    }
  }

  std::string audit_path() const { return dir.path() + "/audit.log"; }

  std::vector<json> audit_lines() const {
    std::vector<json> lines;
    std::istringstream in(read_file(audit_path()));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
};

// The lab is shared by the cases below (a ringnode takes seconds to start).
Agent& agent() {
  static Agent lab;
  return lab;
}

}  // namespace

TEST_CASE("node, cluster, gossip and checks are answered from the cache with their freshness") {
  Agent& lab = agent();
  const Reply node = ask(lab.client, "GET", "/v1/node", kRead);
  REQUIRE(node.status == 200);
  CHECK(node.body["node"]["address"] == kAddress);
  CHECK(node.body["node"]["cluster_name"] == "agenttest");
  CHECK(node.body["freshness"]["stale"] == false);
  CHECK(node.body["freshness"]["collected_at"].is_string());
  CHECK(node.body["freshness"]["age_seconds"].get<double>() < 1.5);
  CHECK(node.body["freshness"]["error"].is_null());

  const Reply cluster = ask(lab.client, "GET", "/v1/cluster", kRead);
  REQUIRE(cluster.status == 200);
  REQUIRE(cluster.body["snapshot"]["nodes"].size() == 1);
  CHECK(cluster.body["snapshot"]["nodes"][0]["address"] == kAddress);
  CHECK(cluster.body["snapshot"]["nodes"][0]["tokens"].size() == 4);
  // ?tokens=false: the same view without the nodes' tokens (what a survey of every agent reads).
  const Reply light = ask(lab.client, "GET", "/v1/cluster?tokens=false", kRead);
  REQUIRE(light.status == 200);
  REQUIRE(light.body["snapshot"]["nodes"].size() == 1);
  CHECK_FALSE(light.body["snapshot"]["nodes"][0].contains("tokens"));
  CHECK(light.body["snapshot"]["nodes"][0]["address"] == kAddress);
  CHECK(light.body["snapshot"]["nodes"][0]["status"] == cluster.body["snapshot"]["nodes"][0]["status"]);
  CHECK(ask(lab.client, "GET", "/v1/cluster?tokens=perhaps", kRead).status == 400);

  const Reply gossip = ask(lab.client, "GET", "/v1/gossip", kAdmin);
  REQUIRE(gossip.status == 200);
  REQUIRE(gossip.body["endpoints"].size() == 1);
  CHECK(gossip.body["endpoints"][0]["address"] == kAddress);
  CHECK(gossip.body.contains("freshness"));

  const Reply checks = ask(lab.client, "GET", "/v1/checks", kRead);
  REQUIRE(checks.status == 200);
  CHECK(checks.body["checks"][0] ==
        json{{"name", "backend_reachable"}, {"status", "ok"}, {"message", "the node answered"}});

  CHECK(ask(lab.client, "GET", "/v1/health/live").body == json{{"status", "ok"}});
  const Reply metrics = ask(lab.client, "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.text.find("ringd_node_up{") != std::string::npos);
}

TEST_CASE("roles: no token 401, read token 403 on a mutating call, admin passes, each mutating call is audited") {
  Agent& lab = agent();
  const std::size_t audited_before = lab.audit_lines().size();
  CHECK(ask(lab.client, "GET", "/v1/node").status == 401);
  CHECK(ask(lab.client, "GET", "/v1/node", "not-a-token-at-all-000").status == 401);

  const Reply anonymous = ask(lab.client, "POST", "/v1/operations/cleanup", "", "{}");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.body["error"]["code"] == "unauthorized");
  const Reply reader = ask(lab.client, "POST", "/v1/operations/cleanup", kRead, "{}");
  CHECK(reader.status == 403);
  CHECK(reader.body["error"]["code"] == "forbidden");
  // The admin passes authentication; what the node answers (a job, or 404 from a node without
  // operations) is passed through.
  const Reply admin = ask(lab.client, "POST", "/v1/operations/cleanup", kAdmin, "{}");
  CHECK(admin.status != 401);
  CHECK(admin.status != 403);
  CHECK(admin.status != 0);

  const auto lines = lab.audit_lines();
  REQUIRE(lines.size() == audited_before + 3);
  CHECK(lines[audited_before]["caller"].get<std::string>().starts_with("anonymous@127."));  // role@client address
  CHECK(lines[audited_before]["status"] == 401);
  CHECK(lines[audited_before]["outcome"] == "denied");
  CHECK(lines[audited_before + 1]["caller"].get<std::string>().starts_with("read@127."));  // role@client address
  CHECK(lines[audited_before + 1]["status"] == 403);
  CHECK(lines[audited_before + 2]["caller"].get<std::string>().starts_with("admin@127."));  // role@client address
  CHECK(lines[audited_before + 2]["operation"] == "cleanup");
  CHECK(lines[audited_before + 2]["method"] == "POST");
  CHECK(lines[audited_before + 2]["path"] == "/v1/operations/cleanup");
  CHECK(lines[audited_before + 2]["status"] == admin.status);
  CHECK(lines[audited_before + 2]["time"].get<std::string>().ends_with("Z"));
}

TEST_CASE("bad requests: an unknown operation 404, a body that is not JSON 400, a body above the limit 413") {
  Agent& lab = agent();
  const Reply unknown = ask(lab.client, "POST", "/v1/operations/format", kAdmin, "{}");
  CHECK(unknown.status == 404);
  CHECK(unknown.body["error"]["code"] == "not_found");
  const Reply not_json = ask(lab.client, "POST", "/v1/operations/repair", kAdmin, "[1, 2");
  CHECK(not_json.status == 400);
  CHECK(not_json.body["error"]["code"] == "invalid_input");
  const Reply huge = ask(lab.client, "POST", "/v1/operations/repair", kAdmin, std::string(70000, ' '));
  CHECK(huge.status == 413);
  CHECK(huge.body["error"]["message"].get<std::string>().find("65536") != std::string::npos);
}

TEST_CASE("ringd refuses to listen on 0.0.0.0 without tokens, naming the address") {
  const int port = test_support::free_port(7490, {"0.0.0.0"});
  const auto result =
      test_support::run_process({RINGD_BIN, "--listen", "0.0.0.0:" + std::to_string(port), "--node", "127.0.0.1:1"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("listen: 0.0.0.0:" + std::to_string(port) + " is not a loopback address") != std::string::npos);
}

TEST_CASE("ringd refuses to listen on an address and port another process listens on, naming them") {
  // 127.0.0.62: an address of this test only. The impostor is a listener in this process.
  const int port = test_support::free_port(7560, {"127.0.0.62"});
  ringnet::HttpServer impostor;
  REQUIRE(impostor.start("127.0.0.62", port).ok());
  const auto result =
      test_support::run_process({RINGD_BIN, "--listen", "127.0.0.62:" + std::to_string(port), "--node", "127.0.0.1:1"});
  CHECK(result.exit_code == 1);
  CHECK_MESSAGE(result.err.find("127.0.0.62:" + std::to_string(port) + " is already in use by another process") !=
                    std::string::npos,
                result.err);
}

TEST_CASE("HTTPS with a certificate made by openssl, the client verifies it") {
  Agent& lab = agent();
  const std::string cert = lab.dir.path() + "/cert.pem";
  const std::string key = lab.dir.path() + "/key.pem";
  const auto made = test_support::run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                               "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                                               "-addext", "subjectAltName=IP:127.0.0.1"});
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const int port = test_support::free_port(7480, {"127.0.0.1"});
  RingnodeProcess tls_agent({RINGD_BIN, "--listen", "127.0.0.1:" + std::to_string(port), "--node",
                             kAddress + ":" + std::to_string(lab.native_port), "--tls-cert", cert, "--tls-key", key},
                            lab.dir.path() + "/ringd-tls.log");
  tls_agent.start();
  ringnet::HttpClient https("127.0.0.1", port, 5s);
  https.use_tls(cert);
  REQUIRE_MESSAGE(wait_until([&] { return ask(https, "GET", "/v1/health/live").status == 200; }, 10s), tls_agent.log());
  CHECK(https.base_url() == "https://127.0.0.1:" + std::to_string(port));
  CHECK(wait_until([&] { return ask(https, "GET", "/v1/node").body["node"]["address"] == kAddress; }, 10s));

  ringnet::HttpClient system_cas("127.0.0.1", port, 5s);
  system_cas.use_tls("");  // the self-signed certificate is not among the system's authorities
  CHECK(ask(system_cas, "GET", "/v1/health/live").status == 0);
  const ringnet::HttpClient plain("127.0.0.1", port, 5s);
  CHECK(ask(plain, "GET", "/v1/health/live").status != 200);

  // TLS 1.2 is the oldest version the server speaks. OPENSSL_CONF=/dev/null and security level
  // 0 let the openssl client offer TLS 1.1 at all (Debian's configuration and OpenSSL 3's
  // default level would refuse it in the client, before the server is asked); offered TLS 1.2
  // the same way, the handshake succeeds, so the refusal is the server's.
  auto handshake = [&port](const std::string& version) {
    return test_support::run_process({"/usr/bin/env", "OPENSSL_CONF=/dev/null", "/usr/bin/openssl", "s_client",
                                      "-connect", "127.0.0.1:" + std::to_string(port), version, "-cipher",
                                      "DEFAULT@SECLEVEL=0"});
  };
  const auto tls11 = handshake("-tls1_1");
  CHECK(tls11.exit_code != 0);
  CHECK_MESSAGE(tls11.err.find("alert protocol version") != std::string::npos, tls11.err);
  const auto tls12 = handshake("-tls1_2");
  CHECK_MESSAGE(tls12.exit_code == 0, tls12.err);
  CHECK_MESSAGE(tls12.out.find("Protocol  : TLSv1.2") != std::string::npos, tls12.out);

  // ringctl against it, with a CA that did not sign its certificate (another self-signed one),
  // then trusting it but asking by a name it does not have: refused like an SSH host key, exit 8,
  // saying the certificate did not verify and why.
  const std::string other_cert = lab.dir.path() + "/other-cert.pem";
  const auto other = test_support::run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                                "-keyout", lab.dir.path() + "/other-key.pem", "-out", other_cert,
                                                "-days", "1", "-subj", "/CN=127.0.0.1"});
  REQUIRE_MESSAGE(other.exit_code == 0, other.err);
  setenv("RINGCTL_CONFIG", (lab.dir.path() + "/clusters.yaml").c_str(), 1);  // no operator's file
  auto ringctl = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv{RINGCTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return test_support::run_process(argv);
  };
  const auto untrusted = ringctl({"status", "-h", "127.0.0.1:" + std::to_string(port), "--cacert", other_cert});
  CHECK(untrusted.exit_code == 8);
  CHECK_MESSAGE(untrusted.err.find("the agent's TLS certificate did not verify") != std::string::npos, untrusted.err);
  CHECK_MESSAGE(untrusted.err.find("certificate verify failed (self-signed certificate)") != std::string::npos,
                untrusted.err);
  const auto mismatch = ringctl({"-o", "json", "status", "-h", "localhost:" + std::to_string(port), "--cacert", cert});
  CHECK(mismatch.exit_code == 8);
  const json error = json::parse(mismatch.err, nullptr, false);
  REQUIRE_MESSAGE(error.is_object(), mismatch.err);
  CHECK(error["error"]["code"] == "tls_verify");
  CHECK(error["error"]["exit_code"] == 8);
  CHECK_MESSAGE(error["error"]["message"].get<std::string>().find("hostname mismatch: the certificate does not name "
                                                                  "localhost") != std::string::npos,
                mismatch.err);
  CHECK(tls_agent.terminate(10s) == 0);
}

TEST_CASE("a hung node (SIGSTOP): node and /metrics answer within 1 s, turn stale after 3 intervals and say why") {
  Agent& lab = agent();
  lab.node->send_signal(SIGSTOP);
  bool node_stale = false;
  bool metrics_stale = false;
  std::chrono::duration<double> slowest{0};
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((!node_stale || !metrics_stale) && std::chrono::steady_clock::now() < deadline) {
    const Reply node = ask(lab.client, "GET", "/v1/node", kRead);
    const Reply metrics = ask(lab.client, "GET", "/metrics");
    REQUIRE(node.status == 200);
    REQUIRE(metrics.status == 200);
    slowest = std::max({slowest, node.elapsed, metrics.elapsed});
    node_stale = node.body["freshness"]["stale"] == true;
    metrics_stale = sample_value(metrics.text, "ringd_cache_stale") == "1";
    if (node_stale) {
      CHECK(node.body["node"]["address"] == kAddress);  // the last known facts
      // Why, from the moment they are stale: the collection is still waiting on the node then
      // (its 2 s timeout is longer than the 1.5 s to stale), so this is the hung attempt.
      CHECK(node.body["freshness"]["error"].is_string());
    }
  }
  CHECK(node_stale);
  CHECK(metrics_stale);
  MESSAGE("slowest answer while the node was stopped: " << slowest.count() << " s");
  CHECK(slowest < 1s);
  const Reply ready = ask(lab.client, "GET", "/v1/health/ready");
  CHECK(ready.status == 503);
  CHECK(ready.body["error"]["message"].get<std::string>().find("(last error: ") != std::string::npos);
  lab.node->send_signal(SIGCONT);
  CHECK(wait_until([&] { return ask(lab.client, "GET", "/v1/node", kRead).body["freshness"]["stale"] == false; }, 15s));
}

TEST_CASE("SIGTERM stops ringd cleanly with exit code 0") {
  Agent& lab = agent();
  CHECK(lab.ringd->terminate(10s) == 0);
  CHECK(lab.ringd->log().find("ringd: stopped") != std::string::npos);
}
