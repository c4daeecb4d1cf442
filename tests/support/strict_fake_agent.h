// StrictFakeAgent: a stand-in for ringd, on ringnet's HttpServer, for testing ringctl as a
// process where a real agent cannot produce the answer wanted (a 401, a node dying at a given
// poll). It answers only the requests it was told to expect, in order; any other request is
// answered 500 and recorded, and a test ends by checking that nothing unexpected came and that
// every expectation was met. Listens on its own loopback address, on a free port.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringnet/http_server.h"

namespace test_support {

class StrictFakeAgent {
 public:
  struct Expected {
    std::string method;
    std::string path;
    int status = 200;
    nlohmann::json body;
    bool repeats = false;  // answers every further request like it (the last of a sequence)
  };

  explicit StrictFakeAgent(std::string host = "127.0.0.61") : host_(std::move(host)) {
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
      for (const char* pattern : {"/{a}", "/{a}/{b}", "/{a}/{b}/{c}", "/{a}/{b}/{c}/{d}"}) {
        server_.route(method, pattern, [this](const ringnet::ServerRequest& request) { return answer(request); });
      }
    }
    const ringcore::Status started = server_.start(host_, 0);
    if (!started) throw started.error();
  }

  // The next request must be `method path`; it gets `status` and `body`.
  void expect(std::string method, std::string path, int status, nlohmann::json body) {
    std::lock_guard lock(mutex_);
    expected_.push_back({std::move(method), std::move(path), status, std::move(body), false});
  }
  // From now on every `method path` gets this answer (after the expectations before it).
  void expect_always(std::string method, std::string path, int status, nlohmann::json body) {
    std::lock_guard lock(mutex_);
    expected_.push_back({std::move(method), std::move(path), status, std::move(body), true});
  }

  // "HOST:PORT", for -h.
  std::string address() const { return host_ + ":" + std::to_string(server_.port()); }
  int port() const { return server_.port(); }
  void stop() { server_.stop(); }

  // Requests it did not expect, as "METHOD /path".
  std::vector<std::string> unexpected() const {
    std::lock_guard lock(mutex_);
    return unexpected_;
  }
  // Expectations never met (a repeating one counts as met once answered).
  std::size_t unmet() const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const Expected& e : expected_) count += e.repeats && answered_repeating_ ? 0 : 1;
    return count;
  }
  // The requests it answered, in order.
  std::vector<ringnet::ServerRequest> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  ringnet::ServerResponse answer(const ringnet::ServerRequest& request) {
    std::lock_guard lock(mutex_);
    if (expected_.empty() || expected_.front().method != request.method || expected_.front().path != request.path) {
      unexpected_.push_back(request.method + " " + request.path);
      return {500,
              nlohmann::json{{"error",
                              {{"code", "internal"},
                               {"message", "strict fake agent: unexpected " + request.method + " " + request.path}}}}
                  .dump()};
    }
    received_.push_back(request);
    const Expected next = expected_.front();
    if (next.repeats) {
      answered_repeating_ = true;
    } else {
      expected_.pop_front();
      answered_repeating_ = false;
    }
    return {next.status, next.body.dump()};
  }

  std::string host_;
  mutable std::mutex mutex_;
  std::deque<Expected> expected_;
  bool answered_repeating_ = false;
  std::vector<std::string> unexpected_;
  std::vector<ringnet::ServerRequest> received_;
  ringnet::HttpServer server_;  // last: stopped first, while what its handlers use still exists
};

// The end of a test with `agent`: nothing unexpected came, and every expectation was met.
inline void check_strict(const StrictFakeAgent& agent) {
  CHECK(agent.unexpected() == std::vector<std::string>{});
  CHECK(agent.unmet() == 0);
}

}  // namespace test_support
