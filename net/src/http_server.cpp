#include "ringnet/http_server.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "accepted_connections.h"
#include "connection_threads.h"
#include "deadline_server.h"
#include "ringcore/hex.h"
#include "ringnet/listen_address.h"

namespace ringnet {
namespace {

// Requests served on one kept-alive connection before the server closes it (its answer to the
// last says Connection: close, so the client knows): connections are recycled now and then.
constexpr std::size_t kRequestsPerConnection = 1000;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

struct Route {
  std::string method;
  std::vector<std::string> segments;  // "{name}" for a parameter
  ServerHandler handler;
};

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches `raw` segments against a route; fills `params` (decoded). Throws on bad escapes.
bool matches(const Route& route, const std::vector<std::string_view>& raw, std::map<std::string, std::string>& params) {
  if (route.segments.size() != raw.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string& want = route.segments[i];
    if (is_param(want)) {
      if (raw[i].empty()) return false;
      params[want.substr(1, want.size() - 2)] = percent_decode(raw[i]).value_or_throw();
    } else if (want != raw[i]) {
      return false;
    }
  }
  return true;
}

// The decoded parameters of a target's query ("?a=1&b=x%20y"); '+' means a space there.
ringcore::Result<std::multimap<std::string, std::string>> parse_query(std::string_view target) {
  std::multimap<std::string, std::string> query;
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return query;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string part(rest.substr(0, amp));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;
    std::replace(part.begin(), part.end(), '+', ' ');
    const std::size_t eq = part.find('=');
    auto name = percent_decode(std::string_view(part).substr(0, eq));
    if (!name) return name.error();
    auto value = percent_decode(eq == std::string::npos ? std::string_view() : std::string_view(part).substr(eq + 1));
    if (!value) return value.error();
    query.emplace(std::move(name).value(), std::move(value).value());
  }
  return query;
}

// ASCII only, as header names are; std::tolower asks the locale for every byte, a visible
// share of a small request's CPU.
std::string lower_case(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

ServerResponse json_error(int status, const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // A message may quote the request (a path, an id) in bytes that are not UTF-8: replaced
  // (U+FFFD) rather than letting dump() throw and turn a 404 into a 500.
  return {status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json"};
}

std::string body_too_large(std::size_t limit) {
  return "request body is larger than the server's limit of " + std::to_string(limit) + " bytes";
}

// Whether a Content-Length header's value announces more than `limit` bytes: digits past the
// limit, or more of them than a 64-bit count holds. Anything else is cpp-httplib's to judge.
bool announces_more_than(const std::string& content_length, std::size_t limit) {
  std::uint64_t length = 0;
  const char* end = content_length.data() + content_length.size();
  const auto [stop, error] = std::from_chars(content_length.data(), end, length);
  if (content_length.empty() || stop != end) return false;
  return error == std::errc::result_out_of_range || (error == std::errc() && length > limit);
}

}  // namespace

std::string ServerRequest::query_value(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

std::string ServerRequest::header(const std::string& name) const {
  auto it = headers.find(lower_case(name));
  return it == headers.end() ? "" : it->second;
}

int http_status_for(ringcore::ErrorCode code) {
  switch (code) {
    case ringcore::ErrorCode::kInvalidInput:
    case ringcore::ErrorCode::kUnsupported:
    case ringcore::ErrorCode::kRequestUnread:
      return 400;
    case ringcore::ErrorCode::kNotFound:
      return 404;
    case ringcore::ErrorCode::kUnavailable:
    case ringcore::ErrorCode::kPeerDown:
    case ringcore::ErrorCode::kNodeUnavailable:
      return 503;
    case ringcore::ErrorCode::kConflict:
      return 409;
    case ringcore::ErrorCode::kUnauthorized:
      return 401;
    case ringcore::ErrorCode::kForbidden:
      return 403;
    case ringcore::ErrorCode::kMethodNotAllowed:
      return 405;
    case ringcore::ErrorCode::kTimedOut:
      return 504;
    case ringcore::ErrorCode::kOutcomeUnknown:
    case ringcore::ErrorCode::kSshHostKey:  // no server answers these today; an SSH or TLS peer is upstream
    case ringcore::ErrorCode::kSshAuth:
    case ringcore::ErrorCode::kSshConnect:
    case ringcore::ErrorCode::kTlsVerify:
      return 502;
    case ringcore::ErrorCode::kFailed:
    case ringcore::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

ServerResponse error_response(const ringcore::Error& error) {
  return json_error(http_status_for(error.code()), ringcore::error_code_name(error.code()), error.message());
}

ringcore::Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return ringcore::Error::invalid_input("bad percent-encoding in '" + std::string(text) +
                                            "': '%' needs two hex digits");
    }
    const int hi = ringcore::hex_digit_value(text[i + 1]);
    const int lo = ringcore::hex_digit_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return ringcore::Error::invalid_input("bad percent-encoding in '" + std::string(text) + "': '%" +
                                            std::string(text.substr(i + 1, 2)) + "' is not a hex byte");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
        byte == '.' || byte == '_' || byte == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

struct HttpServer::Impl {
  ServerOptions options;
  std::unique_ptr<httplib::Server> server;  // an httplib::SSLServer when TLS is configured
  std::vector<Route> routes;
  std::thread thread;
  int port = 0;
  int listener = -1;                  // the listening socket, once bound
  sockaddr_storage listen_address{};  // its address, once listening

  ServerResponse dispatch(const std::string& method, const httplib::Request& req) const {
    return dispatch(method, req.target, req.path, req.headers, req.body, req.remote_addr, req.remote_port);
  }

  // `decoded_path` is `target`'s path as cpp-httplib decodes it (ServerRequest::path).
  template <typename HeaderMap>
  ServerResponse dispatch(const std::string& method, std::string_view target, const std::string& decoded_path,
                          const HeaderMap& headers, const std::string& body, const std::string& remote_address,
                          int remote_port = 0) const {
    const std::string_view raw_path = target.substr(0, target.find('?'));
    const auto raw = split_path(raw_path);
    ServerRequest request;
    request.method = method;
    request.path = decoded_path;
    // The query comes from the target only: cpp-httplib would also merge a form-encoded body
    // into req.params, and a row's value must never be read as parameters.
    if (auto query = parse_query(target); !query) {
      return error_response(query.error());
    } else {
      request.query = std::move(query).value();
    }
    request.remote_address = remote_address;
    request.remote_port = remote_port;
    for (const auto& [name, value] : headers) request.headers.emplace(lower_case(name), value);
    bool path_known = false;
    try {
      for (const Route& route : routes) {
        if (!matches(route, raw, request.path_params)) continue;
        path_known = true;
        if (route.method != method) continue;
        request.body = body;
        return route.handler(request);
      }
    } catch (const ringcore::Error& error) {
      return error_response(error);
    } catch (const std::exception& error) {
      return json_error(500, "internal", error.what());
    }
    if (path_known)
      return json_error(405, "method_not_allowed", method + " is not allowed on " + std::string(raw_path));
    return json_error(404, "not_found", "no such path: " + method + " " + std::string(raw_path));
  }

  void install(const std::string& method) {
    auto handler = [this, method](const httplib::Request& req, httplib::Response& res) {
      ServerResponse response = dispatch(method, req);
      res.status = response.status;
      for (const auto& [name, value] : response.headers) res.set_header(name, value);
      res.set_content(response.body, response.content_type.c_str());
    };
    // Every path goes to dispatch(), which routes on the raw path; [\s\S] also matches a
    // decoded newline.
    const std::string all = R"([\s\S]*)";
    if (method == "GET") server->Get(all, handler);
    if (method == "POST") server->Post(all, handler);
    if (method == "PUT") server->Put(all, handler);
    if (method == "DELETE") server->Delete(all, handler);
  }
};

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (!options.tls_cert_file.empty() && !options.tls_key_file.empty()) {
    auto tls = std::make_unique<DeadlineServer<httplib::SSLServer>>(
        options.request_read_deadline, options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (tls->is_valid()) SSL_CTX_set_min_proto_version(tls->ssl_context(), TLS1_2_VERSION);
    impl_->server = std::move(tls);
  } else {
    impl_->server = std::make_unique<DeadlineServer<httplib::Server>>(options.request_read_deadline);
  }
  const std::size_t kept = std::max<std::size_t>(1, options.worker_threads);
  const std::size_t most = std::max(kept, options.max_worker_threads);
  impl_->server->new_task_queue = [kept, most] { return new ConnectionThreads(kept, most); };
  // Many requests per connection (cpp-httplib's default is 5): a client sending one request
  // per row would otherwise connect again every fifth row.
  impl_->server->set_keep_alive_max_count(kRequestsPerConnection);
  impl_->server->set_keep_alive_timeout(options.keep_alive_timeout.count());
  impl_->server->set_payload_max_length(options.max_body_bytes);
  impl_->server->set_read_timeout(options.read_timeout);
  // cpp-httplib writes an answer's headers and body apart; with Nagle's algorithm on, the body
  // of an answer on a kept-alive connection waits for the client's delayed ACK of the headers
  // (40 ms on Linux): ringd answered 300 requests/s under wrk where a bare server answered 20,000+.
  impl_->server->set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second process listen on a live
  // port and take half of its connections; see listen_address.h.
  impl_->server->set_socket_options([impl = impl_.get()](socket_t fd) {
    set_listener_options(fd);
    impl->listener = fd;  // the last socket tried is the one bound, if any is
  });
  const std::size_t limit = options.max_body_bytes;
  // Errors cpp-httplib answers itself (413, 400 for a malformed request) get our JSON body too.
  // Its 400 and 408 say the request could not be read whole, which for a client that builds
  // its requests (a peer, ringctl) means the bytes were cut short or came too slowly: a code of
  // their own, request_unread, that such a client may retry on (range_streamer.h).
  // A request not read whole closes its connection after the answer (what follows on it would be
  // read from the middle of it); one cut by its deadline is a 408 that says so.
  const auto deadline = options.request_read_deadline;
  impl_->server->set_error_handler(
      httplib::Server::HandlerWithResponse([limit, deadline](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const bool unread = res.status == 400 || res.status == 408;
        std::string message = "bad HTTP request (status " + std::to_string(res.status) + ")";
        if (unread) {  // the connection is out of step with the client's requests: closed after this answer
          res.set_header("Connection", "close");
          close_after_answer();
        }
        if (unread && request_deadline_passed()) {
          res.status = 408;
          message =
              "the request was not read whole within the server's limit of " + std::to_string(deadline.count()) + " ms";
        } else if (res.status == 413 && req.get_header_value("Content-Type") == "application/x-www-form-urlencoded") {
          message = "a form-encoded request body is limited to " +
                    std::to_string(CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH) +
                    " bytes; send the body as application/octet-stream";
        } else if (res.status == 413) {
          message = body_too_large(limit);
        }
        ServerResponse response = json_error(res.status, unread ? "request_unread" : "invalid_input", message);
        res.set_content(response.body, "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  // A body announced past the limit is refused before any of it is read: cpp-httplib reads and
  // drops such a body before it answers 413 (skip_content_with_length), so a Content-Length past
  // the limit with no body behind it was answered only once that read timed out. The
  // connection is then closed, as the unread body would otherwise be taken for the next request:
  // its reading side is shut once the answer is sent (the logger runs then; shut before,
  // cpp-httplib would take the connection for closed and not send the answer), so the wait for
  // a next request reads an end of file.
  impl_->server->set_pre_routing_handler(
      httplib::Server::HandlerWithResponse([limit](const httplib::Request& req, httplib::Response& res) {
        if (!announces_more_than(req.get_header_value("Content-Length"), limit))
          return httplib::Server::HandlerResponse::Unhandled;
        const ServerResponse response = json_error(413, "invalid_input", body_too_large(limit));
        res.status = response.status;
        res.set_header("Connection", "close");
        res.set_content(response.body, "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  impl_->server->set_logger([limit](const httplib::Request& req, const httplib::Response& res) {
    if (res.status == 413 && announces_more_than(req.get_header_value("Content-Length"), limit))
      end_reading_of_connection(req.local_addr, req.local_port, req.remote_addr, req.remote_port);
  });
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) impl_->install(method);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& method, const std::string& pattern, ServerHandler handler) {
  Route route{method, {}, std::move(handler)};
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  impl_->routes.push_back(std::move(route));
}

ringcore::Status HttpServer::start(const std::string& host, int port) {
  httplib::Server& server = *impl_->server;
  if (!server.is_valid()) {
    return ringcore::Error::invalid_input("cannot load the TLS certificate " + impl_->options.tls_cert_file +
                                          " and key " + impl_->options.tls_key_file +
                                          " (PEM files, readable, key matching the certificate)");
  }
  impl_->port = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (impl_->port <= 0) {
    if (auto why = check_can_listen(host, port); !why) return why.error();  // names the reason
    return ringcore::Error(ringcore::ErrorCode::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port));
  }
  widen_accept_queue(impl_->listener);
  socklen_t length = sizeof impl_->listen_address;
  getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&impl_->listen_address), &length);
  impl_->thread = std::thread([this] { impl_->server->listen_after_bind(); });
  // stop() before the listener runs would be lost; wait until it does (microseconds).
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return ringcore::Ok{};
}

int HttpServer::port() const { return impl_->port; }

ServerResponse HttpServer::answer(const std::string& method, const std::string& target,
                                  const std::multimap<std::string, std::string>& headers, const std::string& body,
                                  const std::string& remote_address) const {
  const std::string_view raw_path = std::string_view(target).substr(0, target.find('?'));
  if (raw_path.empty() || raw_path.front() != '/')
    return json_error(400, "invalid_input", "bad HTTP request (status 400)");
  if (body.size() > impl_->options.max_body_bytes)
    return json_error(413, "invalid_input", body_too_large(impl_->options.max_body_bytes));
  // As cpp-httplib decodes the path: escapes decoded, a malformed one kept as it is.
  const std::string decoded = httplib::detail::decode_url(std::string(raw_path), false);
  return impl_->dispatch(method, target, decoded, headers, body, remote_address);
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server->stop();
  // Idle kept-alive connections would hold stop() for the keep-alive timeout.
  end_reading_of_accepted(impl_->listen_address);
  impl_->thread.join();
}

}  // namespace ringnet
