// HttpServer: routes with {params} on the raw path, JSON errors for every failure, and the
// query read from the target only.
#include "ringnet/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ringnet/http_client.h"
#include "ringnet/listen_address.h"
#include "ringruntime/wait.h"
#include "support/temp_dir.h"

namespace {

using ringnet::ServerRequest;
using ringnet::ServerResponse;

struct Served {
  ringnet::HttpServer server;
  Served() {
    server.route("GET", "/v1/things/{id}", [](const ServerRequest& r) {
      return ServerResponse{200, nlohmann::json{{"id", r.param("id")}, {"cl", r.query_value("cl", "none")}}.dump()};
    });
    server.route("PUT", "/v1/things/{id}/rows/{key}", [](const ServerRequest& r) {
      return ServerResponse{
          200, nlohmann::json{{"key", r.param("key")}, {"body", r.body}, {"cl", r.query_value("cl", "none")}}.dump()};
    });
    server.route("GET", "/v1/missing",
                 [](const ServerRequest&) -> ServerResponse { throw ringcore::Error::not_found("no such thing"); });
    server.route("GET", "/v1/broken", [](const ServerRequest&) -> ServerResponse { throw std::runtime_error("oops"); });
    server.route("GET", "/v1/down", [](const ServerRequest&) -> ServerResponse {
      throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "QUORUM needs 2 of 3 replicas, 1 answered");
    });
    REQUIRE(server.start("127.0.0.1", 0).ok());
  }
  ringnet::HttpResponse send(const std::string& method, const std::string& path, const std::string& body = "",
                             const std::string& type = "application/octet-stream") {
    auto response = ringnet::HttpClient("127.0.0.1", server.port()).send({method, path, body, type, {}});
    REQUIRE(response.ok());
    return *response;
  }
};

nlohmann::json error_of_body(const std::string& body) { return nlohmann::json::parse(body)["error"]; }
nlohmann::json error_of(const ringnet::HttpResponse& response) { return error_of_body(response.body); }

// Whether `answer` holds a whole HTTP answer: its head and the Content-Length it gives.
bool answer_complete(const std::string& answer) {
  const std::size_t end_of_head = answer.find("\r\n\r\n");
  if (end_of_head == std::string::npos) return false;
  const std::size_t length = answer.find("Content-Length: ");
  if (length == std::string::npos || length > end_of_head) return true;
  return answer.size() - end_of_head - 4 >= std::stoul(answer.substr(length + 16));
}

// A connection to 127.0.0.1:`port` that has sent `head`.
int connect_sending(int port, const std::string& head) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  return fd;
}

// One answer read off `fd`, to the end of its Content-Length: "" when the server closed the
// connection without one (or sent nothing for 10 s).
std::string read_answer(int fd) {
  std::string answer;
  pollfd readable{fd, POLLIN, 0};
  char buffer[4096];
  while (!answer_complete(answer) && ::poll(&readable, 1, 10000) > 0) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  return answer;
}

// What the server sends on `fd` until it closes the connection (then `closed`) or is silent for
// 30 s; closes `fd`.
std::pair<std::string, bool> read_until_closed(int fd) {
  std::string answer;
  bool closed = false;
  char buffer[4096];
  pollfd readable{fd, POLLIN, 0};
  while (::poll(&readable, 1, 30000) > 0) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    closed = n == 0;
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {answer, closed};
}

// What a client sending its request slowly got: the bytes the server let it send before it
// answered or closed, that answer ("" when it closed without one), and how long after it
// connected the server answered or closed.
struct SlowOutcome {
  std::size_t bytes_sent = 0;
  std::string answer;
  std::chrono::milliseconds cut_after{0};
};

