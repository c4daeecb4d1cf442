// HttpClient against a real HTTP server on loopback.
#include "ringnet/http_client.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ringnet/http_server.h"
#include "support/full_listener.h"
#include "support/loopback_listener.h"
#include "support/temp_dir.h"

namespace {

// An httplib server on 127.0.0.1 and an ephemeral port, listening on its own thread.
class LoopbackServer {
 public:
  LoopbackServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Connection: close after each answer: cpp-httplib's stop() would wait for a kept connection
    // to idle out. Keep-alive is tested against ringnet::HttpServer (KeepAliveServer).
    server_.set_keep_alive_max_count(1);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A ringnet::HttpServer on 127.0.0.1 and `port` (0: an ephemeral one) keeping connections
// alive, answering GET and POST /v1/who with the client's port (each connection has its own),
// and POST /v1/echo with the body and that port.
class KeepAliveServer {
 public:
  explicit KeepAliveServer(int port = 0) {
    const auto who = [](const ringnet::ServerRequest& r) {
      return ringnet::ServerResponse{200, std::to_string(r.remote_port), "text/plain"};
    };
    server_.route("GET", "/v1/who", who);
    server_.route("POST", "/v1/who", who);
    server_.route("POST", "/v1/echo", [](const ringnet::ServerRequest& r) {
      return ringnet::ServerResponse{200, r.body + " " + std::to_string(r.remote_port), "text/plain"};
    });
    REQUIRE(server_.start("127.0.0.1", port).ok());
  }
  int port() const { return server_.port(); }

 private:
  ringnet::HttpServer server_;
};

// A bare HTTP/1.1 server on 127.0.0.1 that answers the first request of each connection (200,
// kept alive, body "connection N") and closes the connection on its second request, read but
// unanswered: a kept connection that breaks after the request went out, as a peer's reset of
// it does. Serves one connection at a time; counts the requests it read.
class ClosesSecondRequest {
 public:
  ClosesSecondRequest() {
    listener_ = test_support::listen_on_loopback(/*backlog=*/8, port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosesSecondRequest() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);                                                 // wakes accept()
    if (const int open = connection_.load(); open >= 0) ::shutdown(open, SHUT_RDWR);  // wakes a read
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    for (int number = 1; !stopping_; ++number) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      connection_ = fd;
      if (read_request(fd)) {
        const std::string body = "connection " + std::to_string(number);
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        if (::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(answer.size())) {
          read_request(fd);  // the second, closed unanswered
        }
      }
      connection_ = -1;
      ::close(fd);
    }
  }
  // Reads one request (headers and a Content-Length body); false when the connection ended first.
  bool read_request(int fd) {
    std::string in;
    char chunk[4096];
    std::size_t end = std::string::npos;
    std::size_t body_size = 0;
    while (end == std::string::npos || in.size() < end + 4 + body_size) {
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      in.append(chunk, static_cast<std::size_t>(got));
      if (end == std::string::npos && (end = in.find("\r\n\r\n")) != std::string::npos) {
        const std::size_t field = in.find("Content-Length: ");
        if (field != std::string::npos && field < end) body_size = std::stoul(in.substr(field + 16));
      }
    }
    ++requests_;
    return true;
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> connection_{-1};
  std::atomic<int> requests_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("GET and POST return status, body and content type") {
  LoopbackServer loopback;
  loopback.server().Get("/v1/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"hello\":1}", "application/json");
  });
  loopback.server().Post("/v1/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 201;
    res.set_content(req.body, "text/plain");
  });
  ringnet::HttpClient client("127.0.0.1", loopback.port());

  auto hello = client.get("/v1/hello");
  REQUIRE(hello.ok());
  CHECK(hello->status == 200);
  CHECK(hello->body == "{\"hello\":1}");
  CHECK(hello->content_type == "application/json");

  auto echo = client.post("/v1/echo", "payload");
  REQUIRE(echo.ok());
  CHECK(echo->status == 201);
  CHECK(echo->body == "payload");
}

TEST_CASE("a client bound to a source address connects from it, and the server sees that address") {
  LoopbackServer loopback;
  loopback.server().Get("/v1/who", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.remote_addr, "text/plain");
  });
  ringnet::HttpClient client("127.0.0.1", loopback.port());
  CHECK(client.get("/v1/who")->body == "127.0.0.1");  // the kernel's choice on loopback
  client.bind_source("127.0.0.7");
  auto who = client.get("/v1/who");
  REQUIRE(who.ok());
  CHECK(who->body == "127.0.0.7");
}

