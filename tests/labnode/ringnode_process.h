// Moved to tests/support/ringnode_process.h; this include keeps the old path working.
#pragma once

#include "support/ringnode_process.h"
