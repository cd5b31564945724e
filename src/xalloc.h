/* xalloc.h - allocators that never return NULL.
 *
 * hpsearch is a short-lived command: when memory runs out there is nothing
 * sensible to recover, so these print one line and abort rather than make
 * every caller carry an error path for malloc.
 */
#ifndef HPS_XALLOC_H
#define HPS_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: p resized to n * size, overflow checked. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xasprintf: a freshly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xvasprintf: the same with a va_list (ap is consumed). */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
