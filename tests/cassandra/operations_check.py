"""Operations on the tier's real cluster through ringd, started from ringctl as an operator
runs them (`ringctl -o json -h AGENT repair KS --wait`, `cleanup KS --wait`,
`removenode HOST_ID --wait`), each job followed to its end and its effect confirmed by the
node itself (Jolokia) or by nodetool.

Used by fidelity_test.py on the cluster it already runs, with the agents of agents_check.py:
`check_repair_and_cleanup` while every node is up, `check_removenode` once the last node is
stopped (it is removed through node 1's agent), then `check_decommission_refused` of another
node through its own agent (the decommission itself is scale_check.py's playbook). `check_hung_node` SIGSTOPs a node's JVM and checks what its agent and
another node's agent say, then resumes it.
"""

import json
import os
import signal
import time

import agents_check
import cassandra_cluster

OPERATION_TIMEOUT = 300   # seconds a repair, cleanup or removenode may take on a loaded machine
EXIT_FAILED = 2           # ringctl's exit status for a job that failed (cli/exit_codes.h)


def job_events(run):
    """The JSON events `ringctl -o json OPERATION --wait` printed, one per line."""
    events = []
    for line in run.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def follow(agents, tools, node, *args):
    """`ringctl -o json -h AGENT ARGS --wait` through `node`'s agent: (run, events, problems
    with the run as an operator sees it: exit 0, progress events (and any "unanswered" the wait
    rode through) then one final done event whose job succeeded)."""
    run = agents.ringctl(tools.ringctl, "-o", "json", "-h", agents.address(node), *args, "--wait",
                         timeout=OPERATION_TIMEOUT)
    events = job_events(run)
    problems = []
    if run.returncode != 0:
        problems.append(f"exit {run.returncode}\n{run.stdout}{run.stderr}")
    if not events or events[-1].get("event") != "done":
        problems.append(f"last event is not 'done': {events[-1:]}")
    elif events[-1]["job"].get("state") != "succeeded":
        problems.append(f"final job not succeeded: {events[-1]['job']}")
    # An agent slow to answer is said ("unanswered") and ridden through: not a problem of the run.
    if any(e.get("event") not in ("progress", "unanswered") for e in events[:-1]):
        problems.append(f"events before the last are not all progress: {[e.get('event') for e in events]}")
    return run, events, problems


def repair_jobs(node, keyspace):
    """(repair jobs started, completed) on `node` for `keyspace`'s table kv, Cassandra's own count."""
    mbean = f"org.apache.cassandra.metrics:type=Table,keyspace={keyspace},scope=kv,name="
    return tuple(cassandra_cluster.jolokia_read(node, mbean + name, "Count")
                 for name in ("RepairJobsStarted", "RepairJobsCompleted"))


