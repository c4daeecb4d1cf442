// The record of acknowledged writes `lab stress` keeps and `lab verify` reads:
// <lab>/workload/<keyspace>.tsv, one line per acknowledged row: key, tab, value digest.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "lab/lab_layout.h"

namespace ringctl::lab {

struct Record {
  std::string key;
  std::string digest;
};

std::string record_path(const Lab& lab, const std::string& keyspace);

// Every recorded row of `keyspace`. Throws ringcore::Error (kNotFound) when nothing was recorded.
std::vector<Record> read_records(const Lab& lab, const std::string& keyspace);

// Appends acknowledged rows to the keyspace's record. Not thread-safe: callers serialise.
class RecordWriter {
 public:
  // Throws ringcore::Error when the record cannot be opened.
  RecordWriter(const Lab& lab, const std::string& keyspace);
  void append(const std::string& key, const std::string& digest);
  // Flushes; throws ringcore::Error naming the file when a write failed.
  void finish();

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace ringctl::lab
