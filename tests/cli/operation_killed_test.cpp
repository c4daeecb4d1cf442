// ringctl and the agent (ringd) SIGKILLed while each topology operation runs: join
// (bootstrap), cleanup, repair, decommission and removenode, one after another on one cluster of
// real ringnode processes (127.0.71.1..5), each node with its ringd, a QUORUM writer running
// throughout. For each operation, followed by `ringctl -o json -h AGENT ... --wait`:
//  1. once the job has moved (progress > 0, still running), ringctl is SIGKILLed: the job goes
//     on on the node, `ringctl jobs` lists it running, and running the same command again
//     follows that job (the same id; the node does not start a second one);
//  2. then the node's agent is SIGKILLed and started again: `ringctl jobs` through the new
//     agent reports the job, running, with at least the progress seen before; the second
//     `--wait` rides through the gap (it says the agent does not answer, and reports the job
//     again at its first answer);
//     for the join, once it has streamed everything, held before announcing NORMAL by the
//     nodes' test hook (labnode/test_hold.h), the agent and then ringctl are SIGKILLed again:
//     the restarted agent lists it running, and the same command run again follows it;
//  3. for join, cleanup, repair and decommission, the agent is then SIGSTOPped until `ringctl jobs`
//     says it timed out (exit 4) and the wait says the agent does not answer (an "unanswered"
//     event), and resumed: the wait reports the job again and rides through;
//     for repair and decommission, the node itself is then paused (SIGSTOP, as a JVM's collector
//     can pause Cassandra) until the wait says that its agent answers the node does not (an
//     "unanswered" event, "timed out"), and resumed: the wait reports the job again and rides
//     through;
//     for cleanup, once every range is dropped, held before its final compaction by the nodes' test hook
//     (labnode/test_hold.h), the agent is SIGKILLed again: restarted, it lists the job running;
//     there ringctl is SIGKILLed too, and the same command run again follows the same job;
//  4. the operation is let go (its throttle lifted) and the wait ends "done", exit 0.
// The join is first held in its waits before streaming by a peer hung (SIGSTOP): ringctl
// following it and then its agent are SIGKILLed there (the job listed at 0 bytes, the same
// command following it), and the peer resumed, the same job streams. Held after streaming by the
// hook, that peer is hung again and the hold lifted: the join ends NORMAL with the peer hung.
// Before that repair, one held in validation (a replica hung) whose ringctl and agent are
// SIGKILLed: the second wait rides through and reports the job failed naming the replica (exit 2).
// Before that decommission, the leaving node itself is SIGKILLed mid-stream: it restarts NORMAL
// with no job, and the wait that followed it ends "unknown" (exit 7). Decommission and removenode
// are then each held by the hook before streaming, announced (LEAVING, REMOVING) and seen by
// every peer: first with a peer their streams need SIGKILLed there, the hold lifted: the wait
// ends failed naming the peer once convicted (exit 2); the peer started again, held there again
// with the same peer hung (SIGSTOP), likewise; the peer resumed, held there a third time, ringctl
// and the agent are SIGKILLed as in the join's waits, and the same job, the hold lifted, is the
// one interrupted mid-stream as above.
// At the end every acknowledged row (the seeded ones and the writer's) reads back at QUORUM and
// a sample is on all 3 of its replicas. Each operation is held in its phase by a throttle
// (streams: the node's stream throughput, over its 1 MiB burst; cleanup:
// compaction_throughput_mib), never by sleeping.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/background_process.h"
#include "support/cluster_checks.h"
#include "support/node_agents.h"
#include "support/phase_holds.h"
#include "support/rows_taken.h"
#include "support/run_process.h"
#include "support/test_paths.h"
#include "support/throttled_rows.h"
#include "test_hold.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
// A cleanup of node 1 after the join drops about 0.45 MB: at 0.04 MiB/s about 10 s.
const std::string kNodeYaml = "compaction_throughput_mib: 0.04\n";

// `ringctl -o json -h AGENT ARGS...`.
std::vector<std::string> ringctl_command(const std::string& agent, std::vector<std::string> args) {
  args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "-h", agent});
  return args;
}

std::uint64_t done_of(const Json& job) { return job["progress"]["done"].get<std::uint64_t>(); }

// The job `id` as `ringctl jobs` through `agent` lists it, or null (not listed, no answer).
Json listed_job(const std::string& agent, const std::string& id) {
  const ProcessResult r = run_process(ringctl_command(agent, {"jobs"}));
  if (r.exit_code != 0) return nullptr;
  const Json listing = Json::parse(r.out, nullptr, false);
  if (!listing.is_object() || !listing["jobs"].is_array()) return nullptr;
  for (const Json& job : listing["jobs"]) {
    if (job.value("id", "") == id) return job;
  }
  return nullptr;
}

