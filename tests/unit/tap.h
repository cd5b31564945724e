/* tap.h - a minimal TAP producer for the unit tests (header only).
 *
 * ok(cond, fmt...), is_int(got, want, name), is_str(got, want, name),
 * is_double(got, want, name); done_testing() prints the plan and returns
 * the exit status.  Test-only state lives in this header's statics.
 */
#ifndef HPS_TAP_H
#define HPS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static inline void diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		diag("  got %lld, want %lld", got, want);
	return got == want;
}

static inline int is_str(const char *got, const char *want, const char *name)
{
	int same = got && want ? !strcmp(got, want) : got == want;

	if (!ok(same, "%s", name))
		diag("  got '%s', want '%s'", got ? got : "(null)",
		     want ? want : "(null)");
	return same;
}

static inline int is_double(double got, double want, const char *name)
{
	int same = got == want || (isnan(got) && isnan(want));

	if (!ok(same, "%s", name))
		diag("  got %.17g, want %.17g", got, want);
	return same;
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