// Connects to 127.0.0.1:`port`, sends `head` at once, then `trickle` one byte each `pace` until
// the server answers or closes the connection (or every byte is sent), reads the answer (to the
// end of its Content-Length) and closes, as a client does once answered.
// `connected` is counted up once the head is sent.
SlowOutcome send_slowly(int port, const std::string& head, const std::string& trickle, std::atomic<int>& connected,
                        std::chrono::milliseconds pace = std::chrono::seconds(1)) {
  SlowOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  const int fd = connect_sending(port, head);
  ++connected;
  pollfd readable{fd, POLLIN, 0};
  for (char byte : trickle) {
    // The pause between bytes is the client's pace; the server's answer or close ends it.
    if (::poll(&readable, 1, static_cast<int>(pace.count())) > 0) break;
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) break;
    ++outcome.bytes_sent;
  }
  outcome.cut_after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  outcome.answer = read_answer(fd);
  ::close(fd);
  return outcome;
}

// As send_slowly, over TLS: the handshake at once (the client trusts any certificate), then
// `head`, then `trickle` one byte (one TLS record) each `pace`.
SlowOutcome send_slowly_over_tls(int port, const std::string& head, const std::string& trickle,
                                 std::chrono::milliseconds pace) {
  SlowOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  const int fd = connect_sending(port, "");
  const timeval ten_seconds{10, 0};  // the answer's reads below block, but not forever
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &ten_seconds, sizeof ten_seconds);
  SSL_CTX* context = ::SSL_CTX_new(TLS_client_method());
  // TLS 1.2: a TLS 1.3 server sends session tickets after the handshake, which the poll below
  // would take for an answer.
  ::SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
  SSL* ssl = ::SSL_new(context);
  ::SSL_set_fd(ssl, fd);
  REQUIRE(::SSL_connect(ssl) == 1);
  REQUIRE(::SSL_write(ssl, head.data(), static_cast<int>(head.size())) == static_cast<int>(head.size()));
  pollfd readable{fd, POLLIN, 0};
  for (char byte : trickle) {
    if (::poll(&readable, 1, static_cast<int>(pace.count())) > 0) break;
    if (::SSL_write(ssl, &byte, 1) != 1) break;
    ++outcome.bytes_sent;
  }
  outcome.cut_after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  char buffer[4096];
  while (!answer_complete(outcome.answer)) {
    const int n = ::SSL_read(ssl, buffer, sizeof buffer);
    if (n <= 0) break;
    outcome.answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::SSL_free(ssl);
  ::SSL_CTX_free(context);
  ::close(fd);
  return outcome;
}

// What six slow clients and a normal one met on one server.
struct SlowRound {
  std::vector<SlowOutcome> slow;
  bool answered = false;                // the normal request, within 10 s
  std::chrono::milliseconds waited{0};  // until it was answered
};

