#include "ringcore/token_allocator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/random.h"
#include "ringcore/replication.h"
#include "ringcore/ring.h"

namespace ringcore {
namespace {

using Uint128 = unsigned __int128;

constexpr double kTwoTo64 = 18446744073709551616.0;
constexpr Uint128 kWholeRing = static_cast<Uint128>(1) << 64;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Weight of the token-span term against the node-load term (see the header). Chosen with
// bench/token_allocation_bench and longer growth runs: without it, regions of wide old ranges
// become places no single token can enter without overshooting, and their owners stay hot.
// From 0.1 to 1 the results barely differ; 0.3 sits in the middle.
constexpr double kSpanWeight = 0.3;

// A token never goes nearer than this fraction of its range to either end: near-empty ranges
// balance nothing and leave later joins fewer places to choose from.
constexpr double kEdge = 0.25;

Token advance(Token from, std::uint64_t by) { return static_cast<Token>(static_cast<std::uint64_t>(from) + by); }

// Clockwise number of tokens in (from, to]; (t, t] is the whole ring.
Uint128 gap(Token from, Token to) {
  if (from == to) return kWholeRing;
  return static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from);
}

Status check_num_tokens(int num_tokens) {
  if (num_tokens < 1 || num_tokens > kMaxTokensPerNode) {
    return Error::invalid_input("num_tokens " + std::to_string(num_tokens) + " is out of range (1.." +
                                std::to_string(kMaxTokensPerNode) + ")");
  }
  return Ok{};
}

Status check_replication_factor(int replication_factor) {
  if (replication_factor < 1) {
    return Error::invalid_input("replication factor " + std::to_string(replication_factor) +
                                " is out of range (at least 1)");
  }
  return Ok{};
}

// Tokens a new token must not be: kMinToken, the given ones, and those handed out so far.
class TakenTokens {
 public:
  explicit TakenTokens(std::vector<Token> tokens) : sorted_(std::move(tokens)) {
    std::sort(sorted_.begin(), sorted_.end());
  }
  bool contains(Token token) const {
    return token == kMinToken || std::binary_search(sorted_.begin(), sorted_.end(), token);
  }
  void add(Token token) { sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), token), token); }

 private:
  std::vector<Token> sorted_;
};

// The free token nearest to `wanted` inside the open range (left, right): first looking
// clockwise, then back. REQUIRES: wanted lies inside the range.
std::optional<Token> free_token_near(Token wanted, Token left, Token right, const TakenTokens& taken) {
  for (Token t = wanted; t != right; t = advance(t, 1)) {
    if (!taken.contains(t)) return t;
  }
  for (Token t = advance(wanted, ~std::uint64_t{0}); t != left; t = advance(t, ~std::uint64_t{0})) {
    if (!taken.contains(t)) return t;
  }
  return std::nullopt;
}

// The first free token at or after `wanted`, for rings with nothing of their own to cross.
Token free_token_from(Token wanted, const TakenTokens& taken) {
  while (taken.contains(wanted)) wanted = advance(wanted, 1);
  return wanted;
}

// ---------------------------------------------------------------------------------------------
// The new node's datacenter, as the allocator sees it.

struct DcView {
  std::string dc;
  std::vector<std::pair<Token, std::uint32_t>> entries;  // the DC's ring tokens, local node numbers
  std::vector<std::uint32_t> rack_of;                    // by local node; the new node is last
  std::vector<std::uint32_t> token_count;                // by local node, before the join
  std::uint32_t members = 0;                             // ring members before the join
  std::uint32_t racks = 0;                               // their distinct racks
  bool rack_known = false;                               // the new node's rack is one of them
  std::vector<Token> taken;                              // every token in the snapshot
};

