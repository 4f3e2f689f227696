// Counters of the test-build open/connect interposer (xml_interpose.cpp).
#pragma once

namespace xml_test {
void interpose_arm(bool on);
void interpose_clear();
int interposed_opens();
int interposed_connects();
}  // namespace xml_test
