#include "views/streamthroughput_view.h"

#include <cmath>
#include <string>

#include "text/java_format.h"

namespace ringctl {
namespace {

double mib_of(const nlohmann::json& streams) {
  if (!streams.is_object()) return 0;
  const auto it = streams.find("throughput_mib_per_second");
  return it != streams.end() && it->is_number() ? it->get<double>() : 0;
}

}  // namespace

void print_streamthroughput(const nlohmann::json& streams, bool in_mib, std::ostream& out) {
  const double mib = mib_of(streams);
  out << "Current stream throughput: ";
  if (mib <= 0) {
    out << "unlimited\n";
  } else if (in_mib) {
    out << format_java_double(mib) << " MiB/s\n";
  } else {
    const double megabits = megabits_per_second(mib);
    const bool whole = megabits == std::floor(megabits);
    out << (whole ? std::to_string(static_cast<long long>(megabits)) : format_java_double(megabits)) << " Mb/s\n";
  }
}

Document streamthroughput_document(const nlohmann::json& streams) {
  const double mib = mib_of(streams);
  return {{"mib_per_second", mib}, {"megabits_per_second", megabits_per_second(mib)}, {"unlimited", mib <= 0}};
}

}  // namespace ringctl
