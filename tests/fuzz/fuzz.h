/* fuzz.h - the fuzz harnesses' entry points (tests/fuzz/README.md).
 *
 * Each harness is one function from bytes to nothing that must neither
 * crash, leak nor hang on any input.  scripts/fuzz builds each with
 * -DHPS_FUZZER so that FUZZ_TARGET makes it libFuzzer's
 * LLVMFuzzerTestOneInput; tests/fuzz/replay.c links all of them into one
 * ordinary program (make check) that feeds them the corpus and the
 * regression inputs, so the same code runs under gcc, ASan and valgrind.
 */
#ifndef HPS_FUZZ_H
#define HPS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int fuzz_config(const uint8_t *data, size_t size);
int fuzz_metrics(const uint8_t *data, size_t size);
int fuzz_state(const uint8_t *data, size_t size);
int fuzz_tasks(const uint8_t *data, size_t size);

#ifdef HPS_FUZZER
#define FUZZ_TARGET(fn) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		return fn(data, size); \
	}
#else
#define FUZZ_TARGET(fn)
#endif

#endif
