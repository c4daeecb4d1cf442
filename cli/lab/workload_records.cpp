#include "lab/workload_records.h"

#include <filesystem>
#include <sstream>

#include "ringcore/error.h"

namespace ringctl::lab {

std::string record_path(const Lab& lab, const std::string& keyspace) {
  return lab.directory + "/workload/" + keyspace + ".tsv";
}

std::vector<Record> read_records(const Lab& lab, const std::string& keyspace) {
  std::ifstream in(record_path(lab, keyspace));
  if (!in)
    throw ringcore::Error::not_found("nothing recorded for keyspace '" + keyspace + "' (run ringctl lab stress first)");
  std::vector<Record> records;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    Record r;
    if (fields >> r.key >> r.digest) records.push_back(std::move(r));
  }
  return records;
}

RecordWriter::RecordWriter(const Lab& lab, const std::string& keyspace) : path_(record_path(lab, keyspace)) {
  std::error_code error;
  std::filesystem::create_directories(lab.directory + "/workload", error);
  out_.open(path_, std::ios::app);
  if (!out_) throw ringcore::Error::failed("cannot open the record of acknowledged writes " + path_);
}

void RecordWriter::append(const std::string& key, const std::string& digest) { out_ << key << '\t' << digest << '\n'; }

void RecordWriter::finish() {
  out_.flush();
  if (!out_) throw ringcore::Error::failed("could not record the acknowledged writes in " + path_);
}

}  // namespace ringctl::lab