// The job `id` once `ringctl jobs` lists it with at least `done` of progress, or null after 10 s.
// The agent lists the jobs of its last collection (every 0.5 s here), so the list may be a
// collection behind what a live read of the job (--wait's) has shown.
Json listed_with_progress(const std::string& agent, const std::string& id, std::uint64_t done) {
  Json job;
  const bool listed = wait_until(
      [&] {
        job = listed_job(agent, id);
        return job.is_object() && done_of(job) >= done;
      },
      10s, 200ms);
  return listed ? job : Json();
}

// The next event `wait` prints (a JSON line), or null once it has ended.
Json next_event(Background& wait) {
  const std::string line = wait.next_line();
  return line.empty() ? Json() : Json::parse(line, nullptr, false);
}

// Reads `wait`'s events until the job is running with some progress made and not all; that
// event's job, or null when the wait ended first.
Json job_midway(Background& wait) {
  for (Json event = next_event(wait); event.is_object(); event = next_event(wait)) {
    const Json& job = event["job"];
    if (event["event"] == "progress" && job["state"] == "running" && done_of(job) > 0 &&
        done_of(job) < job["progress"]["total"].get<std::uint64_t>()) {
      return job;
    }
  }
  return nullptr;
}

// One operation, interrupted as the file's comment says.
struct Interrupted {
  std::string name;
  int node;  // whose agent follows (and for the job's start, runs) it
  std::function<std::vector<std::string>(const std::string& job_id)> command;  // ringctl's arguments
  std::function<std::string()> start;  // starts the job when ringctl does not (a join): its id
  std::function<void()> let_go;        // lifts the throttle that holds the job in its phase
  bool hang_agent = false;             // also SIGSTOP the restarted agent for a while
  // When let_go leaves the job held by the test hook in a later phase: ringctl is SIGKILLed there
  // too, and run again follows the same job; then this lifts the hold.
  std::function<void()> release = nullptr;
  bool pause_node = false;  // then SIGSTOP the node itself for a while (not one of the writer's coordinators)
};

// Reads `wait`'s events until one named `name`; null when the wait ended first.
Json event_named(Background& wait, std::string_view name) {
  for (Json event = next_event(wait); event.is_object(); event = next_event(wait)) {
    if (event["event"] == name) return event;
  }
  return nullptr;
}

// The next event `wait` prints after a gap it rode through (`gap`, for the message when it
// ended instead): the same job `id` reported again, still running.
Json job_reported_again(Background& wait, const std::string& id, const std::string& gap) {
  const Json again = next_event(wait);
  REQUIRE_MESSAGE(again.is_object(), "the wait ended after " << gap);
  CHECK_MESSAGE(again["event"] == "progress", again.dump());
  CHECK(again["job"]["id"] == id);
  CHECK(again["job"]["state"] == "running");
  return again;
}

// Node i's agent hung (SIGSTOP) rather than dead while `wait` (a ringctl --wait) follows job `id`,
// its last poll answered: `ringctl jobs` asked meanwhile exits 4 saying it timed out, and the wait
// says the agent does not answer (one "unanswered" event, the reason with it). The agent resumed
// (SIGCONT) as soon as the wait has said so, within its 30 s grace, the wait reports the job
// again, the same one, still running: it rode through. The agent is hung no longer than that: its
// reply timeout (5 s) plus one poll.
void agent_hung(Agents& agents, int i, Background& wait, const std::string& id) {
  const std::string agent = agents.agent(i);
  const auto hung_at = std::chrono::steady_clock::now();
  agents.signal(i, SIGSTOP);
  ProcessResult listed;
  std::thread lister([&] { listed = run_process(ringctl_command(agent, {"jobs"})); });
  const Json unanswered = event_named(wait, "unanswered");
  lister.join();
  agents.signal(i, SIGCONT);
  const double hung_for = seconds_since(hung_at);
  REQUIRE_MESSAGE(unanswered.is_object(), "the wait ended without saying that the agent did not answer");
  CHECK(unanswered["job"]["id"] == id);
  const std::string reason = unanswered.value("error", "");
  CHECK_MESSAGE(reason.find("timed out") != std::string::npos, reason);
  CHECK_MESSAGE(reason.find(agent) != std::string::npos, reason);
  CHECK(listed.exit_code == 4);  // no answer within ringctl's 5 s, said so
  CHECK_MESSAGE((listed.out + listed.err).find("timed out") != std::string::npos, listed.out << listed.err);
  const Json again = job_reported_again(wait, id, "the agent was resumed");
  MESSAGE("agent of " << agents.agent(i) << " hung " << hung_for << " s: the wait said \"" << reason
                      << "\" and, resumed, reported the job again at " << again["job"]["progress"].dump());
}

