// Moved to tests/support/ringnode_cluster.h (the one ringnode cluster harness); this include
// keeps the old path working.
#pragma once

#include "support/ringnode_cluster.h"
