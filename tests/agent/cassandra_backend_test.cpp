// CassandraBackend and JolokiaClient against a strict stand-in for a Jolokia agent: it answers
// POST /jolokia bulk requests from the answers recorded from Cassandra 5.0.9
// (fixtures/cassandra/one_node.json) and fails any request the recording lacks. A real
// Cassandra runs in tests/cassandra/; this stand-in covers what needs control over the agent:
// how many HTTP calls a collection costs, credentials, an operation that blocks, and a repair's
// status as the node reports it over time.
#include "cassandra_backend.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "ringnet/http_server.h"
#include "ringruntime/wait.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;

json recording() {
  std::ifstream in(std::string(CASSANDRA_FIXTURES) + "/one_node.json");
  std::stringstream text;
  text << in.rdbuf();
  const json file = json::parse(text.str());
  json all = file["collection"];
  for (const json& reply : file["replication"]) all.push_back(reply);
  return all;
}

class FakeJolokia {
 public:
  explicit FakeJolokia(std::string authorization = "", json recorded = recording())
      : recorded_(std::move(recorded)), authorization_(std::move(authorization)) {
    server_.route("POST", "/jolokia", [this](const ringnet::ServerRequest& request) { return answer(request); });
    REQUIRE(server_.start("127.0.0.1", 0).ok());
  }

  ~FakeJolokia() {
    release();
    server_.stop();
  }

  ringd::JolokiaClient client(const std::string& user = "", const std::string& password = "") const {
    return ringd::JolokiaClient({false, "127.0.0.1", server_.port(), "/jolokia"}, user, password,
                                std::chrono::seconds(2));
  }
  int posts() const { return posts_; }
  std::vector<std::string> unexpected() const {
    std::lock_guard lock(mutex_);
    return unexpected_;
  }
  // Answers an exec of `operation` (as sent, signature included), a read of the attribute
  // `operation`, or a write of it when `operation` is "ATTRIBUTE=", with what `answer` returns
  // for the request, instead of the recording.
  void script(const std::string& operation, std::function<json(const json&)> answer) {
    std::lock_guard lock(mutex_);
    scripted_[operation] = std::move(answer);
  }
  // Answers what `script` would with Jolokia's 404 (no such attribute or operation), as a node
  // of a version that lacks it does.
  void refuse(const std::string& operation) {
    std::lock_guard lock(mutex_);
    refused_.insert(operation);
  }
  // decommission(boolean) blocks until release().
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    wake_.notify_all();
  }

 private:
  ringnet::ServerResponse answer(const ringnet::ServerRequest& request) {
    ++posts_;
    if (!authorization_.empty() && request.header("Authorization") != authorization_) return {401, "", "text/plain"};
    const json requests = json::parse(request.body);
    json replies = json::array();
    for (const json& sent : requests) {
      if (sent.value("operation", "") == "decommission(boolean)") {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return released_; });
        replies.push_back({{"request", sent}, {"value", nullptr}, {"status", 200}});
        continue;
      }
      if (refused(script_key(sent))) {
        replies.push_back({{"request", sent},
                           {"status", 404},
                           {"error_type", "javax.management.AttributeNotFoundException"},
                           {"error", "No such attribute: " + script_key(sent)}});
        continue;
      }
      if (auto answer = scripted(script_key(sent))) {
        replies.push_back({{"request", sent}, {"value", answer(sent)}, {"status", 200}});
        continue;
      }
      const auto found =
          std::find_if(recorded_.begin(), recorded_.end(), [&](const json& r) { return r["sent"] == sent; });
      if (found == recorded_.end()) {
        std::lock_guard lock(mutex_);
        unexpected_.push_back(sent.dump());
        replies.push_back({{"request", sent}, {"status", 404}, {"error", "not in the recording"}});
      } else {
        replies.push_back((*found)["reply"]);
      }
    }
    return {200, replies.dump()};
  }

  // An exec's operation, a read's one attribute, "ATTRIBUTE=" for a write.
  static std::string script_key(const json& sent) {
    if (sent.contains("operation")) return sent["operation"];
    if (!sent.contains("attribute") || !sent["attribute"].is_string()) return "";
    return sent["attribute"].get<std::string>() + (sent.value("type", "") == "write" ? "=" : "");
  }

  bool refused(const std::string& key) const {
    std::lock_guard lock(mutex_);
    return refused_.contains(key);
  }

  std::function<json(const json&)> scripted(const std::string& operation) const {
    std::lock_guard lock(mutex_);
    const auto found = scripted_.find(operation);
    return found == scripted_.end() ? nullptr : found->second;
  }

  json recorded_;
  std::map<std::string, std::function<json(const json&)>> scripted_;
  std::set<std::string> refused_;
  std::string authorization_;
  ringnet::HttpServer server_;
  std::atomic<int> posts_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool released_ = false;
  std::vector<std::string> unexpected_;
};

}  // namespace