// Node i itself paused (SIGSTOP) while `wait` follows its job `id`, as a JVM's collector can
// pause Cassandra: its agent answers that the node does not (its 2 s timeout), and the wait says
// so (one "unanswered" event naming the node) instead of ending. Resumed (SIGCONT) as soon as
// the wait has said so, the node is seen again by the wait: the job, the same one, still running.
void node_paused(TestCluster& cluster, int i, Background& wait, const std::string& id) {
  const auto paused_at = std::chrono::steady_clock::now();
  cluster.process(i).send_signal(SIGSTOP);
  const Json unanswered = event_named(wait, "unanswered");
  cluster.process(i).send_signal(SIGCONT);
  const double paused_for = seconds_since(paused_at);
  REQUIRE_MESSAGE(unanswered.is_object(), "the wait ended without saying that the node did not answer");
  CHECK(unanswered["job"]["id"] == id);
  const std::string reason = unanswered.value("error", "");
  const std::string node_url = "http://" + cluster.address(i) + ":" + std::to_string(cluster.native_port());
  CHECK_MESSAGE(reason.find(node_url) != std::string::npos, reason);  // the agent's answer: its node timed out
  CHECK_MESSAGE(reason.find("timed out") != std::string::npos, reason);
  const Json again = job_reported_again(wait, id, "the node was resumed");
  MESSAGE(cluster.address(i) << " paused " << paused_for << " s: the wait said \"" << reason
                             << "\" and, resumed, reported the job again at " << again["job"]["progress"].dump());
}

void interrupt(TestCluster& cluster, Agents& agents, const Interrupted& operation) {
  INFO(operation.name);
  const auto started = std::chrono::steady_clock::now();
  const std::string agent = agents.agent(operation.node);
  const std::string known_id = operation.start ? operation.start() : "";

  Background first(ringctl_command(agent, operation.command(known_id)));
  const Json midway = job_midway(first);
  REQUIRE_MESSAGE(midway.is_object(), "the job never showed progress while running");
  const std::string id = midway["id"].get<std::string>();
  if (!known_id.empty()) CHECK_MESSAGE(id == known_id, "ringctl follows " << id << ", not " << known_id);
  first.kill_and_reap();

  const Json after_ringctl = listed_with_progress(agent, id, done_of(midway));
  REQUIRE_MESSAGE(after_ringctl.is_object(), "ringctl jobs does not list " << id << " with its progress");
  CHECK(after_ringctl["state"] == "running");

  std::optional<Background> again;
  again.emplace(ringctl_command(agent, operation.command(id)));
  const Json attached = next_event(*again);
  REQUIRE_MESSAGE(attached.is_object(), "the second ringctl printed nothing");
  CHECK_MESSAGE(attached["job"]["id"] == id, "the second ringctl follows " << attached.dump());

  agents.kill(operation.node);
  CHECK(run_process(ringctl_command(agent, {"jobs"})).exit_code == 4);  // no agent: no list, not an empty one
  // The wait says the agent is gone before it is started again, and reports the job again at its
  // first answer after: so the gap is closed before the agent is hung, whose own gap it says.
  const Json gone = event_named(*again, "unanswered");
  REQUIRE_MESSAGE(gone.is_object(), "the wait ended without saying that the agent was gone");
  CHECK_MESSAGE(gone.value("error", "").find(agent) != std::string::npos, gone.dump());
  agents.start(operation.node);
  const Json after_agent = listed_with_progress(agent, id, done_of(after_ringctl));
  REQUIRE_MESSAGE(after_agent.is_object(), "the restarted agent does not list " << id << " with its progress");
  CHECK(after_agent["operation"] == midway["operation"]);
  CHECK_MESSAGE(after_agent["state"] == "running", after_agent.dump());
  job_reported_again(*again, id, "the agent was started again");

  if (operation.hang_agent) agent_hung(agents, operation.node, *again, id);
  if (operation.pause_node) node_paused(cluster, operation.node, *again, id);

  if (operation.let_go) operation.let_go();
  if (operation.release) {
    again->kill_and_reap();
    again.emplace(ringctl_command(agent, operation.command(id)));
    const Json held = next_event(*again);
    REQUIRE_MESSAGE(held.is_object(), "the third ringctl printed nothing");
    CHECK_MESSAGE(held["job"]["id"] == id, "the third ringctl follows " << held.dump());
    CHECK(held["job"]["state"] == "running");
    CHECK(done_of(held["job"]) >= held["job"]["progress"]["total"].get<std::uint64_t>());
    MESSAGE(operation.name << ": ringctl killed again, held at " << held["job"]["progress"].dump()
                           << "; run again, it follows the same job");
    operation.release();
  }
  Json last;
  for (Json event = next_event(*again); event.is_object(); event = next_event(*again)) last = event;
  CHECK(again->wait() == 0);
  CHECK_MESSAGE(last["event"] == "done", last.dump());
  CHECK(last["job"]["id"] == id);
  MESSAGE(operation.name << ": killed at " << done_of(midway) << " of " << midway["progress"]["total"] << " "
                         << midway["progress"]["unit"].get<std::string>() << ", ended " << last["job"]["state"]
                         << " in " << seconds_since(started) << " s");
}

