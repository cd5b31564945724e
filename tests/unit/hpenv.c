/* Unit tests of HP_ variable names and values. */
#include "config.h"

#include <stdlib.h>

#include "hpenv.h"
#include "tap.h"

static void name_is(const char *const *keys, size_t n, const char *want)
{
	char *got = hpenv_name(keys, n);

	is_str(got, want, want ? want : "no variable");
	free(got);
}

static void value_is(json_t *v, const char *want)
{
	char *got = hpenv_value(v);

	is_str(got, want, want);
	free(got);
	json_decref(v);
}

int main(void)
{
	const char *lr[] = {"learning_rate"};
	const char *nested[] = {"optimizer", "lr"};
	const char *dash[] = {"drop-out"};
	const char *dot[] = {"a.b"};
	const char *digit[] = {"3d"};
	const char *empty[] = {""};

	name_is(lr, 1, "HP_LEARNING_RATE");
	name_is(nested, 2, "HP_OPTIMIZER__LR");
	name_is(digit, 1, "HP_3D");
	name_is(dash, 1, NULL);
	name_is(dot, 1, NULL);
	name_is(empty, 1, NULL);

	value_is(json_string("adam $(rm -rf /)"), "adam $(rm -rf /)");
	value_is(json_integer(-42), "-42");
	value_is(json_real(0.1), "0.1");
	value_is(json_real(1.0), "1.0");
	value_is(json_real(1e-4), "0.0001");
	value_is(json_real(0.30000000000000004), "0.30000000000000004");
	value_is(json_real(1e300), "1e+300");
	value_is(json_true(), "true");
	value_is(json_false(), "false");
	value_is(json_null(), "null");
	value_is(json_pack("[i,s]", 1, "fish"), "[1,\"fish\"]");
	value_is(json_pack("{s:s,s:s}", "red", "fish", "blue", "fish"),
		 "{\"blue\":\"fish\",\"red\":\"fish\"}");
	return done_testing();
}