TEST_CASE("one collection of every document costs two bulk HTTP requests to the agent") {
  FakeJolokia agent;
  ringd::CassandraBackend backend(agent.client());
  REQUIRE(backend.node().ok());
  REQUIRE(backend.cluster().ok());
  REQUIRE(backend.gossip().ok());
  REQUIRE(backend.streams().ok());
  CHECK(agent.posts() == 2);
  CHECK(agent.unexpected().empty());
}

TEST_CASE("credentials go as HTTP basic authentication, and a refusal names the user") {
  FakeJolokia agent("Basic bW9uaXRvcjpzM2NyZXQ=");  // monitor:s3cret
  CHECK(agent.client("monitor", "s3cret").bulk({ringd::jolokia_read("java.lang:type=Runtime", "Uptime")}).ok());
  auto refused = agent.client("monitor", "wrong").bulk({ringd::jolokia_read("java.lang:type=Runtime", "Uptime")});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ringcore::ErrorCode::kUnauthorized);
  CHECK(refused.error().message().find("the agent refused user 'monitor'") != std::string::npos);
}

TEST_CASE("an agent that does not answer is unavailable, naming its URL") {
  const ringd::JolokiaClient client({false, "127.0.0.1", 1, "/jolokia"}, "", "", std::chrono::milliseconds(500));
  auto answer = client.bulk({ringd::jolokia_read("java.lang:type=Runtime", "Uptime")});
  REQUIRE_FALSE(answer.ok());
  CHECK(answer.error().code() == ringcore::ErrorCode::kUnavailable);
}

TEST_CASE("a decommission blocking in JMX runs as a job: the start answers at once and reads go on") {
  FakeJolokia agent;
  ringd::CassandraBackend backend(agent.client());
  auto started = backend.start_operation("decommission", json::object());
  REQUIRE(started.ok());
  CHECK(started->status == 202);
  CHECK(started->job["state"] == "running");
  const std::string id = started->job["id"];
  CHECK(backend.node().ok());  // the collection is not held up by the blocked operation

  auto again = backend.start_operation("decommission", json::object());
  REQUIRE(again.ok());
  CHECK(again->status == 200);
  CHECK(again->job["id"] == id);
  auto other = backend.start_operation("cleanup", json{{"keyspace", "fixture_simple"}});
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code() == ringcore::ErrorCode::kConflict);

  agent.release();
  const bool ended =
      ringruntime::wait_until([&] { return backend.job(id).ok() && (*backend.job(id))["state"] != "running"; },
                              std::chrono::seconds(10), std::chrono::milliseconds(20));
  REQUIRE(ended);
  CHECK((*backend.job(id))["state"] == "succeeded");
  CHECK((*backend.jobs())[0]["id"] == id);
  CHECK(backend.job("nope").error().code() == ringcore::ErrorCode::kNotFound);
}

