/* hpenv.c - hyperparameter names and values as environment variables. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpenv.h"
#include "xalloc.h"

static int key_maps(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			return 0;
	return 1;
}

char *hpenv_name(const char *const *keys, size_t n)
{
	size_t len = 4;
	char *s, *p;

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!key_maps(keys[i]))
			return NULL;
		len += strlen(keys[i]) + 2;
	}
	s = p = xmalloc(len);
	p += sprintf(p, "HP_");
	for (size_t i = 0; i < n; i++) {
		if (i)
			p += sprintf(p, "__");
		for (const char *k = keys[i]; *k; k++)
			*p++ = (char)toupper((unsigned char)*k);
	}
	*p = '\0';
	return s;
}

void hpenv_format_double(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* Keep a float recognisable as one: 1 -> 1.0, as Python prints it. */
	if (!strpbrk(buf, ".eEn"))
		snprintf(buf + strlen(buf), len - strlen(buf), ".0");
}

char *hpenv_value(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return xstrdup(json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		hpenv_format_double(json_real_value(v), buf, sizeof(buf));
		return xstrdup(buf);
	case JSON_TRUE:
		return xstrdup("true");
	case JSON_FALSE:
		return xstrdup("false");
	default: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
				     JSON_ENCODE_ANY);
		char *r = xstrdup(s ? s : "null");
		free(s);
		return r;
	}
	}
}