def check_repair_and_cleanup(report, tools, agents, keyspace):
    """A repair of `keyspace` (rf >= 2, holding the test keys) through node 1's agent, followed
    to the end; then node 1 itself must agree: its record of that repair command
    (StorageService.getParentRepairStatus) says COMPLETED, and the keyspace's table counts
    more repair jobs started and completed than before (Table metrics RepairJobsStarted and
    RepairJobsCompleted), none left unfinished. Then a cleanup of the same keyspace, and a cleanup of a keyspace that does not exist,
    which must fail with Cassandra's reason."""
    first = agents.cluster.nodes[0]
    name = f"repair {keyspace} --wait through ringd {agents.address(first)}: job succeeded, node agrees"
    before = repair_jobs(first, keyspace)
    run, events, problems = follow(agents, tools, first, "repair", keyspace)
    if not problems:
        job = events[-1]["job"]
        progress = job.get("progress", {})
        if (progress.get("done"), progress.get("total"), progress.get("unit")) != (1, 1, "keyspaces"):
            problems.append(f"final progress is not 1/1 keyspaces: {progress}")
        repairs = job.get("result", {}).get("repairs", [])
        commands = [r.get("command") for r in repairs if r.get("keyspace") == keyspace]
        if len(commands) != 1 or not isinstance(commands[0], int) or commands[0] <= 0:
            problems.append(f"the result names no repair command of {keyspace}: {job.get('result')}")
        else:
            reply = cassandra_cluster.jolokia_request(first, {
                "type": "exec", "mbean": cassandra_cluster.STORAGE_SERVICE,
                "operation": "getParentRepairStatus", "arguments": [commands[0]]})
            status = reply.get("value") or []
            if reply.get("status") != 200 or not status or status[0] != "COMPLETED":
                problems.append(f"node1's status of repair command #{commands[0]}: {reply}")
            after = repair_jobs(first, keyspace)
            if not (after[0] > before[0] and after[1] - before[1] == after[0] - before[0]):
                problems.append(f"{keyspace}.kv repair jobs (started, completed) on node1: {before} "
                                f"before, {after} after")
    report.check(name, problems)

    run, events, problems = follow(agents, tools, first, "cleanup", keyspace)
    if not problems and events[-1]["job"].get("result", {}).get("keyspaces") != [keyspace]:
        problems.append(f"result does not name {keyspace}: {events[-1]['job'].get('result')}")
    report.check(f"cleanup {keyspace} --wait through ringd {agents.address(first)}: job succeeded", problems)

    missing = "fid_no_such_keyspace"
    run = agents.ringctl(tools.ringctl, "-h", agents.address(first), "cleanup", missing, "--wait",
                         timeout=OPERATION_TIMEOUT)
    problems = []
    if run.returncode != EXIT_FAILED:
        problems.append(f"exit {run.returncode}, expected {EXIT_FAILED} (failed)")
    if missing not in run.stderr:
        problems.append("the error does not name the keyspace")
    report.check(f"cleanup {missing} --wait: fails (exit {EXIT_FAILED}) with Cassandra's reason",
                 [p + f"\n{run.stdout}{run.stderr}" for p in problems])


def check_removenode(report, tools, agents, victim, compare_status, failed_run):
    """`removenode HOST_ID --wait` of the stopped `victim` through node 1's agent: the job
    succeeds, nodetool status no longer lists it, and ringctl status through that agent equals
    nodetool's again."""
    first = agents.cluster.nodes[0]
    before = agents.snapshot(first)
    host_id = next((n.get("host_id") for n in before["nodes"] if n["address"] == victim.address), None)
    name = f"removenode {victim.address} --wait through ringd {agents.address(first)}: job succeeded"
    if not host_id:
        report.check(name, [f"node1's agent knows no host id of {victim.address}"])
        return
    run, events, problems = follow(agents, tools, first, "removenode", host_id)
    report.check(name, problems)
    if problems:
        return

    check_ring_without(report, tools, agents, victim, "removenode", failed_run, compare_status)


def agent_view(agents, node):
    """(seconds /v1/node took, its freshness or None, /v1/health/ready's status and body)."""
    status, body, took = agents_check.http_get(agents.url(node, "/v1/node"))
    ready_status, ready, ready_took = agents_check.http_get(agents.url(node, "/v1/health/ready"))
    return max(took, ready_took), (body or {}).get("freshness") if status == 200 else None, ready_status, ready