TEST_CASE("a decommission's job shows what the node's decommission streams have sent, in bytes") {
  FakeJolokia agent;
  // StreamManager CurrentStreams as Cassandra 5.0 gives it: the decommission's plan
  // ("Unbootstrap") sending to one peer, 400 of 1000 bytes sent, beside a repair's plan; later
  // that session is done (no longer listed) and another sends to a second peer.
  const auto sending = [](const char* peer, int done, int total) {
    return json{{"peer", peer},
                {"state", "STREAMING"},
                {"sendingSummaries", json::array({{{"files", 1}, {"totalSize", total}}})},
                {"sendingFiles", json::array({{{"currentBytes", done}, {"totalBytes", total}}})}};
  };
  const json repair = {
      {"planId", "p2"}, {"description", "Repair"}, {"sessions", json::array({sending("/127.0.0.3:7000", 0, 5000)})}};
  std::atomic<bool> later{false};
  agent.script("CurrentStreams", [&](const json&) {
    const json session = later ? sending("/127.0.0.4:7000", 100, 500) : sending("/127.0.0.2:7000", 400, 1000);
    return json::array(
        {{{"planId", "p1"}, {"description", "Unbootstrap"}, {"sessions", json::array({session})}}, repair});
  });
  ringd::CassandraBackend backend(agent.client());
  auto started = backend.start_operation("decommission", json::object());
  REQUIRE(started.ok());
  const std::string id = started->job["id"];
  const auto shows = [&](int done, int total) {
    const json expected = {{"done", done}, {"total", total}, {"unit", "bytes"}};
    return ringruntime::wait_until([&] { return (*backend.job(id))["progress"] == expected; }, std::chrono::seconds(10),
                                   std::chrono::milliseconds(20));
  };
  CHECK(shows(400, 1000));
  later = true;
  CHECK(shows(1100, 1500));  // the first session in full, the second as far as it got
  agent.release();
  const bool ended =
      ringruntime::wait_until([&] { return backend.job(id).ok() && (*backend.job(id))["state"] != "running"; },
                              std::chrono::seconds(10), std::chrono::milliseconds(20));
  REQUIRE(ended);
  const json job = *backend.job(id);
  CHECK(job["state"] == "succeeded");
  CHECK(job["progress"] == json{{"done", 1500}, {"total", 1500}, {"unit", "bytes"}});
  CHECK(job["result"] == json{{"streamed_bytes", 1500}});
  CHECK(agent.unexpected().empty());
}

namespace {

constexpr const char* kRepairAsync = "repairAsync(java.lang.String,java.util.Map)";

// Waits for job `id` to end; its last object.
json ended_job(ringd::CassandraBackend& backend, const std::string& id) {
  const bool ended =
      ringruntime::wait_until([&] { return backend.job(id).ok() && (*backend.job(id))["state"] != "running"; },
                              std::chrono::seconds(20), std::chrono::milliseconds(20));
  REQUIRE(ended);
  return *backend.job(id);
}

}  // namespace

TEST_CASE("a repair is followed through its parent repair status until Cassandra says COMPLETED") {
  FakeJolokia agent;
  json started_with;
  agent.script(kRepairAsync, [&](const json& sent) {
    started_with = sent["arguments"];
    return json(7);
  });
  std::atomic<int> polls{0};
  agent.script("getParentRepairStatus", [&](const json& sent) {
    CHECK(sent["arguments"] == json::array({7}));
    // Unknown (null) until the node has registered the command, then in progress, then done.
    switch (++polls) {
      case 1:
        return json(nullptr);
      case 2:
        return json::array({"IN_PROGRESS"});
      default:
        return json::array({"COMPLETED", "Repair completed successfully"});
    }
  });
  ringd::CassandraBackend backend(agent.client());
  auto started = backend.start_operation("repair", json{{"keyspace", "fixture_simple"}, {"primary_range", true}});
  REQUIRE(started.ok());
  const json job = ended_job(backend, started->job["id"]);
  CHECK(job["state"] == "succeeded");
  CHECK(started_with == json::array({"fixture_simple", {{"primaryRange", "true"}}}));
  CHECK(polls == 3);
  CHECK(job["result"] == json{{"repairs", json::array({{{"keyspace", "fixture_simple"}, {"command", 7}}})}});
  CHECK(job["progress"] == json{{"done", 1}, {"total", 1}, {"unit", "keyspaces"}});
  CHECK(agent.unexpected().empty());
}

