#include "playbook/actions.h"

#include <functional>

#include "agent_client.h"
#include "job_wait.h"
#include "operations.h"
#include "playbook/conditions.h"
#include "playbook/step_catalog.h"
#include "ringcore/token.h"
#include "ringruntime/iso8601.h"
#include "views/json_fields.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;

AgentClient node_agent(const SnapshotSource& source, const std::string& agent) {
  AgentOptions options = agent_options(source);
  options.agents = {agent};
  options.named_target = true;
  return AgentClient(std::move(options));
}

// A parameter the step cannot do without, its {{references}} filled in: kInvalidInput naming it
// when it came out empty (the loader only sees the text before).
std::string required_param(const StepContext& context, const std::string& key) {
  const std::string value = context.param(key);
  if (value.empty()) throw ringcore::Error::invalid_input(key + ": is empty; the step needs it");
  return value;
}

Json operation_body(const std::string& name, const StepContext& context) {
  Json body = Json::object();
  if (name == "repair") body["primary_range"] = context.param("with.primary_range", "true") == "true";
  if (name == "decommission") body["force"] = false;
  if (name == "removenode") body["host_id"] = required_param(context, "with.host_id");
  if (!context.param("with.keyspace").empty()) body["keyspace"] = context.param("with.keyspace");
  if (name == "repair" && !context.param("with.range").empty()) {
    // A token segment (a foreach over primary_segments): the tokens in (start, end] only. The
    // whole ring, one segment, restricts nothing: the request is the plain repair's.
    auto range = ringcore::parse_range(context.param("with.range"));
    if (!range) throw range.error().with_context("with.range");
    if (!range->is_full_ring()) {
      body["start_token"] = ringcore::format_token(range->left);
      body["end_token"] = ringcore::format_token(range->right);
    }
  }
  return body;
}

// The job recorded in the step's journal, if its agent still knows it and it did not fail. A
// failed job is what stopped the run (a receiver of a decommission died, say): followed again
// it would only fail again, and no resume could finish; the resumed step runs the operation
// again, as the operator would once the cause is gone. A job its agent gives no answer about now
// is followed all the same, as a wait follows a job whose agent stopped answering: the agent may
// be restarting, or have gone with a decommissioned node (`fetch` tells that end).
std::optional<Json> recorded_job(const std::function<Json(const std::string&)>& fetch, const StepContext& context) {
  const std::string id = json_text(context.record.started, "job");
  if (id.empty()) return std::nullopt;
  try {
    Json job = fetch(id);
    if (json_text(job, "state") == "failed") return std::nullopt;
    return job;
  } catch (const ringcore::Error& e) {
    if (e.code() == ringcore::ErrorCode::kNotFound) return std::nullopt;
    if (no_answer(e)) return Json{{"id", id}, {"operation", json_text(context.record.started, "operation")}};
    throw;
  }
}

// How long an act step waits for the node's agent to collect after the job ended. The agent
// starts a collection the moment it sees the job end (docs/api.md), so this is one poll or two;
// the bound is for an agent whose clock runs behind the node's, which never collects "after".
constexpr auto kCollectionAfterJobTimeout = std::chrono::seconds(10);
constexpr auto kCollectionPollInterval = std::chrono::milliseconds(100);

// When the agent last collected its node's facts; nullopt when it has not or does not answer
// now (the wait asks again).
std::optional<std::chrono::system_clock::time_point> collected_at(AgentClient& agent) {
  try {
    const Json node = agent.get("/v1/node");
    return ringruntime::parse_iso8601_utc(json_text(node.value("freshness", Json::object()), "collected_at"));
  } catch (const ringcore::Error&) {
    return std::nullopt;
  }
}

// Waits until the node's agent has collected since the job ended, so that the checks after the
// step read the node as the operation left it (a cleanup's load) rather than the collection
// before. Gives up after kCollectionAfterJobTimeout with an event saying so: the step itself
// succeeded, and the checks then read the figures that are there.
void wait_for_collection_after(AgentClient& agent, const Json& job, StepContext& context,
                               const ringruntime::WaitClock& clock) {
  const auto ended_at = ringruntime::parse_iso8601_utc(json_text(job, "ended_at"));
  if (!ended_at) return;  // nothing to compare with: an agent that does not say when jobs end
  std::optional<std::chrono::system_clock::time_point> last;
  const bool collected = ringruntime::wait_until(
      [&] {
        last = collected_at(agent);
        return last && *last >= *ended_at;
      },
      kCollectionAfterJobTimeout, kCollectionPollInterval, clock);
  if (collected) return;
  context.emit({{"event", "facts_not_refreshed"},
                {"node", context.param("node")},
                {"ended_at", json_text(job, "ended_at")},
                {"collected_at", last ? Json(ringruntime::format_iso8601_utc(*last)) : Json(nullptr)}});
}