def check_hung_node(report, tools, agents, victim, compare_status, failed_run):
    """SIGSTOP `victim`'s JVM (a hung node: its ports accept, nothing answers). Its agent must
    answer every call in under 1 s, soon with the last facts marked stale and /v1/health/ready
    503 saying why; node 1's agent shows it DN once gossip convicts it. After SIGCONT the
    victim's agent is fresh and ready again and node 1's agent shows it UN."""
    if not cassandra_cluster.is_our_daemon(agents.cluster, victim):
        report.check(f"SIGSTOP {victim.address}", [f"pid {victim.pid} is not this run's Cassandra"])
        return
    first = agents.cluster.nodes[0]
    os.kill(victim.pid, signal.SIGSTOP)
    try:
        problems, slowest, deadline = ["never stale"], 0.0, time.monotonic() + 30
        while time.monotonic() < deadline:
            took, freshness, ready_status, ready = agent_view(agents, victim)
            slowest = max(slowest, took)
            if freshness and freshness.get("stale"):
                problems = []
                if ready_status != 503:
                    problems.append(f"/v1/health/ready answered {ready_status}, expected 503")
                elif "last error" not in (ready or {}).get("error", {}).get("message", ""):
                    problems.append(f"/v1/health/ready gives no reason: {ready}")
                break
            time.sleep(0.3)
        if slowest >= 1.0:
            problems.append(f"an answer took {slowest:.2f} s")
        report.check(f"ringd beside the SIGSTOPped {victim.address}: answers in under 1 s, facts "
                     "stale, not ready saying why", problems)

        agents.wait_for(first, lambda s: agents_check.statuses(s).get(victim.address, ("",))[0] == "down",
                        f"{victim.address} down (SIGSTOPped)")
        expected = tools.nodetool_fresh("status")
        snapshot = agents.snapshot(first)
        actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "status")
        problems = failed_run("ringctl status", actual) or \
            agents_check.status_problems(compare_status, expected, actual, agents, first, snapshot)
        if not any(line.startswith("DN") and f" {victim.address} " in line for line in actual.stdout.splitlines()):
            problems = problems + [f"{victim.address} is not DN:\n{actual.stdout}"]
        report.check(f"live status ({victim.address} SIGSTOPped) through ringd {agents.address(first)}: "
                     "DN, equal to nodetool", problems)
    finally:
        os.kill(victim.pid, signal.SIGCONT)

    problems, deadline = ["never fresh and ready"], time.monotonic() + 60
    while time.monotonic() < deadline:
        _, freshness, ready_status, _ = agent_view(agents, victim)
        if freshness and not freshness.get("stale") and ready_status == 200:
            problems = []
            break
        time.sleep(0.3)
    report.check(f"ringd beside {victim.address} after SIGCONT: fresh and ready", problems)
    agents.wait_for(first, lambda s: agents_check.statuses(s).get(victim.address) == ("up", "normal"),
                    f"{victim.address} up again after SIGCONT")


def check_ring_without(report, tools, agents, gone, label, failed_run, compare_status):
    """nodetool status on node 1 no longer lists `gone`; ringctl status through node 1's agent,
    once it sees the ring without it, equals nodetool's."""
    first = agents.cluster.nodes[0]
    expected = tools.nodetool_fresh("status")
    report.check(f"nodetool status after {label}: {gone.address} gone",
                 failed_run("nodetool status", expected) or
                 ([f"{gone.address} still listed:\n{expected.stdout}"]
                  if f" {gone.address} " in expected.stdout else []))
    remaining = {a for a in agents_check.statuses(agents.snapshot(first)) if a != gone.address}
    snapshot = agents.wait_for(first, lambda s: set(agents_check.statuses(s)) == remaining,
                               f"the ring without {gone.address}")
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "status")
    report.check(f"live status after {label} through ringd {agents.address(first)}",
                 failed_run("ringctl status", actual) or
                 agents_check.status_problems(compare_status, expected, actual, agents, first, snapshot))


def check_decommission_refused(report, tools, agents, leaver, refusing_keyspace):
    """`decommission --wait` through `leaver`'s own agent while `refusing_keyspace`'s rf is
    above the nodes that would be left: Cassandra refuses, and ringctl exits 2 passing its reason,
    which names that keyspace, on. (The decommission itself is the scale-down playbook's, in
    scale_check.py.)"""
    run = agents.ringctl(tools.ringctl, "-h", agents.address(leaver), "decommission", "--wait",
                         timeout=OPERATION_TIMEOUT)
    problems = []
    if run.returncode != EXIT_FAILED:
        problems.append(f"exit {run.returncode}, expected {EXIT_FAILED} (failed)")
    if f"Not enough live nodes to maintain replication factor in keyspace {refusing_keyspace}" \
            not in run.stderr:
        problems.append("Cassandra's reason is not passed on")
    report.check(f"decommission {leaver.address} --wait below {refusing_keyspace}'s replication "
                 f"factor: refused (exit {EXIT_FAILED}) with Cassandra's reason",
                 [p + f"\n{run.stdout}{run.stderr}" for p in problems])
