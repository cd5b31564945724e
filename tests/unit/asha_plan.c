/* Unit tests of Determined's bracket formulas (REFERENCE.md 2.7 vectors). */
#include "config.h"

#include <stdlib.h>

#include "asha_plan.h"
#include "tap.h"

static void test_vectors(void)
{
	int64_t rungs[] = {4, 3, 2}, out[3];
	int64_t t1[] = {9, 3, 1}, t2[] = {40, 10};

	asha_bracket_max_trials(100, 4, rungs, 3, out);
	ok(out[0] == 70 && out[1] == 22 && out[2] == 8,
	   "bracket max trials (100, 4, [4,3,2]) = [70,22,8] (got [%lld,%lld,%lld])",
	   (long long)out[0], (long long)out[1], (long long)out[2]);
	asha_bracket_max_concurrent(11, 3, t1, 3, out);
	ok(out[0] == 4 && out[1] == 4 && out[2] == 3,
	   "bracket concurrency (11, 3, [9,3,1]) = [4,4,3]");
	asha_bracket_max_concurrent(0, 4, t2, 2, out);
	ok(out[0] == 10 && out[1] == 10, "bracket concurrency (0, 4, [40,10]) = [10,10]");
	asha_bracket_max_concurrent(1, 4, t2, 2, out);
	ok(out[0] == 1 && out[1] == 1, "mct below the bracket count is raised to it");
}

static void test_truncation(void)
{
	/* ln(1000)/ln(10) = 2.9999999999999996 under glibc: truncates to 2. */
	is_int(asha_max_rungs(1000, 10, 5, 1000000), 3, "ln(1000)/ln(10) truncates (2+1 rungs)");
	is_int(asha_max_rungs(243, 3, 10, 1000000), 5, "ln(243)/ln(3) truncates (4+1 rungs)");
	is_int(asha_max_rungs(937, 4, 5, 16), 3, "mnist: min(5, 5, 3) = 3");
	is_int(asha_max_rungs(100, 4, 1, 100), 1, "max_rungs caps");
}

static void test_rungs(void)
{
	is_int((long long)asha_rung_units(937, 4, 3, 0), 58, "937/16 -> 58");
	is_int((long long)asha_rung_units(937, 4, 3, 1), 234, "937/4 -> 234");
	is_int((long long)asha_rung_units(937, 4, 3, 2), 937, "top rung = L");
	is_int((long long)asha_rung_units(3, 4, 3, 0), 1, "floor of 1");
}

static struct searcher_config asha(int64_t trials, uint64_t len, int64_t mct,
				   enum asha_mode mode)
{
	struct searcher_config s;

	memset(&s, 0, sizeof(s));
	s.kind = SEARCH_ADAPTIVE_ASHA;
	s.max_trials = trials;
	s.max_concurrent_trials = mct;
	s.divisor = 4;
	s.max_rungs = 5;
	s.mode = mode;
	s.length.unit = UNIT_BATCHES;
	s.length.units = len;
	return s;
}

static void test_plans(void)
{
	struct searcher_config s = asha(16, 937, 16, MODE_STANDARD);
	struct hps_error err;
	struct plan p;

	ok(plan_make(&s, 0, &p, &err) == 0 && p.n == 2, "mnist adaptive: 2 brackets");
	ok(p.b[0].num_rungs == 3 && p.b[0].max_trials == 12 &&
	   p.b[0].max_concurrent_trials == 8 && p.b[0].rung_units[0] == 58 &&
	   p.b[0].rung_units[1] == 234 && p.b[0].rung_units[2] == 937,
	   "bracket 1: 3 rungs [58,234,937], 12 trials, mct 8");
	ok(p.b[1].num_rungs == 2 && p.b[1].max_trials == 4 &&
	   p.b[1].rung_units[0] == 234 && p.b[1].rung_units[1] == 937,
	   "bracket 2: 2 rungs [234,937], 4 trials");
	ok(p.b[0].stopped[0] == 9 && p.b[0].stopped[1] == 2 && p.b[0].stopped[2] == 1,
	   "bracket 1 stops 9, 2, 1");
	is_int((long long)p.total_trials, 16, "16 trials in all");
	is_int((long long)p.total_units, 9 * 58 + 2 * 234 + 937 + 3 * 234 + 937,
	       "total length trained");
	plan_release(&p);

	s = asha(10, 100, 2, MODE_STANDARD);
	ok(plan_make(&s, 0, &p, &err) == 0 && p.n == 2 &&
	   p.b[0].num_rungs == 2 && p.b[0].max_trials == 7 && p.b[0].max_concurrent_trials == 1 &&
	   p.b[1].num_rungs == 1 && p.b[1].max_trials == 3 && p.b[1].max_concurrent_trials == 1,
	   "standard, L=100, 10 trials, mct 2 -> {2 rungs,7,1},{1 rung,3,1}");
	plan_release(&p);

	s = asha(100, 10000, 16, MODE_CONSERVATIVE);
	ok(plan_make(&s, 0, &p, &err) == 0 && p.n == 4 && p.b[0].num_rungs == 4 &&
	   p.b[3].num_rungs == 1, "conservative: rungs [4,3,2,1]");
	plan_release(&p);
	s = asha(100, 10000, 16, MODE_AGGRESSIVE);
	ok(plan_make(&s, 0, &p, &err) == 0 && p.n == 1 && p.b[0].num_rungs == 4,
	   "aggressive: one bracket of R rungs");
	plan_release(&p);

	s = asha(100, 0, 16, MODE_STANDARD);
	ok(plan_make(&s, 0, &p, &err) < 0, "an ASHA plan without length is refused");
}

int main(void)
{
	test_vectors();
	test_truncation();
	test_rungs();
	test_plans();
	return done_testing();
}