StepOutcome agent_operation(const std::string& name, StepContext& context, const ringruntime::WaitClock& clock) {
  const std::string node = context.param("node");
  const std::string where = agent_for_node(context.source, node);
  AgentClient agent = node_agent(context.source, where);
  std::optional<std::string> ended_unseen;  // why the job's end was not seen, when it was not
  const auto fetch = [&](const std::string& id) {
    try {
      return job_of(agent.get("/v1/jobs/" + id));
    } catch (const ringcore::Error& error) {
      // A decommissioned node leaves the ring, and its agent may go with it (a lab stops a node
      // that left; an operator may too): every other node no longer listing it is the
      // decommission's end, whatever became of the job.
      if (name != "decommission" || !no_answer(error) || !has_left_every_view(context, node)) throw;
      ended_unseen = error.message();
      return Json{{"id", id}, {"operation", name}, {"state", "succeeded"}};
    }
  };
  std::optional<Json> job = recorded_job(fetch, context);
  const bool reattached = job.has_value();
  if (!job) {
    const AgentAnswer answer = agent.post(name, "/v1/operations/" + name, operation_body(name, context));
    job = job_of(answer.body);
    context.record.started = {{"job", json_text(*job, "id")}, {"agent", where}, {"operation", name}};
    context.save();
  }
  context.emit({{"event", "job"},
                {"operation", name},
                {"node", node},
                {"job", json_text(*job, "id")},
                {"reattached", reattached}});
  const auto on_event = [&](const JobEvent& event) {
    if (event.event == "unanswered") {
      context.emit({{"event", "unanswered"},
                    {"operation", name},
                    {"node", node},
                    {"job", json_text(*job, "id")},
                    {"error", event.reason}});
      return;
    }
    // A recorded job not answered for yet has no progress to show.
    if (event.event != "progress" || !event.job.contains("progress")) return;
    const Json progress = event.job["progress"];
    context.emit({{"event", "progress"},
                  {"operation", name},
                  {"node", node},
                  {"done", json_int(progress, "done")},
                  {"total", json_int(progress, "total")},
                  {"unit", json_text(progress, "unit", "bytes")}});
  };
  const JobEvent last = wait_for_job(*job, fetch, on_event, WaitOptions{}, clock);
  if (ended_unseen) {
    context.emit({{"event", "job_ended_unseen"}, {"operation", name}, {"node", node}, {"reason", *ended_unseen}});
  }
  if (last.event == "unknown") {
    // Not raise_for's advice (follow the job once the agent answers again): the agent may answer
    // while the node is gone (a node SIGKILLed mid-decommission), and a node started again has
    // no job to follow. A resumed step follows the job if the node still runs it and otherwise
    // starts it again, which is what the operator should do once the node is back.
    throw ringcore::Error(ringcore::ErrorCode::kOutcomeUnknown,
                          "lost sight of " + name + " job " + json_text(last.job, "id") + " on " + node + " (" +
                              last.reason + "): it may have finished, failed or still run; if " + node +
                              " is down, start it again, then resume this run (ringctl playbook resume): the step "
                              "follows the job if the node still runs it, or starts it again");
  }
  if (last.event == "failed") {
    // Not raise_for's bare "failed": what stopped the run is retryable once its cause is gone (a
    // receiver or replica down, started again), and a resumed step runs the operation again.
    throw ringcore::Error::failed(name + " job " + json_text(last.job, "id") + " on " + node +
                                  " failed: " + json_text(last.job, "error", "no reason given") +
                                  "; once its cause is fixed (a node it names started again), resume this run "
                                  "(ringctl playbook resume): the step runs the " +
                                  name + " again");
  }
  raise_for(last, where);
  // A decommissioned node leaves the ring: what its agent collects no longer matters to a check.
  if (name != "decommission") wait_for_collection_after(agent, last.job, context, clock);
  StepOutcome outcome;
  const Json progress = last.job.value("progress", Json::object());
  outcome.result = {{"operation", name},
                    {"node", node},
                    {"job", json_text(last.job, "id")},
                    {"done", json_int(progress, "done")},
                    {"unit", json_text(progress, "unit", "bytes")},
                    {"reattached", reattached}};
  if (name == "repair") {
    // The run report's repairs: which segment, and what the repair streamed to fix replicas.
    if (!context.param("with.range").empty()) outcome.result["range"] = context.param("with.range");
    const Json result = last.job.value("result", Json::object());
    if (result.is_object() && result.contains("bytes_streamed"))
      outcome.result["bytes_streamed"] = result["bytes_streamed"];
  }
  outcome.message = name + " on " + node + " succeeded";
  return outcome;
}

// with.mib_per_second: a number of at least 0 (the loader checked it unless it came from a
// {{reference}}).
double stream_throughput_asked(const StepContext& context) {
  const std::string text = required_param(context, "with.mib_per_second");
  const auto mib = non_negative_number(text);
  if (!mib) throw ringcore::Error::invalid_input("with.mib_per_second: '" + text + "' is not a number of at least 0");
  return *mib;
}