Result<DcView> view_of_dc(const ClusterSnapshot& snapshot, const NewNode& node) {
  const TokenRing ring(snapshot);
  DcView view;
  view.dc = node.dc;
  std::map<NodeIndex, std::uint32_t> local;       // snapshot node -> local node
  std::map<std::string, std::uint32_t> rack_ids;  // rack name -> local rack
  for (NodeIndex i = 0; i < snapshot.nodes.size(); ++i) {
    const Node& other = snapshot.nodes[i];
    if (other.address == node.address) {
      if (ring.in_ring(i) && !other.tokens.empty()) {
        return Error::invalid_input("node " + node.address + " is already in the ring with " +
                                    std::to_string(other.tokens.size()) + " token(s)");
      }
      continue;  // a joining entry for the node itself
    }
    view.taken.insert(view.taken.end(), other.tokens.begin(), other.tokens.end());
    if (other.dc != node.dc || !ring.in_ring(i)) continue;
    const auto rack = rack_ids.emplace(other.rack, static_cast<std::uint32_t>(rack_ids.size())).first->second;
    local.emplace(i, static_cast<std::uint32_t>(view.rack_of.size()));
    view.rack_of.push_back(rack);
    view.token_count.push_back(static_cast<std::uint32_t>(other.tokens.size()));
  }
  view.members = static_cast<std::uint32_t>(view.rack_of.size());
  view.racks = static_cast<std::uint32_t>(rack_ids.size());
  view.rack_known = rack_ids.contains(node.rack);
  view.rack_of.push_back(rack_ids.emplace(node.rack, static_cast<std::uint32_t>(rack_ids.size())).first->second);
  for (std::size_t k = 0; k < ring.size(); ++k) {
    auto it = local.find(ring.owner_at(k));
    if (it != local.end()) view.entries.emplace_back(ring.token_at(k), it->second);
  }
  return view;
}

// Cassandra's rule (TokenAllocation.createStrategy): a rack the DC's topology does not know yet
// counts as a DC of one rack; otherwise 2..rf-1 racks cannot be balanced and are refused.
Status check_racks(const DcView& view, const NewNode& node, int rf) {
  const std::uint32_t racks = view.rack_known ? view.racks : 1;
  if (rf > 1 && racks > 1 && racks < static_cast<std::uint32_t>(rf)) {
    return Error::invalid_input("Token allocation failed: the number of racks " + std::to_string(racks) +
                                " in datacenter " + node.dc + " is lower than its replication factor " +
                                std::to_string(rf) + ".");
  }
  return Ok{};
}

// ---------------------------------------------------------------------------------------------
// Layouts that do not depend on ownership: the first node, and the splits of the first rf nodes.

std::vector<Token> evenly_spaced(int num_tokens, Random& random, TakenTokens& taken) {
  const std::uint64_t offset = random.next_u64();
  std::vector<Token> tokens;
  for (int k = 0; k < num_tokens; ++k) {
    const auto step = static_cast<std::uint64_t>(kWholeRing * static_cast<Uint128>(k) / num_tokens);
    const Token token = free_token_from(advance(static_cast<Token>(offset), step), taken);
    taken.add(token);
    tokens.push_back(token);
  }
  return tokens;
}