// A decommission whose own node is SIGKILLed mid-stream: the job dies with the process, so the
// `--wait` following it ends "unknown" (exit 7: nobody can say how it ended). Started again, the
// node is NORMAL in every view (a restarted node announces NORMAL, as Cassandra's does) and its
// agent lists no running job: the clear state is "not done, run it again".
void leaving_node_killed(TestCluster& cluster, Agents& agents, int i) {
  INFO("decommission, its node SIGKILLed");
  set_throughput(cluster, i, kThrottledStreamMib);
  Background wait(ringctl_command(agents.agent(i), {"decommission", "--wait", "--timeout", "180"}));
  const Json midway = job_midway(wait);
  REQUIRE_MESSAGE(midway.is_object(), "the job never showed progress while running");
  cluster.process(i).kill_hard();
  cluster.start(i, true);
  Json last;
  for (Json event = next_event(wait); event.is_object(); event = next_event(wait)) last = event;
  CHECK(wait.wait() == 7);
  CHECK_MESSAGE(last["event"] == "unknown", last.dump());
  for (int observer = 0; observer < kThrottledNodes; ++observer) cluster.wait_for_ring(observer, kThrottledNodes);
  CHECK(node_info(cluster, i)["mode"] == "NORMAL");
  CHECK(wait_until(
      [&] {
        const ProcessResult r = run_process(ringctl_command(agents.agent(i), {"jobs"}));
        const Json listing = Json::parse(r.out, nullptr, false);
        return r.exit_code == 0 && listing.is_object() && listing["jobs"].is_array() && listing["jobs"].empty();
      },
      10s, 200ms));
  MESSAGE("decommission, its node killed at " << done_of(midway) << " of " << midway["progress"]["total"]
                                              << " bytes: restarted NORMAL, no job; wait ended " << last["event"]);
}

// Repair, validation: a replica of node i's ranges is hung (SIGSTOP), so the ranges it shares
// with node i wait on its Merkle trees; the repair is followed with `ringctl repair --wait`.
// Once the job runs, ringctl is SIGKILLed, and run again it follows the same job; then node i's
// agent is SIGKILLed and started again: it lists the job, the same id. The wait rides through the gap and reports how
// the job ended: failed, naming the hung replica once the failure detector convicts it (exit 2), the clear state "run
// it again", which the repair case that follows does, the replica resumed.
void agent_killed_in_repair_validation(TestCluster& cluster, Agents& agents, int i, int hung) {
  INFO("repair, ringctl and its agent SIGKILLed in validation");
  const auto started = std::chrono::steady_clock::now();
  cluster.process(hung).send_signal(SIGSTOP);
  Background first(ringctl_command(agents.agent(i), {"repair", kKeyspace, "--wait", "--timeout", "180"}));
  Json running;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        running = running_job(cluster, i, "repair");
                        return running.is_object();
                      },
                      30s, 20ms),
                  cluster.api(i, "GET", "/v1/jobs").body.dump());
  const std::string id = running["id"].get<std::string>();
  first.kill_and_reap();  // ringctl SIGKILLed; the same command run again follows the same job
  Background wait(ringctl_command(agents.agent(i), {"repair", kKeyspace, "--wait", "--timeout", "180"}));
  const Json attached = next_event(wait);
  REQUIRE_MESSAGE(attached.is_object(), "the second ringctl printed nothing");
  CHECK_MESSAGE(attached["job"]["id"] == id, "the second ringctl follows " << attached.dump());
  agents.kill(i);
  CHECK(run_process(ringctl_command(agents.agent(i), {"jobs"})).exit_code == 4);
  agents.start(i);
  CHECK(wait_until([&] { return listed_job(agents.agent(i), id).is_object(); }, 10s, 200ms));

  Json last;
  for (Json event = next_event(wait); event.is_object(); event = next_event(wait)) last = event;
  CHECK(wait.wait() == 2);
  CHECK_MESSAGE(last["event"] == "failed", last.dump());
  CHECK(last["job"]["id"] == id);
  CHECK_MESSAGE(last["job"].value("error", "").find(cluster.address(hung)) != std::string::npos, last.dump());
  cluster.process(hung).send_signal(SIGCONT);
  for (int observer = 0; observer < kThrottledNodes; ++observer) cluster.wait_for_ring(observer, kThrottledNodes);
  MESSAGE("repair, ringctl and agent killed in validation: the wait ended "
          << last["event"] << " (\"" << last["job"].value("error", "") << "\") in " << seconds_since(started) << " s");
}