TEST_CASE("a repair the node fails ends the job failed with Cassandra's messages") {
  FakeJolokia agent;
  agent.script(kRepairAsync, [](const json&) { return json(3); });
  agent.script("getParentRepairStatus", [](const json&) {
    return json::array({"FAILED", "Repair session failed", "Endpoint not alive"});
  });
  ringd::CassandraBackend backend(agent.client());
  auto started = backend.start_operation("repair", json{{"keyspace", "fixture_simple"}});
  REQUIRE(started.ok());
  const json job = ended_job(backend, started->job["id"]);
  CHECK(job["state"] == "failed");
  CHECK(job["error"].dump().find("repair of fixture_simple failed: Repair session failed; Endpoint not alive") !=
        std::string::npos);
}

TEST_CASE("a repair command the node no longer knows ends the job failed as of unknown outcome, after the grace") {
  // A restarted node forgets its repair statuses and answers null for ever: without a bound,
  // the job would poll until ringd stops.
  FakeJolokia agent;
  agent.script(kRepairAsync, [](const json&) { return json(5); });
  std::atomic<int> polls{0};
  agent.script("getParentRepairStatus",
               [&](const json&) { return ++polls == 1 ? json::array({"IN_PROGRESS"}) : json(nullptr); });
  ringd::CassandraBackend backend(agent.client(), std::chrono::hours(1), std::chrono::milliseconds(1800));
  auto started = backend.start_operation("repair", json{{"keyspace", "fixture_simple"}});
  REQUIRE(started.ok());
  const json job = ended_job(backend, started->job["id"]);
  CHECK(job["state"] == "failed");
  const std::string error = job["error"].dump();
  CHECK(error.find("the node gave no state of repair command #5 for 1 s (it answered null: restarted?)") !=
        std::string::npos);
  CHECK(error.find("outcome is unknown") != std::string::npos);
  CHECK(polls == 3);  // the grace counts from the last known state (poll 1), not from the start
}