// Six clients at once against a server of `options` with 2 threads kept and 4 at most: three
// send a request line and then trickle their headers, three a whole head announcing a body of
// `bytes` that then trickles, one byte each `pace`. Once all six have connected (four served,
// two queued), a normal request is asked, again until answered or 10 s have passed.
SlowRound six_slow_clients_and_a_normal_one(ringnet::ServerOptions options, std::size_t bytes,
                                            std::chrono::milliseconds pace) {
  options.worker_threads = 2;
  options.max_worker_threads = 4;
  ringnet::HttpServer server(options);
  server.route("GET", "/v1/health/live", [](const ServerRequest&) { return ServerResponse{200, R"({"live": true})"}; });
  server.route("POST", "/v1/ops", [](const ServerRequest&) { return ServerResponse{200, R"({"done": true})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  const int port = server.port();

  const std::string trickle(bytes, 'x');
  const std::string slow_headers = "GET /v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  const std::string slow_body =
      "POST /v1/ops HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(bytes) + "\r\n\r\n";
  std::vector<std::future<SlowOutcome>> slow;
  std::atomic<int> connected = 0;
  for (int i = 0; i < 6; ++i) {
    const std::string& head = i % 2 == 0 ? slow_headers : slow_body;
    slow.push_back(std::async(std::launch::async, [port, &head, &trickle, &connected, pace] {
      return send_slowly(port, head, trickle, connected, pace);
    }));
  }
  REQUIRE(ringruntime::wait_until([&connected] { return connected == 6; }, std::chrono::seconds(10),
                                  std::chrono::milliseconds(5)));

  SlowRound round;
  const auto asked = std::chrono::steady_clock::now();
  round.answered = ringruntime::wait_until(
      [port] {
        auto answer = ringnet::HttpClient("127.0.0.1", port, std::chrono::seconds(2)).get("/v1/health/live");
        return answer.ok() && answer->status == 200;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50));
  round.waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked);
  for (auto& outcome : slow) round.slow.push_back(outcome.get());
  return round;
}

}  // namespace

TEST_CASE("path parameters are matched on the raw path and decoded, so %2F stays inside a key") {
  Served s;
  auto response = s.send("PUT", "/v1/things/t1/rows/a%2Fb%20c?cl=ALL", "value");
  CHECK(response.status == 200);
  const auto body = nlohmann::json::parse(response.body);
  CHECK(body["key"] == "a/b c");
  CHECK(body["body"] == "value");
  CHECK(body["cl"] == "ALL");
  CHECK(nlohmann::json::parse(s.send("GET", "/v1/things/x").body)["cl"] == "none");
}

TEST_CASE("a form-encoded body is never read as query parameters") {
  Served s;
  auto response = s.send("PUT", "/v1/things/t1/rows/k", "cl=ONE", "application/x-www-form-urlencoded");
  CHECK(nlohmann::json::parse(response.body)["cl"] == "none");
}

TEST_CASE("errors are JSON with the status of their code") {
  Served s;
  auto missing = s.send("GET", "/v1/missing");
  CHECK(missing.status == 404);
  CHECK(error_of(missing)["code"] == "not_found");
  CHECK(error_of(missing)["message"] == "no such thing");
  CHECK(s.send("GET", "/v1/down").status == 503);
  auto broken = s.send("GET", "/v1/broken");
  CHECK(broken.status == 500);
  CHECK(error_of(broken)["message"] == "oops");
  auto unknown = s.send("GET", "/v1/nothing");
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown)["message"] == "no such path: GET /v1/nothing");
  auto method = s.send("DELETE", "/v1/things/x");
  CHECK(method.status == 405);
  CHECK(error_of(method)["message"] == "DELETE is not allowed on /v1/things/x");
  auto escape = s.send("GET", "/v1/things/%zz");
  CHECK(escape.status == 400);
  CHECK(error_of(escape)["message"].get<std::string>().find("bad percent-encoding") != std::string::npos);
}

TEST_CASE("answer() gives in process what the server gives off a connection") {
  Served s;
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", "/v1/things/t1/rows/a%2Fb%20c?cl=ALL"},
                                                        {"GET", "/v1/missing"},
                                                        {"GET", "/v1/broken"},
                                                        {"GET", "/v1/nothing"},
                                                        {"DELETE", "/v1/things/x"},
                                                        {"GET", "/v1/things/%zz"},
                                                        {"GET", "/v1/things/x?a=%4"}}) {
    const auto sent = s.send(method, target, "value");
    const ServerResponse answered =
        s.server.answer(method, target, {{"Content-Type", "application/octet-stream"}}, "value");
    CHECK_MESSAGE(answered.status == sent.status, method << " " << target);
    CHECK_MESSAGE(answered.body == sent.body, method << " " << target);
  }
  CHECK(s.server.answer("GET", "no-slash", {}, "").status == 400);
}

TEST_CASE("an error quoting bytes that are not UTF-8 is still a JSON error of its own status") {
  Served s;
  // Found by ringd_api_fuzz: the message quoted the path, and dump() threw (a 500).
  const ServerResponse answered = s.server.answer("GET", "/v1/nothing%97%00", {}, "");
  CHECK(answered.status == 404);
  CHECK(error_of_body(answered.body)["code"] == "not_found");
}

TEST_CASE("percent encoding round-trips every byte") {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  CHECK(*ringnet::percent_decode(ringnet::percent_encode(bytes)) == bytes);
  CHECK(ringnet::percent_encode("a/b c") == "a%2Fb%20c");
  CHECK_FALSE(ringnet::percent_decode("%4").ok());
}