// Sets the node's streaming throughput cap on its own agent. Setting it again is harmless, so a
// resumed step just sets it again.
StepOutcome set_stream_throughput_of(StepContext& context) {
  const std::string node = context.param("node");
  const double asked = stream_throughput_asked(context);
  const std::string where = agent_for_node(context.source, node);
  AgentClient agent = node_agent(context.source, where);
  const double applied = set_stream_throughput(agent, asked);
  StepOutcome outcome;
  outcome.result = {{"node", node}, {"mib_per_second", applied}};
  outcome.message = "stream throughput of " + node + " set to " +
                    (applied <= 0 ? std::string("unlimited") : Json(applied).dump() + " MiB/s");
  return outcome;
}

// The launcher's start and stop, each announced first (events node_starting, node_stopping).
void start_announced(StepContext& context, Launcher& launcher, const LaunchNode& node) {
  context.emit({{"event", "node_starting"}, {"node", node.address}, {"launcher", launcher.kind()}});
  launcher.start(node).value_or_throw();
}

void stop_announced(StepContext& context, Launcher& launcher, const std::string& node) {
  context.emit({{"event", "node_stopping"}, {"node", node}, {"launcher", launcher.kind()}});
  launcher.stop({node, "", ""}).value_or_throw();
}

StepOutcome start_node(StepContext& context) {
  Launcher& launcher = context.launcher();
  LaunchNode node;
  if (context.record.started.contains("node")) {  // planned before a crash: that node, not another
    node = {json_text(context.record.started, "node"), json_text(context.record.started, "dc"),
            json_text(context.record.started, "rack")};
  } else {
    node = launcher.plan_node(std::stoi(context.param("with.ordinal", "1")), context.param("with.dc")).value_or_throw();
    context.record.started = {
        {"node", node.address}, {"dc", node.dc}, {"rack", node.rack}, {"launcher", launcher.kind()}};
    context.save();
  }
  start_announced(context, launcher, node);
  StepOutcome outcome;
  outcome.exports["new_node"] = node.address;
  outcome.result = {{"node", node.address}, {"launcher", launcher.kind()}};
  outcome.message = "started " + node.address + " through the " + launcher.kind() + " launcher";
  return outcome;
}

StepOutcome stop_node(StepContext& context) {
  Launcher& launcher = context.launcher();
  const std::string node = context.param("node");
  stop_announced(context, launcher, node);
  StepOutcome outcome;
  outcome.result = {{"node", node}, {"launcher", launcher.kind()}};
  outcome.message = "stopped " + node + " through the " + launcher.kind() + " launcher";
  return outcome;
}

// Stops the node, then starts it, through the launcher. The journal records the stop, so that a
// run resumed after a crash between the two only starts it (both are idempotent anyway).
StepOutcome restart_node(StepContext& context) {
  Launcher& launcher = context.launcher();
  const std::string node = context.param("node");
  if (!context.record.started.value("stopped", false)) {
    stop_announced(context, launcher, node);
    context.record.started = {{"node", node}, {"stopped", true}, {"launcher", launcher.kind()}};
    context.save();
  }
  start_announced(context, launcher, {node, "", ""});
  StepOutcome outcome;
  outcome.result = {{"node", node}, {"launcher", launcher.kind()}};
  outcome.message = "restarted " + node + " through the " + launcher.kind() + " launcher";
  return outcome;
}

}  // namespace

std::string agent_for_node(const SnapshotSource& source, const std::string& address) {
  const AgentOptions options = agent_options(source);
  int port = kDefaultAgentPort;
  for (const std::string& agent : options.agents) {
    auto parsed = parse_agent_address(agent);
    if (!parsed) continue;
    if (parsed->host == address) return agent;
    port = parsed->port;
  }
  return address + ":" + std::to_string(port);
}

StepOutcome run_action(const std::string& name, StepContext& context, const ringruntime::WaitClock& clock) {
  if (name == "start_node") return start_node(context);
  if (name == "stop_node") return stop_node(context);
  if (name == "restart_node") return restart_node(context);
  if (name == "setstreamthroughput") return set_stream_throughput_of(context);
  return agent_operation(name, context, clock);
}

std::string describe_action(const std::string& name, const StepContext& context) {
  if (name == "start_node")
    return "would start new node #" + context.param("with.ordinal", "1") + " through the launcher";
  if (name == "stop_node") return "would stop " + context.param("node") + " through the launcher";
  if (name == "restart_node") return "would stop and start " + context.param("node") + " through the launcher";
  if (name == "setstreamthroughput") {
    return "would set the stream throughput of " + context.param("node") + " to " +
           context.param("with.mib_per_second") + " MiB/s (0: unlimited)";
  }
  return "would run " + name + " on " + context.param("node") + " " + operation_body(name, context).dump();
}

}  // namespace ringctl::playbook
