// HttpClient against a real HTTP server on loopback.
#include "ringnet/http_client.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <future>
#include <thread>

namespace {

// An httplib server on 127.0.0.1 and an ephemeral port, listening on its own thread.
class LoopbackServer {
 public:
  LoopbackServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
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
  CHECK(result.error().message().find("GET http://127.0.0.1:" + std::to_string(port) + "/v1/cluster") == 0);
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
}