TEST_CASE("an HTTP error status is a response, not an error") {
  LoopbackServer loopback;
  ringnet::HttpClient client("127.0.0.1", loopback.port());
  auto missing = client.get("/nowhere");
  REQUIRE(missing.ok());
  CHECK(missing->status == 404);
}

TEST_CASE("a server that is not there is unavailable, naming the URL") {
  int port = 0;
  {
    LoopbackServer closed;  // take a free port, then close it
    port = closed.port();
  }
  ringnet::HttpClient client("127.0.0.1", port);
  auto result = client.get("/v1/cluster");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(result.error().message() == "GET http://127.0.0.1:" + std::to_string(port) +
                                        "/v1/cluster: cannot connect: connection refused or host unreachable");
}

TEST_CASE("a server that never completes the connection is a connect that timed out, not one refused") {
  test_support::FullListener stopped;
  ringnet::HttpClient client("127.0.0.1", stopped.port(), std::chrono::milliseconds(300));
  auto result = client.get("/v1/cluster");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(result.error().message() == "GET http://127.0.0.1:" + std::to_string(stopped.port()) +
                                        "/v1/cluster: cannot connect: timed out after 0.3 s");
}

TEST_CASE("a server that does not answer in time is unavailable") {
  LoopbackServer loopback;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  loopback.server().Get("/slow", [released](const httplib::Request&, httplib::Response& res) {
    released.wait();
    res.set_content("late", "text/plain");
  });
  ringnet::HttpClient client("127.0.0.1", loopback.port(), std::chrono::milliseconds(200));
  auto result = client.get("/slow");
  release.set_value();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(result.error().message().find(": no answer: timed out after 0.2 s") != std::string::npos);
}

TEST_CASE("a request to a server that hangs is given up once give_up names a reason, not at the timeout") {
  LoopbackServer loopback;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> arrived;
  loopback.server().Post("/hang", [released, &arrived](const httplib::Request&, httplib::Response& res) {
    arrived.set_value();
    released.wait();  // a stopped peer: it has the request and answers nothing
    res.set_content("late", "text/plain");
  });
  std::atomic<bool> convicted{false};
  std::atomic<int> asked{0};
  ringnet::HttpClient client("127.0.0.1", loopback.port(), std::chrono::minutes(10));
  client.give_up_when(
      [&]() -> std::optional<std::string> {
        ++asked;
        if (!convicted) return std::nullopt;
        return "127.0.0.1 is down";
      },
      std::chrono::milliseconds(20));
  auto pending = std::async(std::launch::async, [&] { return client.post("/hang", "{}"); });
  arrived.get_future().wait();
  CHECK(pending.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);  // still waiting
  convicted = true;
  auto result = pending.get();  // the test's own timeout would catch a wait of 10 minutes
  release.set_value();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kPeerDown);
  CHECK(result.error().message() ==
        "POST http://127.0.0.1:" + std::to_string(loopback.port()) + "/hang: gave up: 127.0.0.1 is down");
  CHECK(asked.load() > 1);
}

