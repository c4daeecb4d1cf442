// `lab up`, `lab add` and `lab list`: the lab's members and their processes, as a table or
// its document (docs/json-output.md).
#pragma once

#include <ostream>
#include <vector>

#include "lab/lab_layout.h"
#include "lab/lab_processes.h"
#include "output.h"

namespace ringctl {

// `processes[i]` belongs to `lab.nodes[i]`.
Document lab_document(const lab::Lab& lab, const std::vector<lab::NodeProcesses>& processes);
void print_lab(const Document& document, std::ostream& out);

}  // namespace ringctl
