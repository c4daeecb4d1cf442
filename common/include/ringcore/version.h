// The project's version, "MAJOR.MINOR.PATCH", for every program's --version.
#pragma once

namespace ringcore {

// project(VERSION) of the top CMakeLists.txt, the one place it is written: CMake configures
// common/version.cpp.in into the build tree with it.
const char* version();

}  // namespace ringcore