// Node i's job `id` before it streams (0 bytes), followed by `first`, a ringctl running `follow`
// (`ringctl ... --wait`): ringctl is SIGKILLed, `ringctl jobs` lists the job running, and the
// same command run again (`again`) follows the same job; the agent is SIGKILLed, `ringctl jobs`
// exits 4; started again, it lists the job running at 0 bytes.
void killed_before_streaming(Agents& agents, int i, Background& first, const std::vector<std::string>& follow,
                             const std::string& id, std::optional<Background>& again) {
  const std::string agent = agents.agent(i);
  first.kill_and_reap();
  const Json after_ringctl = listed_with_progress(agent, id, 0);
  REQUIRE_MESSAGE(after_ringctl.is_object(), "ringctl jobs does not list " << id);
  CHECK(after_ringctl["state"] == "running");

  again.emplace(follow);
  const Json attached = next_event(*again);
  REQUIRE_MESSAGE(attached.is_object(), "the second ringctl printed nothing");
  CHECK_MESSAGE(attached["job"]["id"] == id, "the second ringctl follows " << attached.dump());
  agents.kill(i);
  CHECK(run_process(ringctl_command(agent, {"jobs"})).exit_code == 4);
  agents.start(i);
  const Json after_agent = listed_with_progress(agent, id, 0);
  REQUIRE_MESSAGE(after_agent.is_object(), "the restarted agent does not list " << id);
  CHECK(after_agent["state"] == "running");
  CHECK(done_of(after_agent) == 0);
}

// A join in its waits before streaming: `hung`, a peer, is hung (SIGSTOP), so node i's bootstrap
// (job `id`) runs at 0 bytes, never seeing it up. ringctl following it (`jobs --wait ID`) and
// then its agent are SIGKILLed there (killed_before_streaming). Still in its waits, the peer
// resumed (SIGCONT), the same job passes its waits and streams, the second wait riding through
// all of it. It is then let go (killed), for the streaming case.
void join_killed_waiting(TestCluster& cluster, Agents& agents, int i, int hung, const std::string& id) {
  INFO("join, ringctl and its agent SIGKILLed in its waits before streaming");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> follow = ringctl_command(agents.agent(i), {"jobs", "--wait", id, "--timeout", "180"});
  Background first(follow);
  const Json waiting = next_event(first);
  REQUIRE_MESSAGE(waiting.is_object(), "the first ringctl printed nothing");
  CHECK_MESSAGE(waiting["job"]["id"] == id, waiting.dump());
  CHECK(waiting["job"]["state"] == "running");
  CHECK(done_of(waiting["job"]) == 0);
  std::optional<Background> again;
  killed_before_streaming(agents, i, first, follow, id, again);
  // Still in its waits: the hung peer is not up in its view, nothing streamed.
  CHECK(member_seen_by(cluster, i, cluster.address(hung))["status"] != "up");
  CHECK(done_of(cluster.api(i, "GET", "/v1/jobs/" + id).body) == 0);

  cluster.process(hung).send_signal(SIGCONT);
  const auto resumed = std::chrono::steady_clock::now();
  Json streaming;
  for (Json event = next_event(*again); event.is_object(); event = next_event(*again)) {
    if (event["job"]["state"] == "running" && done_of(event["job"]) > 0) {
      streaming = event;
      break;
    }
  }
  REQUIRE_MESSAGE(streaming.is_object(), "the second wait ended before the join streamed");
  CHECK(streaming["job"]["id"] == id);
  const double streaming_after = seconds_since(resumed);
  again->kill_and_reap();
  MESSAGE("join, ringctl and agent killed in its waits (0 bytes, "
          << cluster.address(hung) << " hung): the peer resumed, the same job streams " << streaming_after
          << " s later (" << streaming["job"]["progress"].dump() << "); " << seconds_since(started) << " s");
}

// Node i's `operation` held by the nodes' test hook (labnode/test_hold.h) at `phase`, past its
// last byte or range, where no throttle holds it (a join before announcing NORMAL, a cleanup
// before its final compaction): its agent is SIGKILLed and started again, and lists the job
// still running with all its progress done. The hold stays: ringctl is SIGKILLed there too
// (interrupt, `release`).
void agent_killed_while_held(TestCluster& cluster, Agents& agents, int i, const std::string& operation,
                             std::string_view phase) {
  INFO(operation << ", its agent SIGKILLed while held at " << phase);
  Json held;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        // A join's done can pass its total: rows written meanwhile stream too.
                        held = running_job(cluster, i, operation);
                        return held.is_object() && done_of(held) >= held["progress"]["total"].get<std::uint64_t>() &&
                               cluster.process(i).log().find("test hold: " + std::string(phase)) != std::string::npos;
                      },
                      60s),
                  cluster.api(i, "GET", "/v1/jobs").body.dump());
  agents.kill(i);
  CHECK(run_process(ringctl_command(agents.agent(i), {"jobs"})).exit_code == 4);
  agents.start(i);
  const Json listed = listed_with_progress(agents.agent(i), held["id"].get<std::string>(), done_of(held));
  REQUIRE_MESSAGE(listed.is_object(), "the restarted agent does not list the held " << operation);
  CHECK(listed["state"] == "running");
  MESSAGE(operation << ", agent killed while held at " << phase << " (" << held["progress"].dump()
                    << "): listed again running");
}

