// Where the tests find the checkout and the programs built from it, as absolute paths.
//
// They come from one source file that CMake generates into the build directory (see
// tests/CMakeLists.txt), not from compile definitions: an object compiled with a path in it
// differs in every checkout, so a fresh clone (CI) would compile every test again instead of
// taking it from ccache. The macros keep the names the definitions had.
#pragma once

#include <string>

namespace test_paths {

const char* source_dir();  // the checkout's root
const char* ringctl_bin();
const char* ringd_bin();
const char* ringnode_bin();

// `relative` (a path inside the checkout) as an absolute path.
inline std::string in_source(const std::string& relative) { return std::string(source_dir()) + "/" + relative; }

}  // namespace test_paths

#define RINGCTL_BIN (test_paths::ringctl_bin())
#define RINGD_BIN (test_paths::ringd_bin())
#define RINGNODE_BIN (test_paths::ringnode_bin())
#define RINGCTL_SOURCE_DIR (std::string(test_paths::source_dir()))
#define RINGCTL_DOCS_DIR (test_paths::in_source("docs"))
#define RINGCTL_PLAYBOOKS_DIR (test_paths::in_source("playbooks"))
#define RINGCTL_TEST_DATA_DIR (test_paths::in_source("tests/data"))
#define RINGCTL_VECTORS_DIR (test_paths::in_source("tests/vectors"))
#define CASSANDRA_FIXTURES (test_paths::in_source("tests/agent/fixtures/cassandra"))
