#include <gtest/gtest.h>

#include "core/encode.h"
#include "core/packet.h"

TEST(Placeholder, Builds) { SUCCEED(); }