// Node number `members + 1` of a DC of at most rf nodes: each token cuts 1/(rf - members + 1)
// off the widest gap. Starting from one evenly spaced node, node 2 takes the first third of
// each gap (rf 3), node 3 halves what is left: rf x num_tokens equal ranges.
Result<std::vector<Token>> splits(std::vector<Token> dc_tokens, int num_tokens, int rf, std::uint32_t members,
                                  TakenTokens& taken) {
  const auto parts = static_cast<Uint128>(rf - static_cast<int>(members) + 1);
  std::sort(dc_tokens.begin(), dc_tokens.end());
  std::vector<Token> tokens;
  for (int k = 0; k < num_tokens; ++k) {
    std::size_t widest = 0;
    Uint128 widest_gap = 0;
    for (std::size_t i = 0; i < dc_tokens.size(); ++i) {
      const Uint128 g = gap(dc_tokens[i == 0 ? dc_tokens.size() - 1 : i - 1], dc_tokens[i]);
      if (g > widest_gap) {
        widest_gap = g;
        widest = i;
      }
    }
    const Token left = dc_tokens[widest == 0 ? dc_tokens.size() - 1 : widest - 1];
    const Token right = dc_tokens[widest];
    const auto wanted = advance(left, static_cast<std::uint64_t>(std::max<Uint128>(widest_gap / parts, 1)));
    const auto token = free_token_near(wanted, left, right, taken);
    if (!token)
      return Error::failed("no free token left between " + format_token(left) + " and " + format_token(right));
    taken.add(*token);
    tokens.push_back(*token);
    dc_tokens.insert(std::upper_bound(dc_tokens.begin(), dc_tokens.end(), *token), *token);
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// The greedy allocator over the DC's ring.

// One replica of a range: the node, and the ring index of the token at which the walk met it
// (kNewToken for the candidate token).
struct Replica {
  std::uint32_t node;
  std::uint32_t via;
  friend bool operator==(const Replica&, const Replica&) = default;
};
constexpr std::uint32_t kNewToken = std::numeric_limits<std::uint32_t>::max();

// How a candidate token changes one quantity, a node's load or a token's replicated span: by
// `constant` plus `per_unit` times the token's distance from the start of its range (ring
// fractions).
struct Change {
  std::uint32_t key;  // node, or ring index of a token (kNewToken for the candidate)
  double constant;
  double per_unit;
};

struct Changes {
  std::vector<Change> loads;
  std::vector<Change> spans;
};

// The ring indices a range's changes were computed from: `back` ranges before it to `forward`
// indices after it (circularly); `whole`: the walks went round the ring.
struct Reach {
  std::size_t back = 0;
  std::size_t forward = 0;
  bool whole = false;
};

void add_change(std::vector<Change>& changes, std::uint32_t key, double constant, double per_unit) {
  for (Change& change : changes) {
    if (change.key == key) {
      change.constant += constant;
      change.per_unit += per_unit;
      return;
    }
  }
  changes.push_back({key, constant, per_unit});
}

template <class T, class Pred>
bool contains_if(const std::vector<T>& v, Pred pred) {
  return std::find_if(v.begin(), v.end(), pred) != v.end();
}

// The DC's ring with the new node, replicated as NetworkTopologyStrategy {dc: rf} replicates
// it: each node's load (effective ownership, as a fraction of the ring) and each token's
// replicated span (the part of its node's load that the node holds through that token: the
// ranges whose walk meets the node first at that token).
class DcRing {
 public:
  DcRing(const DcView& view, int rf) : rack_of_(view.rack_of), new_node_(view.members) {
    for (const auto& [token, owner] : view.entries) {
      tokens_.push_back(token);
      owners_.push_back(owner);
    }
    const std::uint32_t racks = view.racks + (view.rack_known ? 0 : 1);  // with the new node
    wanted_ = std::min<std::size_t>(static_cast<std::size_t>(rf), view.members + 1);
    repeats_ = rf - static_cast<int>(racks);
    node_stamp_.assign(rack_of_.size(), 0);
    rack_stamp_.assign(racks, 0);
    loads_.assign(rack_of_.size(), 0.0);
    spans_.assign(size(), 0.0);
    std::vector<Replica> replicas;
    for (std::size_t i = 0; i < size(); ++i) {
      walk(i, kNone, replicas);
      for (const Replica& r : replicas) {
        loads_[r.node] += width(i);
        spans_[r.via] += width(i);
      }
    }
  }

  std::size_t size() const { return tokens_.size(); }
  const std::vector<double>& loads() const { return loads_; }
  const std::vector<double>& spans() const { return spans_; }
  Token range_start(std::size_t i) const { return tokens_[i == 0 ? size() - 1 : i - 1]; }
  Token range_end(std::size_t i) const { return tokens_[i]; }
  Uint128 width_in_tokens(std::size_t i) const { return gap(range_start(i), range_end(i)); }
  double width(std::size_t i) const { return static_cast<double>(width_in_tokens(i)) / kTwoTo64; }

  // What a new-node token inside the range ending at ring index i changes, and which indices
  // that was computed from.
  void changes_for_token_in(std::size_t i, Changes& out, Reach& reach) const {
    out.loads.clear();
    out.spans.clear();
    reach = Reach{};
    // How far forward of i a walk from `back` ranges before it read.
    auto note = [&](std::size_t back, std::size_t steps) {
      if (steps == kNone) {
        reach.whole = true;
      } else if (steps > back) {
        reach.forward = std::max(reach.forward, steps - back);
      }
    };
    // The range itself: its first part is now walked from the new token.
    note(0, walk(i, kNone, old_));
    note(0, walk(i, i, new_));
    add_difference(0.0, 1.0, out);
    // Ranges before it whose walk gets as far as range i. Once a walk is complete before it,
    // so is every walk that starts earlier (it sees a superset of nodes and racks).
    for (std::size_t back = 1; back < size(); ++back) {
      const std::size_t j = (i + size() - back) % size();
      reach.back = back;
      const std::size_t steps = walk(j, kNone, old_);
      note(back, steps);
      if (steps < back) break;
      note(back, walk(j, i, new_));
      add_difference(width(j), 0.0, out);
    }
    if (reach.back + reach.forward + 2 >= size()) reach.whole = true;
  }

  // Adds the new node's `token` inside the range ending at index i, whose changes are `changes`.
  // Returns the ring index the token took (the indices from there on moved up by one).
  std::size_t add_token(std::size_t i, Token token, const Changes& changes) {
    const double x = static_cast<double>(gap(range_start(i), token)) / kTwoTo64;
    for (const Change& c : changes.loads) loads_[c.key] += c.constant + c.per_unit * x;
    double new_span = 0;
    for (const Change& c : changes.spans)
      (c.key == kNewToken ? new_span : spans_[c.key]) += c.constant + c.per_unit * x;
    const auto at = std::upper_bound(tokens_.begin(), tokens_.end(), token) - tokens_.begin();
    tokens_.insert(tokens_.begin() + at, token);
    owners_.insert(owners_.begin() + at, new_node_);
    spans_.insert(spans_.begin() + at, new_span);
    return static_cast<std::size_t>(at);
  }

 private:
  // The replicas of the range ending at ring index `start`, as NetworkTopologyStrategy walks
  // them; with `insert_at` set, a new-node token is walked just before ring index insert_at.
  // The walk is restated here for one DC's ring with a token that is not in it yet; the
  // acceptance rule is the one placement uses (take_nts_replica in placement.h).
  // Returns the step at which the last replica was found, or kNone if the walk went round the
  // ring without finding them all.
  std::size_t walk(std::size_t start, std::size_t insert_at, std::vector<Replica>& out) const {
    out.clear();
    if (++stamp_ == 0) {
      std::fill(node_stamp_.begin(), node_stamp_.end(), 0);
      std::fill(rack_stamp_.begin(), rack_stamp_.end(), 0);
      stamp_ = 1;
    }
    const std::size_t n = size();
    const std::size_t inserted_step = insert_at == kNone ? kNone : (insert_at + n - start) % n;
    const std::size_t steps = insert_at == kNone ? n : n + 1;
    int repeats = repeats_;
    for (std::size_t s = 0; s < steps; ++s) {
      std::uint32_t node = new_node_;
      std::uint32_t via = kNewToken;
      if (s != inserted_step) {
        via = static_cast<std::uint32_t>((start + (s > inserted_step && inserted_step != kNone ? s - 1 : s)) % n);
        node = owners_[via];
      }
      if (!take_nts_replica(node, rack_of_[node], stamp_, node_stamp_, rack_stamp_, repeats)) continue;
      out.push_back({node, via});
      if (out.size() == wanted_) return s;
    }
    return kNone;
  }

  // Replicas in new_ but not old_ gain (constant, per_unit), those in old_ but not new_ lose
  // it: per node, and per token the node was met at.
  void add_difference(double constant, double per_unit, Changes& out) const {
    for (const Replica& r : new_) {
      if (!contains_if(old_, [&](const Replica& o) { return o.node == r.node; }))
        add_change(out.loads, r.node, constant, per_unit);
      if (!contains_if(old_, [&](const Replica& o) { return o == r; }))
        add_change(out.spans, r.via, constant, per_unit);
    }
    for (const Replica& r : old_) {
      if (!contains_if(new_, [&](const Replica& o) { return o.node == r.node; }))
        add_change(out.loads, r.node, -constant, -per_unit);
      if (!contains_if(new_, [&](const Replica& o) { return o == r; }))
        add_change(out.spans, r.via, -constant, -per_unit);
    }
  }

  std::vector<Token> tokens_;
  std::vector<std::uint32_t> owners_;
  std::vector<std::uint32_t> rack_of_;
  std::uint32_t new_node_;
  std::size_t wanted_ = 0;  // replicas per range: min(rf, members with the new node)
  int repeats_ = 0;         // rf - racks: nodes a walk may take from racks it has used
  std::vector<double> loads_;
  std::vector<double> spans_;  // by ring index

  // Scratch for walks (an entry is set when it equals stamp_) and their results.
  mutable std::uint32_t stamp_ = 0;
  mutable std::vector<std::uint32_t> node_stamp_;
  mutable std::vector<std::uint32_t> rack_stamp_;
  mutable std::vector<Replica> old_;
  mutable std::vector<Replica> new_;
};

// The best place for one token inside one range: `x` from the range start (ring fraction) and
// how much it changes the cost (negative is better).
struct Placement {
  std::size_t range = kNone;
  double x = 0;
  double cost_change = std::numeric_limits<double>::infinity();
};

struct CostModel {
  std::vector<double> targets;  // node loads, by local node
  double ideal_span = 0;        // of a token once the node has joined
};

// A quadratic a x^2 + b x + c in the token's distance x from the range start.
struct Quadratic {
  double a = 0, b = 0, c = 0;
  // Adds weight * ((base + constant + per_unit x)^2 - base_before^2).
  void add_square(double weight, double base, double constant, double per_unit, double before) {
    const double k = base + constant;
    a += weight * per_unit * per_unit;
    b += weight * 2 * k * per_unit;
    c += weight * (k * k - before * before);
  }
  double at(double x) const { return (a * x + b) * x + c; }
};

// The cost change of a token x from the start of range i: sum over nodes of
// (load - target)^2 plus kSpanWeight x sum over tokens of (span - ideal span)^2, before and
// after. It is a quadratic in x, so the best x is its vertex, kept within the middle half of
// the range.
Placement best_place_in(const DcRing& ring, std::size_t i, const CostModel& cost, const Changes& changes) {
  Quadratic q;
  for (const Change& c : changes.loads) {
    const double before = ring.loads()[c.key] - cost.targets[c.key];
    q.add_square(1.0, before, c.constant, c.per_unit, before);
  }
  for (const Change& c : changes.spans) {
    if (c.key == kNewToken) {
      q.add_square(kSpanWeight, -cost.ideal_span, c.constant, c.per_unit, 0.0);
    } else {
      const double before = ring.spans()[c.key] - cost.ideal_span;
      q.add_square(kSpanWeight, before, c.constant, c.per_unit, before);
    }
  }
  const double w = ring.width(i);
  const double vertex = q.a > 0 ? -q.b / (2 * q.a) : w / 2;
  const double x = std::clamp(vertex, kEdge * w, (1 - kEdge) * w);
  return {i, x, q.at(x)};
}

// Where the token lands: x turned into a token strictly inside the range, moved off taken tokens.
std::optional<Token> token_at(const DcRing& ring, const Placement& place, const TakenTokens& taken) {
  const Uint128 width = ring.width_in_tokens(place.range);
  const auto wanted = static_cast<Uint128>(place.x * kTwoTo64);
  const auto offset = static_cast<std::uint64_t>(std::clamp<Uint128>(wanted, 1, width - 1));
  return free_token_near(advance(ring.range_start(place.range), offset), ring.range_start(place.range),
                         ring.range_end(place.range), taken);
}

// The changes of a token in each range, kept from one token to the next: a token changes the
// walks of the few ranges around it only, and computing every range's changes anew for each
// token is what made allocating 256 tokens in a DC of hundreds of nodes take seconds.
struct RangeChanges {
  Changes changes;
  Reach reach;
};
using ChangeCache = std::vector<std::optional<RangeChanges>>;

// After a token was added at ring index `at` (the cache still indexed as before it): forgets
// the ranges whose changes read the range it split (or its neighbours), renumbers the token
// indices the others name, and makes room for the new range.
void update_cache(ChangeCache& cache, std::size_t at) {
  const std::size_t n = cache.size();
  const std::size_t split = at % n;
  for (std::size_t k = 0; k < n; ++k) {
    std::optional<RangeChanges>& entry = cache[k];
    if (!entry) continue;
    const Reach& reach = entry->reach;
    const std::size_t from = (k + n - (reach.back + 1) % n) % n;
    if (reach.whole || (split + n - from) % n <= reach.back + reach.forward + 2) {
      entry.reset();
      continue;
    }
    for (Change& change : entry->changes.spans) {
      if (change.key != kNewToken && change.key >= at) ++change.key;
    }
  }
  cache.insert(cache.begin() + static_cast<std::ptrdiff_t>(at), std::nullopt);
}

Result<std::vector<Token>> greedy(const DcView& view, int num_tokens, int rf, TakenTokens& taken) {
  DcRing ring(view, rf);
  const std::uint32_t new_node = view.members;
  double total_tokens = num_tokens;
  for (std::uint32_t count : view.token_count) total_tokens += count;
  const double replicas =
      static_cast<double>(std::min<std::uint32_t>(static_cast<std::uint32_t>(rf), view.members + 1));

  CostModel cost;
  cost.ideal_span = replicas / total_tokens;
  cost.targets.resize(view.rack_of.size());
  for (std::uint32_t node = 0; node < view.members; ++node)
    cost.targets[node] = cost.ideal_span * view.token_count[node];

  std::vector<Token> tokens;
  ChangeCache cache(ring.size());
  std::vector<bool> blocked;
  while (tokens.size() < static_cast<std::size_t>(num_tokens)) {
    // The new node aims at the share of the tokens it has placed, this one included.
    cost.targets[new_node] = cost.ideal_span * static_cast<double>(tokens.size() + 1);
    blocked.assign(ring.size(), false);
    std::optional<Token> token;
    Placement best;
    while (!token) {
      best = Placement{};
      for (std::size_t i = 0; i < ring.size(); ++i) {
        if (blocked[i] || ring.width_in_tokens(i) < 2) continue;
        if (!cache[i]) {
          cache[i].emplace();
          ring.changes_for_token_in(i, cache[i]->changes, cache[i]->reach);
        }
        const Placement place = best_place_in(ring, i, cost, cache[i]->changes);
        if (place.cost_change < best.cost_change) best = place;
      }
      if (best.range == kNone) return Error::failed("no free token left in datacenter " + view.dc);
      token = token_at(ring, best, taken);
      if (!token) blocked[best.range] = true;
    }
    update_cache(cache, ring.add_token(best.range, *token, cache[best.range]->changes));
    taken.add(*token);
    tokens.push_back(*token);
  }
  return tokens;
}

}  // namespace

Result<std::vector<Token>> random_tokens(int num_tokens, const std::vector<Token>& taken, Random& random) {
  if (auto ok = check_num_tokens(num_tokens); !ok) return ok.error();
  TakenTokens avoid(taken);
  std::vector<Token> tokens;
  while (tokens.size() < static_cast<std::size_t>(num_tokens)) {
    Token token = static_cast<Token>(random.next_u64());
    if (token == kMinToken) token = kMaxToken;  // Murmur3Partitioner's normalisation
    if (avoid.contains(token)) continue;
    avoid.add(token);
    tokens.push_back(token);
  }
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

Result<std::vector<Token>> allocate_balanced_tokens(const ClusterSnapshot& snapshot, const NewNode& node,
                                                    int num_tokens, int replication_factor, Random& random) {
  if (auto ok = check_num_tokens(num_tokens); !ok) return ok.error();
  if (auto ok = check_replication_factor(replication_factor); !ok) return ok.error();
  if (node.dc.empty()) return Error::invalid_input("node " + node.address + " has no datacenter");
  auto view = view_of_dc(snapshot, node);
  if (!view) return view.error();
  if (auto ok = check_racks(*view, node, replication_factor); !ok) return ok.error();

  TakenTokens taken(view->taken);
  std::vector<Token> tokens;
  if (view->entries.empty()) {
    tokens = evenly_spaced(num_tokens, random, taken);
  } else if (view->members < static_cast<std::uint32_t>(replication_factor)) {
    std::vector<Token> dc_tokens;
    for (const auto& entry : view->entries) dc_tokens.push_back(entry.first);
    auto placed = splits(std::move(dc_tokens), num_tokens, replication_factor, view->members, taken);
    if (!placed) return placed.error();
    tokens = std::move(placed).value();
  } else {
    auto placed = greedy(*view, num_tokens, replication_factor, taken);
    if (!placed) return placed.error();
    tokens = std::move(placed).value();
  }
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

Result<OwnershipBalance> replicated_ownership_balance(const ClusterSnapshot& snapshot, const std::string& dc,
                                                      int replication_factor) {
  if (auto ok = check_replication_factor(replication_factor); !ok) return ok.error();
  auto replication =
      parse_replication({{"class", "NetworkTopologyStrategy"}, {dc, std::to_string(replication_factor)}});
  if (!replication) return replication.error();
  const TokenRing ring(snapshot);
  auto placement = ReplicaPlacement::create(ring, *replication);
  if (!placement) return placement.error();
  const NodeOwnership owns = effective_ownership(*placement);

  std::vector<double> values;
  for (NodeIndex i = 0; i < owns.size(); ++i) {
    if (owns[i] && snapshot.nodes[i].dc == dc) values.push_back(*owns[i]);
  }
  if (values.empty()) return Error::not_found("datacenter '" + dc + "' has no node in the ring");

  OwnershipBalance balance;
  balance.nodes = values.size();
  double sum = 0;
  for (double v : values) sum += v;
  balance.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - balance.mean) * (v - balance.mean);
  const auto [min, max] = std::minmax_element(values.begin(), values.end());
  balance.max_over_mean = *max / balance.mean;
  balance.min_over_mean = *min / balance.mean;
  balance.stddev_over_mean = std::sqrt(squares / static_cast<double>(values.size())) / balance.mean;
  return balance;
}

}  // namespace ringcore