// Starts node i's operation with `command` (`ringctl ... --wait`, run as `ringctl`), the test
// hook's file `hold` made first, and waits until the hook holds it at `phase`; the job's id.
std::string held_by_hook(TestCluster& cluster, int i, const std::vector<std::string>& command,
                         const std::filesystem::path& hold, std::string_view phase,
                         std::optional<Background>& ringctl) {
  std::ofstream(hold).close();
  const std::size_t log_from = cluster.process(i).log().size();  // an earlier hold there is logged too
  ringctl.emplace(command);
  const Json begun = next_event(*ringctl);
  REQUIRE_MESSAGE(begun.is_object(), "ringctl printed nothing");
  held_at(cluster, i, phase, log_from);
  return begun["job"]["id"].get<std::string>();
}

// How a peer is stopped while an operation is held: hung (SIGSTOP, resumed with SIGCONT) or
// killed (SIGKILL, started again: it joined before, so it starts NORMAL with its data).
enum class PeerFault { kHung, kKilled };

// Node i's operation, started by `command` (`ringctl ... --wait`), held by the test hook at
// `phase` (while the file `hold` exists): announced and seen by every peer, nothing streamed.
// There `peer`, one its streams need, is hung or killed (`fault`) and the hold lifted: the wait
// ends failed, exit 2, naming the peer once the failure detector has convicted it: the clear
// state "run it again", which the caller does once the peer is back (resumed, or started again)
// and `seen_up` returns (it waits until the other nodes see the peer up).
void peer_stopped_while_held(TestCluster& cluster, int i, int peer, PeerFault fault,
                             const std::vector<std::string>& command, const std::filesystem::path& hold,
                             std::string_view phase, const std::function<void()>& seen_up) {
  const std::string stopped = fault == PeerFault::kHung ? "hung" : "killed";
  INFO("held at " << phase << ", " << cluster.address(peer) << " " << stopped);
  const auto started = std::chrono::steady_clock::now();
  std::optional<Background> wait;
  const std::string id = held_by_hook(cluster, i, command, hold, phase, wait);
  if (fault == PeerFault::kHung) {
    cluster.process(peer).send_signal(SIGSTOP);
  } else {
    cluster.process(peer).kill_hard();
  }
  const auto stopped_at = std::chrono::steady_clock::now();
  std::filesystem::remove(hold);
  Json last;
  for (Json event = next_event(*wait); event.is_object(); event = next_event(*wait)) last = event;
  const int exit_code = wait->wait();
  const double ended_after = seconds_since(stopped_at);
  if (fault == PeerFault::kHung) {
    cluster.process(peer).send_signal(SIGCONT);
  } else {
    cluster.start(peer, false);
  }
  seen_up();
  CHECK(exit_code == 2);
  CHECK_MESSAGE(last["event"] == "failed", last.dump());
  CHECK(last["job"]["id"] == id);
  const std::string error = last["job"].value("error", "");
  CHECK_MESSAGE(error.find(cluster.address(peer)) != std::string::npos, last.dump());
  MESSAGE(phase << ", " << cluster.address(peer) << " " << stopped << " and the hold lifted: the wait ended "
                << last["event"] << " after " << ended_after << " s (\"" << error << "\"); " << seconds_since(started)
                << " s");
}

// Node i's operation, started by `command` (`ringctl ... --wait`) and held by the test hook at
// `phase` (while the file `hold` exists), before it streams: ringctl and then the agent are
// SIGKILLed there (killed_before_streaming). The hold stays, for the caller to lift; the job's id.
std::string killed_while_held(TestCluster& cluster, Agents& agents, int i, const std::vector<std::string>& command,
                              const std::filesystem::path& hold, std::string_view phase) {
  INFO("ringctl and the agent SIGKILLed while held at " << phase);
  const auto started = std::chrono::steady_clock::now();
  std::optional<Background> first;
  const std::string id = held_by_hook(cluster, i, command, hold, phase, first);
  std::optional<Background> again;
  killed_before_streaming(agents, i, *first, command, id, again);
  MESSAGE(phase << ": ringctl and the agent killed while held, the job listed again at 0 bytes, followed again; "
                << seconds_since(started) << " s");
  return id;
}

}  // namespace