TEST_CASE("bad operation bodies are refused before anything reaches Cassandra") {
  FakeJolokia agent;
  ringd::CassandraBackend backend(agent.client());
  CHECK(backend.start_operation("removenode", json::object()).error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(backend.start_operation("decommission", json{{"force", "yes"}}).error().code() ==
        ringcore::ErrorCode::kInvalidInput);
  CHECK(backend.start_operation("repair", json{{"start_token", "1"}}).error().code() ==
        ringcore::ErrorCode::kInvalidInput);
  CHECK(backend.set_throughput(json{{"mib_per_second", -1}}).error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(agent.posts() == 0);
}

namespace {

// The 5.0.9 recording as a node of an older line answers it, where its answers differ: the
// release version, and the OperatingSystem bean of JDK 11 (Cassandra 4.0 and 4.1 run on JDK 8
// or 11), which has no TotalMemorySize (JDK 14's name) - Jolokia, told to ignore errors,
// answers the read with that attribute's error in its place, as a live Jolokia 2 does.
json recording_of(const std::string& release) {
  json all = recording();
  for (json& pair : all) {
    const json& sent = pair["sent"];
    if (sent.value("attribute", json("")) == "ReleaseVersion") pair["reply"]["value"] = release;
    if (sent.value("mbean", "") == "java.lang:type=OperatingSystem") {
      pair["reply"]["value"]["TotalMemorySize"] = {{"error_type", "javax.management.AttributeNotFoundException"},
                                                   {".error", true},
                                                   {"error", "No such attribute: TotalMemorySize"}};
    }
  }
  return all;
}

// The recorded value of `attribute`'s read.
json recorded_value(const std::string& attribute) {
  for (const json& pair : recording()) {
    if (pair["sent"].value("attribute", json("")) == attribute) return pair["reply"]["value"];
  }
  FAIL("no read of " << attribute << " in the recording");
  return nullptr;
}

double recorded_total_memory() {
  for (const json& pair : recording()) {
    if (pair["sent"].value("mbean", "") == "java.lang:type=OperatingSystem")
      return pair["reply"]["value"]["TotalPhysicalMemorySize"].get<double>();
  }
  FAIL("no OperatingSystem read in the recording");
  return 0;
}

// Every document of a node of `release` built from `agent`, read as that release names things:
// its version, the memory under JDK 11's name (the other attributes of that read still count),
// the stream throughput from `throughput` (megabits); then a throughput set, which must reach
// the node as `expected_megabits` under the name the agent scripted a write of.
void check_release(FakeJolokia& agent, const std::string& release, const std::string& throughput, double mib,
                   const json& expected_megabits, const json& written) {
  ringd::CassandraBackend backend(agent.client());
  auto node = backend.node();
  REQUIRE_MESSAGE(node.ok(), node.error().message());
  CHECK((*node)["release_version"] == release);
  CHECK((*node)["capacity"]["memory_total_bytes"].get<double>() == recorded_total_memory());
  CHECK((*node)["capacity"]["cpus"].get<int>() >= 1);
  auto streams = backend.streams();
  REQUIRE_MESSAGE(streams.ok(), streams.error().message());
  const double megabits = recorded_value(throughput).get<double>();
  CHECK((*streams)["throughput_mib_per_second"].get<double>() == doctest::Approx(megabits * 1e6 / 8 / 1048576));
  REQUIRE(backend.cluster().ok());
  REQUIRE(backend.gossip().ok());

  auto set = backend.set_throughput(json{{"mib_per_second", mib}});
  REQUIRE_MESSAGE(set.ok(), set.error().message());
  CHECK(written == expected_megabits);
  CHECK(agent.unexpected().empty());
}

// A write of `attribute` the agent answers, its value kept in `written`.
void accept_write(FakeJolokia& agent, const std::string& attribute, json& written) {
  agent.script(attribute + "=", [&written](const json& sent) {
    written = sent["value"];
    return json(nullptr);
  });
}

}  // namespace

// The names of 4.0 and 4.1 are those of the MBean interfaces in cassandra-all 4.0.13 and 4.1.5
// (docs/cassandra-backend.md lists the differences); only 5.0 runs in tests/cassandra/.
TEST_CASE("Cassandra 4.0 on JDK 11: the stream throughput under 4.0's only name, memory under JDK 11's") {
  FakeJolokia agent("", recording_of("4.0.13"));
  agent.refuse("StreamThroughputMbitPerSec");  // 4.1's name; 4.0 has StreamThroughputMbPerSec, in megabits
  agent.refuse("StreamThroughputMbitPerSec=");
  json written;
  accept_write(agent, "StreamThroughputMbPerSec", written);
  check_release(agent, "4.0.13", "StreamThroughputMbPerSec", 1, 8, written);  // 1 MiB/s = 8.4 megabits
}

TEST_CASE("Cassandra 4.1 on JDK 11: the stream throughput under 4.1's megabit name, memory under JDK 11's") {
  FakeJolokia agent("", recording_of("4.1.5"));
  json written;
  accept_write(agent, "StreamThroughputMbitPerSec", written);
  check_release(agent, "4.1.5", "StreamThroughputMbitPerSec", 2, 17, written);  // 2 MiB/s = 16.8 megabits
}
