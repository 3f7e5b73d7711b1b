// libFuzzer's driver, for the fuzzers' `main.swift`: SwiftPM links each executable with a `main` of its own, which
// takes the place of the one in libFuzzer's runtime, so that `main` hands over to the driver.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
