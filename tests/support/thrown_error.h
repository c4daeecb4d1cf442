// thrown_error: the ringcore::Error a call throws, so that a test asserts its code and message.
#pragma once

#include <doctest/doctest.h>

#include "ringcore/error.h"

namespace test_support {

// The error `call()` throws; fails the test when it returns or throws something else.
template <class Call>
ringcore::Error thrown_error(Call call) {
  try {
    call();
  } catch (const ringcore::Error& error) {
    return error;
  }
  FAIL("it returned without throwing ringcore::Error");
  return ringcore::Error::failed("");
}

}  // namespace test_support
