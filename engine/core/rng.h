#pragma once
// Moved to base/rng.h; kept only until the last include of this path is updated.
#include "base/rng.h"
