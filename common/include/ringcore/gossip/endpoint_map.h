// Maps and sets keyed by endpoint address, kept as vectors sorted by address.
//
// Why not std::map: a thousand-node simulation holds a thousand gossipers that each look up a
// thousand endpoints several times a round. Binary search over contiguous memory costs a few
// cache misses where a tree walk costs one per level. Inserting or erasing moves the tail of
// the vector, which is cheap for membership changes, which are rare.
// Lookups of keys in address order (a gossip message lists endpoints in that order) can pass
// a cursor: a key at or shortly after the cursor is found in a few comparisons, and memory is
// read in order. Any cursor value is safe; a wrong one only costs a search. Start a sequence
// with cursor = 0.
// Pointers and iterators are invalidated by insertion and erasure.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringcore::gossip {

// a < b for endpoint keys. Spelled with compare(): clang 14 with libstdc++ 12 cannot resolve
// the operator<=> that '<' on string_view rewrites to.
inline bool key_below(std::string_view a, std::string_view b) { return a.compare(b) < 0; }

// The index of the first item whose key is not below `endpoint` in `items` (sorted by
// key_of). Starts at `cursor`: an item there is found at once, one after it by galloping
// forward (a message's endpoints skip some of ours), one before it by binary search. Sets
// `cursor` past a match, or to the index found.
template <class Items, class KeyOf>
std::size_t seek(const Items& items, std::string_view endpoint, std::size_t& cursor, KeyOf key_of) {
  std::size_t low = 0;
  std::size_t high = items.size();
  if (cursor < items.size()) {
    const std::string& here = key_of(items[cursor]);
    if (here == endpoint) return cursor++;
    if (key_below(here, endpoint)) {
      low = cursor + 1;  // everything before `low` is below `endpoint`
      std::size_t step = 1;
      while (low + step <= items.size() && key_below(key_of(items[low + step - 1]), endpoint)) {
        low += step;
        step *= 2;
      }
      high = std::min(items.size(), low + step);
    } else {
      high = cursor;
    }
  }
  auto it = std::lower_bound(items.begin() + static_cast<std::ptrdiff_t>(low),
                             items.begin() + static_cast<std::ptrdiff_t>(high), endpoint,
                             [&](const auto& item, std::string_view key) { return key_below(key_of(item), key); });
  const auto index = static_cast<std::size_t>(it - items.begin());
  cursor = index < items.size() && key_of(*it) == endpoint ? index + 1 : index;
  return index;
}

template <class V>
class EndpointMap {
 public:
  using Entry = std::pair<std::string, V>;

  // The value of `endpoint`, or nullptr.
  const V* find(std::string_view endpoint) const {
    std::size_t cursor = 0;
    return find(endpoint, cursor);
  }
  V* find(std::string_view endpoint) {
    std::size_t cursor = 0;
    return find(endpoint, cursor);
  }
  // find() for a sequence of lookups in address order; see the cursor note above.
  const V* find(std::string_view endpoint, std::size_t& cursor) const {
    const std::size_t i = seek(entries_, endpoint, cursor, key_of);
    return i < entries_.size() && entries_[i].first == endpoint ? &entries_[i].second : nullptr;
  }
  V* find(std::string_view endpoint, std::size_t& cursor) {
    return const_cast<V*>(static_cast<const EndpointMap&>(*this).find(endpoint, cursor));
  }
  bool contains(std::string_view endpoint) const { return find(endpoint) != nullptr; }

  // The value of `endpoint`, inserted as `value` if absent; and whether it was inserted.
  std::pair<V*, bool> try_emplace(std::string_view endpoint, V value = V()) {
    std::size_t cursor = 0;
    const std::size_t i = seek(entries_, endpoint, cursor, key_of);
    if (i < entries_.size() && entries_[i].first == endpoint) return {&entries_[i].second, false};
    auto it = entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(i),
                              Entry{std::string(endpoint), std::move(value)});
    return {&it->second, true};
  }
  void insert_or_assign(std::string_view endpoint, V value) {
    auto [slot, inserted] = try_emplace(endpoint, value);
    if (!inserted) *slot = std::move(value);
  }
  // Whether `endpoint` was there.
  bool erase(std::string_view endpoint) {
    std::size_t cursor = 0;
    const std::size_t i = seek(entries_, endpoint, cursor, key_of);
    if (i == entries_.size() || entries_[i].first != endpoint) return false;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }
  template <class Predicate>
  void erase_if(Predicate predicate) {
    std::erase_if(entries_, predicate);
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Entries in address order; at(i) is the i-th.
  const Entry& at(std::size_t i) const { return entries_[i]; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  static const std::string& key_of(const Entry& entry) { return entry.first; }

  std::vector<Entry> entries_;
};

// A set of endpoint addresses, sorted.
class EndpointSet {
 public:
  bool contains(std::string_view endpoint) const {
    std::size_t cursor = 0;
    return contains(endpoint, cursor);
  }
  // contains() for a sequence of lookups in address order; see the cursor note above.
  bool contains(std::string_view endpoint, std::size_t& cursor) const {
    const std::size_t i = seek(items_, endpoint, cursor, key_of);
    return i < items_.size() && items_[i] == endpoint;
  }
  // Whether it was not there yet.
  bool insert(std::string_view endpoint) {
    std::size_t cursor = 0;
    const std::size_t i = seek(items_, endpoint, cursor, key_of);
    if (i < items_.size() && items_[i] == endpoint) return false;
    items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(i), std::string(endpoint));
    return true;
  }
  // Whether it was there.
  bool erase(std::string_view endpoint) {
    std::size_t cursor = 0;
    const std::size_t i = seek(items_, endpoint, cursor, key_of);
    if (i == items_.size() || items_[i] != endpoint) return false;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::string& at(std::size_t i) const { return items_[i]; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  const std::vector<std::string>& items() const { return items_; }

 private:
  static const std::string& key_of(const std::string& item) { return item; }

  std::vector<std::string> items_;
};

}  // namespace ringcore::gossip
