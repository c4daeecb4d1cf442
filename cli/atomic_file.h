// Replacing a file so that a crash at any moment leaves either the old text or the new one,
// never a mix or nothing, and a reader at any moment finds one of them whole: the run journal
// depends on it to resume after a SIGKILL, and `lab stress` reads lab.json while a playbook's
// `lab add` rewrites it.
#pragma once

#include <string>

namespace ringctl {

// Writes `text` to a temporary file beside `path` (named for this process, so two writers never
// share one), fsyncs it, renames it over `path` and fsyncs the directory. Makes the directory when missing. Throws
// ringcore::Error (kFailed) naming the path and the system's reason.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace ringctl