TEST_CASE("a second listener on a live address and port is refused, naming them, and a stopped one frees them") {
  // 127.0.0.61: an address of this test only.
  ringnet::HttpServer first;
  first.route("GET", "/v1/who", [](const ServerRequest&) { return ServerResponse{200, R"({"who": "first"})"}; });
  REQUIRE(first.start("127.0.0.61", 0).ok());
  const int port = first.port();
  const std::string where = "127.0.0.61:" + std::to_string(port);

  ringnet::HttpServer second;
  const ringcore::Status taken = second.start("127.0.0.61", port);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(taken.error().message() == where + " is already in use by another process");
  CHECK(ringnet::check_can_listen("127.0.0.61", port).error().message() == taken.error().message());
  // Every request still reaches the first server: none was handed to an impostor.
  for (int i = 0; i < 8; ++i) {
    auto answer = ringnet::HttpClient("127.0.0.61", port).get("/v1/who");
    REQUIRE(answer.ok());
    CHECK(answer->body == R"({"who": "first"})");
  }

  // After a connection and a stop, the port is free at once (TIME_WAIT does not hold it).
  first.stop();
  CHECK(ringnet::check_can_listen("127.0.0.61", port).ok());
  ringnet::HttpServer again;
  CHECK(again.start("127.0.0.61", port).ok());
}

TEST_CASE("an address of another machine cannot be listened on, and says so") {
  const ringcore::Status status = ringnet::check_can_listen("192.0.2.1", 7070);  // TEST-NET-1
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().message() == "192.0.2.1:7070 is not an address of this machine");
}