TEST_CASE("ringctl and the agent SIGKILLed during join, cleanup, repair, decommission and removenode lose no job") {
  const auto test_started = std::chrono::steady_clock::now();
  const PhaseHolds holds("operation_killed");
  const std::filesystem::path join_hold = holds.file(ringnode::kHoldBootstrapStreamed);
  const std::filesystem::path cleanup_hold = holds.file(ringnode::kHoldCleanupCompacting);
  const std::filesystem::path decommission_hold = holds.file(ringnode::kHoldDecommissionAnnounced);
  const std::filesystem::path removenode_hold = holds.file(ringnode::kHoldRemovenodeAnnounced);
  TestCluster cluster("operation_killed", 1, kThrottledNodes, 8, "127.0.71.");
  Agents agents(cluster);
  start_nodes(cluster, 4, kNodeYaml);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded =
      Writer::write_rows(cluster, kKeyspace, "seed", kThrottledRows, 6, kThrottledValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kThrottledRows));
  for (int i = 0; i < 4; ++i) agents.start(i);
  MESSAGE("seeded " << seeded.size() << " rows in " << seconds_since(test_started) << " s");
  // Nodes 1 and 3 (0-based 0 and 2) are never stopped: the writer's coordinators.
  Writer writer(cluster, {0, 2}, kKeyspace, "w", 2, 40);
  std::string dead_host;
  // The peer hung around the join: while it waits before streaming, and once held after it.
  constexpr int kHungPeer = 3;

  const std::vector<Interrupted> operations = {
      {"join", 4,
       [](const std::string& id) {
         return std::vector<std::string>{"jobs", "--wait", id, "--timeout", "180"};
       },
       [&] {
         // Seen down before the node starts: its join waits to see every peer up.
         cluster.process(kHungPeer).send_signal(SIGSTOP);
         REQUIRE(wait_until([&] { return seen_down(cluster, 0, kHungPeer); }, 30s));
         cluster.start(4, true, kNodeYaml + "stream_throughput_mib: " + std::to_string(kThrottledStreamMib) + "\n");
         agents.start(4);
         Json jobs;
         REQUIRE(wait_until(
             [&] {
               jobs = cluster.api(4, "GET", "/v1/jobs").body["jobs"];
               return jobs.is_array() && !jobs.empty();
             },
             30s));
         const std::string id = jobs[0]["id"].get<std::string>();  // its bootstrap
         join_killed_waiting(cluster, agents, 4, kHungPeer, id);   // held by the hung peer until resumed
         return id;
       },
       // Let go, it streams the rest and is held by the hook before announcing NORMAL.
       [&] {
         std::ofstream(join_hold).close();
         set_throughput(cluster, 4, 0);
         agent_killed_while_held(cluster, agents, 4, "bootstrap", ringnode::kHoldBootstrapStreamed);
       },
       true,  // its agent hung mid-stream too
       // Held there, a peer is hung (SIGSTOP); the hold lifted, the join announces NORMAL, which
       // asks no peer: the job succeeds with the peer still hung (not waiting for its conviction,
       // which would only add the failure detector's 5 to 15 s), QUORUM writes go on, and the
       // peer resumed sees the new node normal.
       [&] {
         cluster.process(kHungPeer).send_signal(SIGSTOP);
         const auto hung_at = std::chrono::steady_clock::now();
         std::filesystem::remove(join_hold);
         const Json joined = cluster.bootstrap_job(4);
         CHECK_MESSAGE(joined["state"] == "succeeded", joined.dump());
         CHECK(node_info(cluster, 4)["mode"] == "NORMAL");
         const double normal_after = seconds_since(hung_at);
         CHECK(writes_acknowledged(writer, 40));  // QUORUM of 3: two replicas answer
         cluster.process(kHungPeer).send_signal(SIGCONT);
         for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);
         MESSAGE("join, held after streaming, " << cluster.address(kHungPeer) << " hung: the join ended "
                                                << joined["state"] << ", NORMAL " << normal_after
                                                << " s after the stop");
       }},
      {"cleanup", 0,
       [](const std::string&) {
         return std::vector<std::string>{"cleanup", kKeyspace, "--wait", "--timeout", "180"};
       },
       [&] {
         for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);  // it waits for the join
         std::ofstream(cleanup_hold).close();  // and is held before its final compaction
         return std::string();
       },
       // Held between ranges by compaction_throughput_mib, which stays; then by the hook.
       [&] { agent_killed_while_held(cluster, agents, 0, "cleanup", ringnode::kHoldCleanupCompacting); }, true,
       [&] { std::filesystem::remove(cleanup_hold); }},
      {"repair", 1,
       [](const std::string&) {
         return std::vector<std::string>{"repair", kKeyspace, "--wait", "--timeout", "180"};
       },
       [&] {
         agent_killed_in_repair_validation(cluster, agents, 1, 3);  // first in validation; then, run again:
         MESSAGE("took " << take_rows(cluster, 1, kKeyspace) << " rows from " << cluster.address(1));
         for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);
         set_throughput(cluster, 1, kThrottledStreamMib);
         return std::string();
       },
       [&] { set_throughput(cluster, 1, 0); }, true, nullptr, true},
      {"decommission", 4,
       [](const std::string&) {
         return std::vector<std::string>{"decommission", "--wait", "--timeout", "180"};
       },
       [&] {
         leaving_node_killed(cluster, agents, 4);  // first its own node is killed; then, run again:
         const std::vector<std::string> decommission =
             ringctl_command(agents.agent(4), {"decommission", "--wait", "--timeout", "180"});
         // Held before streaming, a receiver killed, then hung: each time it fails naming it and
         // the leaving node is back to NORMAL in every view, DECOMMISSION_FAILED in its own; then,
         // the receiver started again or resumed:
         for (const PeerFault fault : {PeerFault::kKilled, PeerFault::kHung}) {
           peer_stopped_while_held(cluster, 4, kHungPeer, fault, decommission, decommission_hold,
                                   ringnode::kHoldDecommissionAnnounced, [&] {
                                     for (int i = 0; i < kThrottledNodes; ++i) {
                                       cluster.wait_for_ring(i, kThrottledNodes);
                                     }
                                   });
           CHECK(node_info(cluster, 4)["mode"] == "DECOMMISSION_FAILED");
         }
         // held there again, ringctl and the agent are killed; the same job then streams.
         const std::string id = killed_while_held(cluster, agents, 4, decommission, decommission_hold,
                                                  ringnode::kHoldDecommissionAnnounced);
         // Half the others' rate: past the 1 MiB burst its 0.8 MB must outlast ringctl's and the
         // agent's kills and the agent's hang (5 s), which a loaded machine can stretch.
         set_throughput(cluster, 4, kThrottledStreamMib / 2);
         std::filesystem::remove(decommission_hold);
         return id;
       },
       [&] { set_throughput(cluster, 4, 0); }, true, nullptr, true},
      {"removenode", 0,
       [&](const std::string&) {
         return std::vector<std::string>{"removenode", dead_host, "--wait", "--timeout", "180"};
       },
       [&] {
         dead_host = node_info(cluster, 3)["host_id"].get<std::string>();
         agents.kill(3);
         cluster.process(3).kill_hard();
         for (const int observer : {0, 1, 2}) REQUIRE(wait_until([&] { return seen_down(cluster, observer, 3); }, 60s));
         const std::vector<std::string> removenode =
             ringctl_command(agents.agent(0), {"removenode", dead_host, "--wait", "--timeout", "180"});
         // Held before streaming, node 2 (a source of some of the dead node's ranges, a new
         // replica of others) killed, then hung: each time it fails naming it, the coordinator
         // runs no job and the dead node is still listed, down; then, node 2 started again or
         // resumed and seen up:
         for (const PeerFault fault : {PeerFault::kKilled, PeerFault::kHung}) {
           peer_stopped_while_held(
               cluster, 0, 1, fault, removenode, removenode_hold, ringnode::kHoldRemovenodeAnnounced, [&] {
                 for (const int observer : {0, 2}) {
                   REQUIRE(wait_until(
                       [&] { return member_seen_by(cluster, observer, cluster.address(1))["status"] == "up"; }, 30s));
                 }
               });
           CHECK_FALSE(running_job(cluster, 0, "removenode").is_object());
           CHECK(seen_down(cluster, 0, 3));
         }
         // held there again, ringctl and the agent are killed; the same job then streams.
         const std::string id =
             killed_while_held(cluster, agents, 0, removenode, removenode_hold, ringnode::kHoldRemovenodeAnnounced);
         set_throughput(cluster, 0, kThrottledStreamMib);  // the coordinator relays every page
         std::filesystem::remove(removenode_hold);
         return id;
       },
       [&] { set_throughput(cluster, 0, 0); }},
  };
  for (const Interrupted& operation : operations) interrupt(cluster, agents, operation);

  CHECK(writes_acknowledged(writer, 40));  // the cluster still serves QUORUM writes
  for (const int i : {0, 1, 2}) cluster.wait_for_ring(i, 3);
  const std::size_t checked =
      check_acknowledged_rows(cluster, writer, {0, 1, 2}, kKeyspace, seeded, kThrottledValueBytes, 10);
  MESSAGE(checked << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
