// NftTable: an nftables table of a test's own with one chain (a filter on input unless told),
// deleted when the handle goes away, so that the packets a fault test drops (on its lab's ports only) are its own
// business and nothing else on the machine is touched. Needs root and nft (scripts/install-deps.sh test).
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/run_process.h"

namespace test_support {

inline const char* const kNft = "/usr/sbin/nft";

// Whether this process may make tables: it runs as root and nft is installed.
inline bool nft_usable() { return geteuid() == 0 && access(kNft, X_OK) == 0; }

class NftTable {
 public:
  // `prefix` and the process id name the table (ringctl_partition_1234); `chain` and its
  // `chain_spec` (type, hook, priority) are the chain rules go to.
  explicit NftTable(const std::string& prefix, std::string chain = "input",
                    const std::string& chain_spec = "{ type filter hook input priority 0; policy accept; }")
      : table_(prefix + std::to_string(getpid())), chain_(std::move(chain)) {
    delete_left_over(prefix);
    nft({"add", "table", "inet", table_});
    nft({"add", "chain", "inet", table_, chain_, chain_spec});
  }
  ~NftTable() { run_process({kNft, "delete", "table", "inet", table_}); }
  NftTable(const NftTable&) = delete;
  NftTable& operator=(const NftTable&) = delete;

  // Appends a rule to the chain: its matches and verdict, as nft's words
  // ({"tcp", "dport", "7000", "drop"}).
  void add_rule(const std::vector<std::string>& rule) {
    std::vector<std::string> args = {"add", "rule", "inet", table_, chain_};
    args.insert(args.end(), rule.begin(), rule.end());
    nft(args);
  }

  // Deletes the chain's rules; the chain and the table stay until the handle goes. Checks
  // rather than requires, so that a destructor may call it.
  void flush_rules() {
    const ProcessResult r = run_process({kNft, "flush", "chain", "inet", table_, chain_});
    CHECK_MESSAGE(r.exit_code == 0, "nft flush failed: " << r.err);
  }

  // The packets the table's `counter` statements have counted, or -1 when nft cannot say.
  std::int64_t counted_packets() const {
    const ProcessResult r = run_process({kNft, "-j", "list", "table", "inet", table_});
    const nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    if (!doc.is_object()) return -1;
    std::int64_t packets = 0;
    for (const nlohmann::json& item : doc["nftables"]) {
      if (!item.contains("rule")) continue;
      for (const nlohmann::json& expr : item["rule"]["expr"]) {
        if (expr.contains("counter")) packets += expr["counter"].value("packets", std::int64_t{0});
      }
    }
    return packets;
  }

 private:
  // A table named `prefix` and the id of a process that has ended: left by a test killed before
  // its destructor ran (a ctest timeout, a run stopped), it would still drop the packets of the
  // next run's lab on the same addresses, which then never converges. Deleted.
  static void delete_left_over(const std::string& prefix) {
    const ProcessResult r = run_process({kNft, "-j", "list", "tables"});
    const nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    if (!doc.is_object() || !doc.contains("nftables")) return;
    for (const nlohmann::json& item : doc["nftables"]) {
      const std::string name = item.contains("table") ? item["table"].value("name", "") : "";
      if (!name.starts_with(prefix)) continue;
      const std::string pid = name.substr(prefix.size());
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
        run_process({kNft, "delete", "table", "inet", name});
    }
  }

  static void nft(std::vector<std::string> args) {
    args.insert(args.begin(), kNft);
    const ProcessResult r = run_process(args);
    REQUIRE_MESSAGE(r.exit_code == 0, "nft failed: " << r.err);
  }

  std::string table_;
  std::string chain_;
};

}  // namespace test_support