TEST_CASE("a request that is answered never asks give_up after it returns") {
  LoopbackServer loopback;
  loopback.server().Get("/fast",
                        [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  std::atomic<bool> returned{false};
  std::atomic<bool> asked_after{false};
  ringnet::HttpClient client("127.0.0.1", loopback.port());
  client.give_up_when(
      [&]() -> std::optional<std::string> {
        if (returned) asked_after = true;
        return std::nullopt;
      },
      std::chrono::milliseconds(1));
  for (int i = 0; i < 20; ++i) {
    auto result = client.get("/fast");
    REQUIRE(result.ok());
    CHECK(result->body == "ok");
  }
  returned = true;
  CHECK_FALSE(asked_after.load());
}

TEST_CASE("an IPv6 server is reached by its bare address, and the URL shows it in brackets") {
  ringnet::HttpServer server;
  server.route("GET", "/v1/hello", [](const ringnet::ServerRequest&) { return ringnet::ServerResponse{200, "{}"}; });
  REQUIRE(server.start("::1", 0).ok());
  ringnet::HttpClient client("::1", server.port());
  CHECK(client.base_url() == "http://[::1]:" + std::to_string(server.port()));
  auto hello = client.get("/v1/hello");
  REQUIRE(hello.ok());
  CHECK(hello->status == 200);
}

TEST_CASE("TLS failures in plain words: an unreadable CA file is bad input, a certificate for another name fails") {
  const test_support::TempDir temp("ringnet-tls-");
  const std::filesystem::path dir = temp.path();
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                           " -days 1 -subj /CN=elsewhere.example -addext subjectAltName=DNS:elsewhere.example "
                           ">/dev/null 2>&1";
  REQUIRE(std::system(make.c_str()) == 0);
  ringnet::HttpServer server({.tls_cert_file = cert, .tls_key_file = key});
  server.route("GET", "/v1/hello", [](const ringnet::ServerRequest&) { return ringnet::ServerResponse{200, "{}"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());

  ringnet::HttpClient missing_ca("127.0.0.1", server.port());
  missing_ca.use_tls((dir / "no-such-ca.pem").string());
  auto result = missing_ca.get("/v1/hello");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(result.error().message().find("cannot read CA file '" + (dir / "no-such-ca.pem").string() + "'") == 0);

  ringnet::HttpClient mismatch("127.0.0.1", server.port());
  mismatch.use_tls(cert);  // trusts the certificate, which names another host
  result = mismatch.get("/v1/hello");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code() == ringcore::ErrorCode::kTlsVerify);
  CHECK(result.error().message().find("TLS: certificate verify failed (hostname mismatch") != std::string::npos);
  server.stop();
}

TEST_CASE("a peer's connection is kept alive and reused by every HttpClient of the process") {
  KeepAliveServer server;
  std::set<std::string> connections;
  for (int i = 0; i < 20; ++i) {
    const ringnet::HttpClient client("127.0.0.1", server.port());  // one per call, as callers make them
    auto who = client.get("/v1/who");
    REQUIRE(who.ok());
    REQUIRE(who->status == 200);
    connections.insert(who->body);
  }
  CHECK(connections.size() == 1);
}

TEST_CASE("concurrent requests each use a connection of their own, and no more stay open than were in flight") {
  KeepAliveServer server;
  constexpr int kThreads = 4, kRequests = 50;
  const ringnet::HttpClient client("127.0.0.1", server.port());  // one client shared by the threads
  std::vector<std::vector<std::string>> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        auto echo = client.post("/v1/echo", std::to_string(t) + "-" + std::to_string(i));
        answers[t].push_back(echo.ok() ? echo->body : echo.error().message());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> connections;
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(answers[t].size() == kRequests);
    for (int i = 0; i < kRequests; ++i) {
      const std::string& answer = answers[t][i];
      const std::string sent = std::to_string(t) + "-" + std::to_string(i) + " ";
      REQUIRE_MESSAGE(answer.rfind(sent, 0) == 0, answer);  // each answer is to its own request
      connections.insert(answer.substr(sent.size()));
    }
  }
  CHECK(connections.size() <= kThreads);  // a connection is opened only while every other is busy
}

TEST_CASE("a kept connection the server has closed is not used: even a POST, never sent twice, is answered") {
  int port = 0;
  std::string first;
  {
    KeepAliveServer before;
    port = before.port();
    auto who = ringnet::HttpClient("127.0.0.1", port).post("/v1/who", "");
    REQUIRE(who.ok());
    first = who->body;
  }  // the server stops and closes the kept connection
  KeepAliveServer after(port);
  auto who = ringnet::HttpClient("127.0.0.1", port).post("/v1/who", "");
  REQUIRE_MESSAGE(who.ok(), who.error().message());
  CHECK(who->status == 200);
  CHECK(who->body != first);
}

TEST_CASE("a POST whose kept connection breaks after it went out fails, never sent twice, unless marked idempotent") {
  {
    ClosesSecondRequest server;
    const ringnet::HttpClient client("127.0.0.1", server.port());
    REQUIRE(client.post("/v1/job", "1").ok());  // connection 1, kept
    const auto second = client.post("/v1/job", "2");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code() == ringcore::ErrorCode::kUnavailable);
    CHECK(server.requests() == 2);  // the peer may have acted on it: not sent again
  }
  ClosesSecondRequest server;
  const ringnet::HttpClient client("127.0.0.1", server.port());
  REQUIRE(client.post("/v1/row", "1").ok());
  ringnet::HttpRequest row{"POST", "/v1/row", "2", "application/json", {}};
  row.idempotent = true;
  const auto second = client.send(row);
  REQUIRE_MESSAGE(second.ok(), second.error().message());
  CHECK(second->body == "connection 2");  // sent again, once, on a new connection
  CHECK(server.requests() == 3);
}

TEST_CASE("a server that closes every connection after one answer (Connection: close) is answered every time") {
  LoopbackServer loopback;  // answers with Connection: close
  loopback.server().Post("/v1/who", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(std::to_string(req.remote_port), "text/plain");
  });
  std::set<std::string> connections;
  for (int i = 0; i < 5; ++i) {
    auto who = ringnet::HttpClient("127.0.0.1", loopback.port()).post("/v1/who", "");
    REQUIRE_MESSAGE(who.ok(), who.error().message());
    CHECK(who->status == 200);
    connections.insert(who->body);
  }
  CHECK(connections.size() == 5);
}
