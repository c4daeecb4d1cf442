// `lab stress` and `lab verify` results: a few lines of text, or their documents
// (docs/json-output.md).
#pragma once

#include <ostream>

#include "lab/lab_workload.h"
#include "output.h"

namespace ringctl {

Document stress_document(const lab::StressReport& report);
Document verify_document(const lab::VerifyReport& report);
void print_stress(const lab::StressReport& report, std::ostream& out);
void print_verify(const lab::VerifyReport& report, std::ostream& out);

}  // namespace ringctl