TEST_CASE("idle kept-alive connections, more of them than worker threads, leave no new connection waiting") {
  // Two threads kept ready, and idle connections kept open for 60 s: a server serving only on
  // its kept threads would leave every later connection waiting until an idle one times out,
  // far past the clients' 10 s.
  ringnet::HttpServer server({.worker_threads = 2, .keep_alive_timeout = std::chrono::seconds(60)});
  server.route("GET", "/v1/ping", [](const ServerRequest&) { return ServerResponse{200, R"({"pong": true})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());

  // Four connections, each answered once and then left open and idle, as a client's pool of
  // kept connections leaves them. Each counts the connections it opened.
  constexpr int kIdle = 4;
  std::vector<std::unique_ptr<httplib::Client>> idle;
  std::vector<int> opened(kIdle, 0);
  for (int i = 0; i < kIdle; ++i) {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
    client->set_keep_alive(true);
    client->set_connection_timeout(std::chrono::seconds(10));
    client->set_read_timeout(std::chrono::seconds(10));
    client->set_socket_options([&opened, i](socket_t) { ++opened[i]; });
    auto answer = client->Get("/v1/ping");
    REQUIRE_MESSAGE(answer, "idle connection ", i, ": ", httplib::to_string(answer.error()));
    CHECK(answer->status == 200);
    idle.push_back(std::move(client));
  }

  // A new connection is answered while all four stay open.
  auto fresh = ringnet::HttpClient("127.0.0.1", server.port(), std::chrono::seconds(10)).get("/v1/ping");
  REQUIRE_MESSAGE(fresh.ok(), fresh.error().message());
  CHECK(fresh->status == 200);

  // The idle connections were kept, not closed to make room: each answers again on the
  // connection it opened first.
  for (int i = 0; i < kIdle; ++i) {
    auto again = idle[i]->Get("/v1/ping");
    REQUIRE_MESSAGE(again, "idle connection ", i, ": ", httplib::to_string(again.error()));
    CHECK(again->status == 200);
    CHECK(opened[i] == 1);
  }

  // stop() ends them too, rather than waiting for them to idle out: it returns well within
  // their 60 s, and they are closed.
  auto stopped = std::async(std::launch::async, [&server] { server.stop(); });
  REQUIRE(stopped.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  for (int i = 0; i < kIdle; ++i) CHECK_FALSE(idle[i]->Get("/v1/ping"));
}

TEST_CASE("a kept-alive connection idle for longer than a scrape interval is still open") {
  // A scraper asking each second reuses its connection after about a second of idleness; the
  // server must not be closing it just then. The idle time is what is tested, not a wait.
  ringnet::HttpServer server;
  server.route("GET", "/v1/ping", [](const ServerRequest&) { return ServerResponse{200, R"({"pong": true})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  int opened = 0;
  client.set_socket_options([&opened](socket_t) { ++opened; });
  REQUIRE(client.Get("/v1/ping"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto again = client.Get("/v1/ping");
  REQUIRE_MESSAGE(again, httplib::to_string(again.error()));
  CHECK(again->status == 200);
  CHECK(opened == 1);
}

TEST_CASE("slow clients, more of them than threads, are cut off at the read timeout while others are served") {
  // A read timeout of 0.5 s and a byte a second: the server gives up on each slow client at its
  // first pause, so the normal request, queued behind two of them, waits a second or two at
  // most. With cpp-httplib's default read timeout (5 s, longer than the pause) the slow clients
  // would keep all four threads for their 30 s and the normal request would not be answered.
  // (The server keeps a connection open after such an answer, as after any: a slow client that
  // stayed connected would hold its thread for the keep-alive timeout too, as an idle one does.)
  const SlowRound round =
      six_slow_clients_and_a_normal_one({.read_timeout = std::chrono::milliseconds(500)}, 30, std::chrono::seconds(1));
  CHECK(round.answered);
  MESSAGE("a normal request was answered after ", round.waited.count(), " ms beside 6 slow clients");
  for (const SlowOutcome& got : round.slow) {
    // Cut off long before the trickle's end: the read timeout, not the client, ended it.
    CHECK_MESSAGE(got.bytes_sent < 15, got.bytes_sent, " bytes sent; answer: ", got.answer);
    // What could not be read whole is a JSON error of its own code (cpp-httplib 0.11 says 400;
    // later versions say 408 for a read that timed out).
    const std::size_t end_of_head = got.answer.find("\r\n\r\n");
    REQUIRE_MESSAGE(end_of_head != std::string::npos, "no answer: ", got.answer);
    const int status = std::stoi(got.answer.substr(9, 3));
    CHECK_MESSAGE((status == 400 || status == 408), got.answer);
    CHECK(error_of_body(got.answer.substr(end_of_head + 4))["code"] == "request_unread");
  }
}

TEST_CASE("clients trickling a request within every read timeout are cut at the request's deadline") {
  // A read timeout of 1 s and a byte each 0.3 s: every read gets its byte in time (with room
  // for a client thread slowed by a loaded machine), so the read timeout never ends these
  // requests, and each would take 18 s. Without the deadline the six hold all four threads for
  // those 18 s and the normal request is not answered within 10 s. With a deadline of 1.5 s
  // each is cut at it, and the normal request waits about that long.
  const std::chrono::milliseconds deadline(1500);
  const SlowRound round = six_slow_clients_and_a_normal_one(
      {.read_timeout = std::chrono::seconds(1), .request_read_deadline = deadline}, 60, std::chrono::milliseconds(300));
  CHECK(round.answered);
  MESSAGE("a normal request was answered after ", round.waited.count(), " ms beside 6 trickling clients");
  for (const SlowOutcome& got : round.slow) {
    MESSAGE("cut after ", got.cut_after.count(), " ms, ", got.bytes_sent, " bytes sent");
    // Not before the deadline (counted from the accept, after the client's connect began),
    // having sent several bytes each within the read timeout; and long before the trickle's end.
    CHECK(got.cut_after >= deadline);
    CHECK(got.bytes_sent >= 3);
    CHECK_MESSAGE(got.bytes_sent < 30, got.bytes_sent, " bytes sent; answer: ", got.answer);
    // The request line was whole: a JSON 408 that says why, and the connection closed.
    const std::size_t end_of_head = got.answer.find("\r\n\r\n");
    REQUIRE_MESSAGE(end_of_head != std::string::npos, "no answer: ", got.answer);
    CHECK_MESSAGE(got.answer.starts_with("HTTP/1.1 408 "), got.answer);
    CHECK(got.answer.substr(0, end_of_head).find("Connection: close") != std::string::npos);
    const nlohmann::json error = error_of_body(got.answer.substr(end_of_head + 4));
    CHECK(error["code"] == "request_unread");
    CHECK(error["message"] == "the request was not read whole within the server's limit of 1500 ms");
  }
}

TEST_CASE("over HTTPS, a trickled handshake or request is cut at the deadline, and normal requests are answered") {
  // cpp-httplib's TLS server bounds each wait of the handshake and of each read by the read
  // timeout alone, and an SSL_read waits for a whole TLS record, however slowly it comes.
  const test_support::TempDir temp("ringnet-deadline-tls-");
  const std::filesystem::path dir = temp.path();
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                           " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  REQUIRE(std::system(make.c_str()) == 0);
  using std::chrono::milliseconds;
  const milliseconds deadline(1500);
  ringnet::HttpServer server({.read_timeout = milliseconds(1000),
                              .request_read_deadline = deadline,
                              .tls_cert_file = cert,
                              .tls_key_file = key});
  server.route("GET", "/v1/health/live", [](const ServerRequest&) { return ServerResponse{200, R"({"live": true})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  const int port = server.port();

  // A TLS record's header announcing a 512-byte handshake message, whose bytes then trickle;
  // and headers trickled after a whole handshake.
  const std::string trickle(60, 'x');
  std::atomic<int> connected = 0;
  auto handshake = std::async(std::launch::async, [port, &trickle, &connected] {
    return send_slowly(port, std::string("\x16\x03\x01\x02\x00", 5), trickle, connected, milliseconds(300));
  });
  auto headers = std::async(std::launch::async, [port, &trickle] {
    return send_slowly_over_tls(port, "GET /v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", trickle,
                                milliseconds(300));
  });

  ringnet::HttpClient client("127.0.0.1", port, std::chrono::seconds(10));
  client.use_tls(cert);
  for (int i = 0; i < 2; ++i) {  // the second on the kept connection
    auto answer = client.get("/v1/health/live");
    REQUIRE_MESSAGE(answer.ok(), answer.error().message());
    CHECK(answer->status == 200);
  }

  const SlowOutcome cut_handshake = handshake.get();
  const SlowOutcome cut_headers = headers.get();
  for (const SlowOutcome& got : {cut_handshake, cut_headers}) {
    MESSAGE("cut after ", got.cut_after.count(), " ms, ", got.bytes_sent, " bytes sent");
    CHECK(got.cut_after >= deadline);
    CHECK(got.bytes_sent >= 3);
    CHECK_MESSAGE(got.bytes_sent < 30, got.bytes_sent, " bytes sent; answer: ", got.answer);
  }
  CHECK(cut_handshake.answer.empty());  // no TLS session to answer in: closed
  CHECK_MESSAGE(cut_headers.answer.starts_with("HTTP/1.1 408 "), cut_headers.answer);
}

TEST_CASE("a handler that takes longer than the request's deadline is not cut by it") {
  // The deadline is for reading the request; a long job poll or a slow backend is not cut.
  ringnet::HttpServer server({.request_read_deadline = std::chrono::milliseconds(300)});
  server.route("GET", "/v1/slow", [](const ServerRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // the handler's work
    return ServerResponse{200, R"({"slow": true})"};
  });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  ringnet::HttpClient client("127.0.0.1", server.port(), std::chrono::seconds(10));
  for (int i = 0; i < 2; ++i) {  // the second on the kept connection, its deadline long past
    auto answer = client.get("/v1/slow");
    REQUIRE_MESSAGE(answer.ok(), answer.error().message());
    CHECK(answer->status == 200);
    CHECK(answer->body == R"({"slow": true})");
  }
}

TEST_CASE("a kept-alive connection idle past the deadline is kept for the keep-alive timeout, a new one is not") {
  // Between requests a kept-alive connection waits for the keep-alive timeout (5 s), and the
  // next request's deadline starts with its first byte. A new connection's first request is
  // due by the deadline from the accept: idle past it, the connection is closed.
  using std::chrono::milliseconds;
  const milliseconds deadline(1000);
  ringnet::HttpServer server({.keep_alive_timeout = std::chrono::seconds(5), .request_read_deadline = deadline});
  server.route("GET", "/v1/ping", [](const ServerRequest&) { return ServerResponse{200, R"({"pong": true})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  const std::string ping = "GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  const int kept = connect_sending(server.port(), ping);
  CHECK(read_answer(kept).starts_with("HTTP/1.1 200 "));
  std::this_thread::sleep_for(milliseconds(1500));  // the idleness under test
  REQUIRE(::send(kept, ping.data(), ping.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(ping.size()));
  CHECK(read_answer(kept).starts_with("HTTP/1.1 200 "));
  ::close(kept);

  const auto start = std::chrono::steady_clock::now();
  const int idle = connect_sending(server.port(), "");
  char byte = 0;
  pollfd readable{idle, POLLIN, 0};
  REQUIRE(::poll(&readable, 1, 10000) == 1);
  CHECK(::recv(idle, &byte, 1, 0) == 0);  // closed, without an answer
  const auto closed_after = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  CHECK(closed_after >= deadline);
  CHECK(closed_after < std::chrono::seconds(5));  // before the keep-alive timeout
  ::close(idle);
}

TEST_CASE("a request that cannot be read is answered once, a JSON 400, and its connection closed") {
  // What follows a malformed request line cannot be told from the rest of it: the server must
  // not read it as a next request (here the blank line after it would be a second, empty one).
  ringnet::HttpServer server({.keep_alive_timeout = std::chrono::seconds(600)});
  REQUIRE(server.start("127.0.0.1", 0).ok());
  const auto [answer, closed] = read_until_closed(connect_sending(server.port(), "GARBAGE\r\n\r\n"));
  CHECK_MESSAGE(answer.starts_with("HTTP/1.1 400 "), answer);
  CHECK_MESSAGE(answer.find("HTTP/1.1", 1) == std::string::npos, answer);  // one answer only
  const std::size_t end_of_head = answer.find("\r\n\r\n");
  REQUIRE_MESSAGE(end_of_head != std::string::npos, answer);
  CHECK(answer.substr(0, end_of_head).find("Connection: close") != std::string::npos);
  CHECK(error_of_body(answer.substr(end_of_head + 4))["code"] == "request_unread");
  CHECK(closed);
}

TEST_CASE("a Content-Length past the limit is answered 413 at once, the body unread, and the connection closed") {
  // The server would wait 10 minutes for each read of a body and for a kept-alive connection's
  // next request; the client waits 30 s at most. So an answer means the server did not wait for
  // the body, and an end of file that it closed the connection rather than keep it for a next
  // request (which the unread body would have been taken for).
  ringnet::HttpServer server({.keep_alive_timeout = std::chrono::seconds(600),
                              .read_timeout = std::chrono::minutes(10),
                              .max_body_bytes = 4096});
  std::atomic<int> handled = 0;
  server.route("POST", "/v1/ops", [&handled](const ServerRequest&) {
    ++handled;
    return ServerResponse{200, R"({"done": true})"};
  });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  // Past the limit, and past what 64 bits count.
  for (const std::string length : {"100000000000", "100000000000000000000000000000"}) {
    CAPTURE(length);
    const int fd = connect_sending(
        server.port(), "POST /v1/ops HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n");
    const auto [answer, closed] = read_until_closed(fd);
    const std::size_t end_of_head = answer.find("\r\n\r\n");
    REQUIRE_MESSAGE(end_of_head != std::string::npos, "no answer: ", answer);
    CHECK(answer.starts_with("HTTP/1.1 413 "));
    CHECK(answer.substr(0, end_of_head).find("Connection: close") != std::string::npos);
    const nlohmann::json error = error_of_body(answer.substr(end_of_head + 4));
    CHECK(error["code"] == "invalid_input");
    CHECK(error["message"] == "request body is larger than the server's limit of 4096 bytes");
    CHECK(closed);
  }
  CHECK(handled == 0);
  // A body within the limit is still read and handled.
  auto within = ringnet::HttpClient("127.0.0.1", server.port()).send({"POST", "/v1/ops", "{}", "application/json", {}});
  REQUIRE(within.ok());
  CHECK(within->status == 200);
  CHECK(handled == 1);
}
