// The one error type of the project, and Result<T> for functions that can fail.
//
// ringcore never throws: fallible functions return Result<T>. Programs may throw an Error
// (it is a std::exception) and map it to an exit code or HTTP status in exactly one place.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ringcore {

enum class ErrorCode {
  kInvalidInput,      // malformed input: a file, a flag, a key, a token
  kNotFound,          // a named thing (keyspace, node, host id) does not exist
  kUnsupported,       // well-formed but not supported (e.g. an unknown replication class)
  kUnavailable,       // a peer or agent could not be reached
  kConflict,          // refused in the current state: another operation runs, a check fails
  kFailed,            // an operation ran and failed
  kInternal,          // a bug: an invariant did not hold
  kUnauthorized,      // no credentials, or ones not recognised (HTTP 401)
  kForbidden,         // credentials recognised but not allowed to do this (HTTP 403)
  kMethodNotAllowed,  // the path exists but not with this method (HTTP 405)
  kTimedOut,          // waiting for something gave up at its deadline; it may still be going on
  kOutcomeUnknown,    // an operation started, then its node stopped answering: done, failed or running is not known
  kSshHostKey,        // an SSH server's host key is not in known_hosts, or differs from it (never accepted silently)
  kSshAuth,           // an SSH server refused every key offered (agent or identity file)
  kSshConnect,        // an SSH server could not be reached, or the connection broke
  kPeerDown,          // a request abandoned because its peer was judged down meanwhile (HttpClient::give_up_when)
  kRequestUnread,     // a server could not read a request whole: malformed, cut short, or slower than its read timeout
  kTlsVerify,         // a server's TLS certificate did not verify: an untrusted CA, or it does not name the host
  kNodeUnavailable,   // an agent answered that its node did not: down, restarting, hung or paused
};

const char* error_code_name(ErrorCode code);
// The code a name from error_code_name stands for; kInternal for an unknown name.
ErrorCode error_code_from_name(std::string_view name);

class Error : public std::exception {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error invalid_input(std::string message) { return {ErrorCode::kInvalidInput, std::move(message)}; }
  static Error not_found(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error unsupported(std::string message) { return {ErrorCode::kUnsupported, std::move(message)}; }
  static Error conflict(std::string message) { return {ErrorCode::kConflict, std::move(message)}; }
  static Error failed(std::string message) { return {ErrorCode::kFailed, std::move(message)}; }
  static Error timed_out(std::string message) { return {ErrorCode::kTimedOut, std::move(message)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const char* what() const noexcept override { return message_.c_str(); }

  // Returns a copy whose message is prefixed with `context: ` (e.g. a file name).
  Error with_context(const std::string& context) const { return {code_, context + ": " + message_}; }

 private:
  ErrorCode code_;
  std::string message_;
};

// Either a value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  const Error& error() const { return std::get<1>(state_); }

  // For programs, which report errors by exception: the value, or throws the Error.
  T value_or_throw() && {
    if (!ok()) throw std::get<1>(state_);
    return std::get<0>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// A Result without a value: success, or an Error.
struct Ok {};
using Status = Result<Ok>;

}  // namespace ringcore
