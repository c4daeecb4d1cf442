#include "ringcore/replication.h"

#include <algorithm>
#include <charconv>

namespace ringcore {
namespace {

constexpr std::string_view kPackage = "org.apache.cassandra.locator.";

std::string_view short_class_name(std::string_view name) {
  if (name.starts_with(kPackage)) name.remove_prefix(kPackage.size());
  return name;
}

// "3" or "3/1" (all replicas / transient replicas): returns all replicas.
Result<int> parse_replication_factor(const std::string& key, const std::string& value) {
  std::string_view all = value;
  auto slash = all.find('/');
  if (slash != std::string_view::npos) all = all.substr(0, slash);
  int rf = 0;
  auto [ptr, ec] = std::from_chars(all.data(), all.data() + all.size(), rf);
  if (all.empty() || ec != std::errc() || ptr != all.data() + all.size() || rf < 0) {
    return Error::invalid_input("replication factor '" + key + "': '" + value + "' is not a non-negative integer");
  }
  if (slash != std::string_view::npos) {
    std::string_view transient = std::string_view(value).substr(slash + 1);
    int t = 0;
    auto [tp, tec] = std::from_chars(transient.data(), transient.data() + transient.size(), t);
    if (transient.empty() || tec != std::errc() || tp != transient.data() + transient.size() || t < 0 || t >= rf) {
      return Error::invalid_input("replication factor '" + key + "': '" + value +
                                  "' must be ALL/TRANSIENT with TRANSIENT < ALL");
    }
  }
  return rf;
}

}  // namespace

int Replication::total_replicas() const {
  if (kind == StrategyKind::kSimple) return replication_factor;
  if (kind == StrategyKind::kLocal) return 1;
  int total = 0;
  for (const auto& [dc, rf] : datacenters) total += rf;
  return total;
}

int Replication::replicas_in(const std::string& dc) const {
  if (kind == StrategyKind::kSimple) return replication_factor;
  for (const auto& [name, rf] : datacenters) {
    if (name == dc) return rf;
  }
  return 0;
}

bool Replication::same_settings_as(const Replication& other) const {
  if (kind != other.kind) return false;
  if (kind == StrategyKind::kSimple) return replication_factor == other.replication_factor;
  auto nonzero = [](const Replication& r) {
    std::vector<std::pair<std::string, int>> v;
    for (const auto& entry : r.datacenters) {
      if (entry.second > 0) v.push_back(entry);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  return nonzero(*this) == nonzero(other);
}

Result<Replication> parse_replication(const std::vector<std::pair<std::string, std::string>>& options) {
  Replication replication;
  replication.options = options;
  const std::string* class_name = nullptr;
  for (const auto& [key, value] : options) {
    if (key == "class") class_name = &value;
  }
  if (class_name == nullptr) return Error::invalid_input("replication has no 'class'");

  std::string_view kind = short_class_name(*class_name);
  if (kind == "SimpleStrategy") {
    replication.kind = StrategyKind::kSimple;
    bool found = false;
    for (const auto& [key, value] : options) {
      if (key != "replication_factor") continue;
      auto rf = parse_replication_factor(key, value);
      if (!rf) return rf.error();
      replication.replication_factor = *rf;
      found = true;
    }
    if (!found) return Error::invalid_input("SimpleStrategy replication has no 'replication_factor'");
  } else if (kind == "NetworkTopologyStrategy") {
    replication.kind = StrategyKind::kNetworkTopology;
    for (const auto& [key, value] : options) {
      if (key == "class") continue;
      // CQL expands 'replication_factor' into every DC at CREATE time; it never reaches the
      // strategy, so a snapshot should not carry it.
      if (key == "replication_factor") {
        return Error::invalid_input(
            "NetworkTopologyStrategy replication has 'replication_factor'; list each datacenter's rf instead");
      }
      auto rf = parse_replication_factor(key, value);
      if (!rf) return rf.error();
      replication.datacenters.emplace_back(key, *rf);
    }
  } else if (kind == "LocalStrategy") {
    replication.kind = StrategyKind::kLocal;
  } else {
    return Error::unsupported("unknown replication class '" + *class_name +
                              "' (supported: SimpleStrategy, NetworkTopologyStrategy, LocalStrategy)");
  }
  return replication;
}

}  // namespace ringcore
