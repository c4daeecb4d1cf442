// Test support for running real ringnode (and ringd) processes: a process handle that kills
// (SIGKILL) and reaps its process when it goes away, so no ringnode outlives a test, even one
// that fails; the calls tests make to a node's API; and, included from here for the tests that
// have always found them here, TempDir and the loopback port allocator.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "support/loopback.h"
#include "support/temp_dir.h"

extern char** environ;

namespace test_support {

// Polls `condition` until it holds or `timeout` passes; returns whether it held (the one wait
// helper, ringruntime::wait_until, on the real clock).
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(100)) {
  return ringruntime::wait_until(condition, timeout, poll);
}

// Seconds from `start` until now: how long a fault took to show, for a test's messages.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One ringnode process: started with a config file, output appended to a log file. The second
// constructor runs any program with its arguments (argv[0] the program's path), e.g. ringd.
class RingnodeProcess {
 public:
  RingnodeProcess(std::string binary, std::string config_path, std::string log_path)
      : argv_{binary, "--config", std::move(config_path)}, log_path_(std::move(log_path)) {}
  RingnodeProcess(std::vector<std::string> argv, std::string log_path)
      : argv_(std::move(argv)), log_path_(std::move(log_path)) {}
  ~RingnodeProcess() { kill_hard(); }
  RingnodeProcess(const RingnodeProcess&) = delete;
  RingnodeProcess& operator=(const RingnodeProcess&) = delete;

  void start() {
    if (pid_ > 0) throw std::runtime_error("already running");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> argv = argv_;
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, argv_[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + argv_[0]);
    }
  }

  // SIGKILL and reap; nothing if not running.
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Sends SIGTERM and waits up to `timeout`; the exit code, or nullopt if it did not exit (it
  // is then killed).
  std::optional<int> terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGTERM);
    std::optional<int> code = wait_exit(timeout);
    if (!code) kill_hard();
    return code;
  }

  // Waits for the process to exit by itself; its exit code, or nullopt after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  bool running() const { return pid_ > 0; }
  // Its process id, or -1 when not running.
  pid_t pid() const { return pid_; }
  // Sends `signal` (e.g. SIGSTOP, SIGCONT) if running.
  void send_signal(int signal) const {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  std::string log() const {
    std::ifstream in(log_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// A ringnode's native API, for tests: JSON in, status and JSON out.
struct ApiReply {
  int status = 0;  // 0 when the node could not be reached
  nlohmann::json body;
  std::string error;  // the transport error when status is 0
};

inline ApiReply call(const std::string& address, int port, const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& content_type = "application/json") {
  ringnet::HttpClient client(address, port, std::chrono::seconds(10));
  auto response = client.send({method, path, body, content_type, {}});
  if (!response) return {0, nullptr, response.error().message()};
  return {response->status, nlohmann::json::parse(response->body, nullptr, false), ""};
}

// Job `id` of the node at `address` (API `port`) once it no longer runs, polled every 200 ms
// for up to `timeout`; what it last answered (null if nothing) when it did not end by then.
inline nlohmann::json job_when_ended(const std::string& address, int port, const std::string& id,
                                     std::chrono::milliseconds timeout) {
  nlohmann::json job;
  wait_until(
      [&] {
        const ApiReply reply = call(address, port, "GET", "/v1/jobs/" + id);
        if (reply.status == 200) job = reply.body;
        return reply.status == 200 && job["state"] != "running";
      },
      timeout, std::chrono::milliseconds(200));
  return job;
}

// The hints the node at `address` holds, as its API (`port`) reports them in /v1/node; -1 when
// it does not answer or does not say.
inline std::int64_t hints_pending(const std::string& address, int port) {
  const ApiReply reply = call(address, port, "GET", "/v1/node");
  if (reply.status != 200 || !reply.body.is_object() || !reply.body.contains("hints")) return -1;
  return reply.body["hints"].value("pending", std::int64_t{-1});
}

// No node of `addresses` (API `port`) holds a hint: every write they missed has been replayed.
inline bool hints_delivered(const std::vector<std::string>& addresses, int port) {
  for (const std::string& address : addresses) {
    if (hints_pending(address, port) != 0) return false;
  }
  return true;
}

// The first stream session of the node at `address` (API `port`) in `direction` ("sending",
// "receiving"; with `peer`, when given; of job `job_id`'s plan, when given: a node lists ended
// plans too) that has moved some of its bytes but not all, or null.
inline nlohmann::json session_in_progress(const std::string& address, int port, const std::string& direction,
                                          const std::string& peer = "", const std::string& job_id = "") {
  const ApiReply reply = call(address, port, "GET", "/v1/streams");
  if (reply.status != 200) return nullptr;
  for (const nlohmann::json& plan : reply.body["plans"]) {
    if (!job_id.empty() && plan["job_id"] != job_id) continue;
    for (const nlohmann::json& session : plan["sessions"]) {
      if (!peer.empty() && session["peer"] != peer) continue;
      if (session["direction"] == direction && session["done_bytes"].get<std::uint64_t>() > 0 &&
          session["done_bytes"].get<std::uint64_t>() < session["total_bytes"].get<std::uint64_t>()) {
        return session;
      }
    }
  }
  return nullptr;
}

}  // namespace test_support
