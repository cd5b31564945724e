/* report_html.c - the report's HTML around the plots: the string buffer and
 * escaping, the style sheet, the header, the trials table and the script.
 *
 * The script holds no data: it sorts the table and builds hover titles
 * from the table and the marks' attributes, so no user string is ever
 * spliced into script text.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_internal.h"
#include "xalloc.h"

static void rb_grow(struct rbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 4096;
	while (b->len + n + 1 > b->cap)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

static void rb_add(struct rbuf *b, const char *s, size_t n)
{
	rb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void rb_puts(struct rbuf *b, const char *s)
{
	rb_add(b, s, strlen(s));
}

void rb_printf(struct rbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	rb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void esc_n(struct rbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rb_puts(b, "&amp;"); break;
		case '<': rb_puts(b, "&lt;"); break;
		case '>': rb_puts(b, "&gt;"); break;
		case '"': rb_puts(b, "&quot;"); break;
		case '\'': rb_puts(b, "&#39;"); break;
		default: rb_add(b, &s[i], 1);
		}
	}
}

void rb_esc(struct rbuf *b, const char *s)
{
	esc_n(b, s, strlen(s));
}

void rb_esc_cut(struct rbuf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max) {
		esc_n(b, s, n);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;	/* not inside a UTF-8 sequence */
	esc_n(b, s, max);
	rb_puts(b, "\xe2\x80\xa6");
}

static const char style[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;padding:24px 32px 48px;background:#f4f5f7;color:#1f2933;"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
	"main{max-width:1320px;margin:0 auto}\n"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px}\n"
	".card,figure{background:#fff;border:1px solid #e1e4e8;border-radius:8px;"
	"box-shadow:0 1px 2px rgba(0,0,0,.04);margin:0 0 20px;padding:16px 20px}\n"
	".sub{color:#616e7c}.state{display:inline-block;padding:1px 10px;border-radius:11px;"
	"font-size:12px;font-weight:600;vertical-align:middle;background:#e4e7eb}\n"
	".state.COMPLETED{background:#d3f2dc;color:#14532d}.state.ERROR{background:#fde2e1;color:#8a1c1c}"
	".state.ACTIVE{background:#dbeafe;color:#1e3a8a}.state.CANCELED,.state.PAUSED{background:#fef3c7;color:#78350f}\n"
	".facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px 24px;margin:14px 0 0}\n"
	".facts div{min-width:0}.facts dt{font-size:12px;color:#616e7c;text-transform:uppercase;letter-spacing:.04em}"
	".facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n"
	"progress{width:120px;vertical-align:middle;margin-right:6px}\n"
	"table.hp{border-collapse:collapse;margin-top:6px}table.hp td{padding:2px 14px 2px 0}"
	"table.hp td:first-child{color:#616e7c}\n"
	"figure figcaption{margin:0 0 6px}figure figcaption b{font-size:16px;margin-right:8px}"
	"figure figcaption span{color:#616e7c}\n"
	"svg{display:block;width:100%;height:auto;font-size:12px}\n"
	"svg text{fill:#52606d}svg .title{fill:#1f2933;font-size:13px;font-weight:600}\n"
	".axis line{stroke:#9aa5b1;stroke-width:1}.axis line.gridl{stroke:#e9ecef}\n"
	".pc .axis text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
	".band{fill:#f5f7fa}\n"
	"path.curve{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round}\n"
	"circle.point{fill:var(--c);stroke:#fff;stroke-width:.6}\n"
	"circle.point:hover,rect.bar:hover{stroke:#111;stroke-width:1.5}\n"
	"path.step{fill:none;stroke:#3949ab;stroke-width:2}\n"
	"circle.best{fill:#3949ab}circle.other{fill:#fff;stroke:#9aa5b1;stroke-width:1.2}\n"
	"polyline.mark{fill:none;stroke:var(--c);stroke-width:1.3;stroke-opacity:.7}\n"
	".dense polyline.mark{stroke-width:.8;stroke-opacity:.3}.dense circle.point{stroke:none;fill-opacity:.6}\n"
	"polyline.mark:hover{stroke-width:3;stroke-opacity:1}\n"
	"rect.reported{fill:#4c78a8}rect.promoted{fill:#f58518}\n"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:0 20px}\n"
	".empty{padding:24px;text-align:center;color:#616e7c;background:#fff;border:1px dashed #cbd2d9;border-radius:8px}\n"
	".tablewrap{max-height:640px;overflow:auto}\n"
	"table.trials{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
	"table.trials th{position:sticky;top:0;background:#f9fafb;text-align:left;padding:6px 10px;"
	"border-bottom:2px solid #e1e4e8;cursor:pointer;white-space:nowrap;user-select:none}\n"
	"table.trials th[aria-sort=ascending]::after{content:' \\25B2'}"
	"table.trials th[aria-sort=descending]::after{content:' \\25BC'}\n"
	"table.trials td{padding:4px 10px;border-bottom:1px solid #eef0f2;white-space:nowrap}\n"
	"table.trials td.n{text-align:right}table.trials tr.top td{background:#eef2ff;font-weight:600}\n"
	"table.trials tbody tr:hover td{background:#f5f7fa}\n";

void html_head(struct report *r)
{
	rb_puts(&r->b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>");
	rb_printf(&r->b, "hpsearch report: experiment %lld (", (long long)r->e->id);
	rb_esc(&r->b, r->e->cfg.name);
	rb_puts(&r->b, ")</title>\n<style>\n");
	rb_puts(&r->b, style);
	css_ramp(&r->b);
	rb_puts(&r->b, "</style>\n</head>\n<body>\n<main>\n");
}

static void fact(struct rbuf *b, const char *dt, const char *dd)
{
	rb_puts(b, "<div><dt>");
	rb_esc(b, dt);
	rb_puts(b, "</dt><dd>");
	rb_esc(b, dd);
	rb_puts(b, "</dd></div>");
}

static void hp_rows(struct report *r, const json_t *hparams)
{
	for (size_t i = 0; i < r->nleaves; i++) {
		char *v = value_text(leaf_value(&r->leaves[i], hparams));
		rb_puts(&r->b, "<tr><td>");
		rb_esc(&r->b, r->leaves[i].name);
		rb_puts(&r->b, "</td><td>");
		rb_esc(&r->b, v);
		rb_puts(&r->b, "</td></tr>");
		free(v);
	}
}

static void best_trial(struct report *r)
{
	const struct trial *t = r->nranked ? r->ranked[0] : NULL;

	rb_puts(&r->b, "<section class=\"card\" id=\"best\">");
	if (!t) {
		rb_puts(&r->b, "<h2>Best trial</h2><p class=\"sub\">None yet: no trial has reported the metric.</p></section>\n");
		return;
	}
	rb_printf(&r->b, "<h2>Best trial: %lld</h2><p>", (long long)t->id);
	rb_esc(&r->b, r->metric);
	rb_printf(&r->b, " <b>%.6g</b> at %llu ", t->best, (unsigned long long)t->best_length);
	rb_esc(&r->b, r->key);
	rb_printf(&r->b, " <span class=\"sub\">(%s, %lld run%s)</span></p>",
		  tstate_name(t->state), (long long)t->runs, t->runs == 1 ? "" : "s");
	rb_puts(&r->b, "<table class=\"hp\">");
	hp_rows(r, t->hparams);
	rb_puts(&r->b, "</table></section>\n");
}

void html_header(struct report *r)
{
	const struct experiment *e = r->e;
	const struct searcher_config *sc = &e->cfg.searcher;
	size_t done = 0, running = 0;
	double progress = 100 * searcher_progress(e->s);
	char buf[160];

	for (size_t i = 0; i < e->n; i++) {
		done += e->t[i].closed;
		running += e->t[i].running;
	}
	rb_printf(&r->b, "<header class=\"card\"><h1>Experiment %lld: ", (long long)e->id);
	rb_esc(&r->b, e->cfg.name);
	rb_printf(&r->b, " <span class=\"state %s\">%s</span></h1>", exp_state_name(e->state),
		  exp_state_name(e->state));
	rb_puts(&r->b, "<dl class=\"facts\">");
	fact(&r->b, "searcher", searcher_kind_name(sc->kind));
	snprintf(buf, sizeof(buf), "%s is better", sc->smaller_is_better ? "smaller" : "larger");
	rb_puts(&r->b, "<div><dt>metric</dt><dd>");
	rb_esc(&r->b, r->metric);
	rb_printf(&r->b, " <span class=\"sub\">(%s)</span></dd></div>", buf);
	rb_printf(&r->b, "<div><dt>progress</dt><dd><progress max=\"100\" value=\"%.1f\"></progress>%.0f%%</dd></div>",
		  progress, progress);
	snprintf(buf, sizeof(buf), "%zu (%zu done, %zu running)", e->n, done, running);
	fact(&r->b, "trials", buf);
	fact(&r->b, "length unit", r->key);
	fact(&r->b, "directory", e->dir);
	rb_puts(&r->b, "</dl></header>\n");
	best_trial(r);
}

static void cell_metric(struct rbuf *b, bool has, double v)
{
	if (has && isfinite(v))
		rb_printf(b, "<td class=\"n\">%.6g</td>", v);
	else
		rb_puts(b, "<td class=\"n\">\xe2\x80\x93</td>");
}

static void table_row(struct report *r, const struct trial *t, bool top)
{
	rb_printf(&r->b, "<tr data-trial=\"%lld\"%s><td class=\"n\">%lld</td><td>%s</td><td>",
		  (long long)t->id, top ? " class=\"top\"" : "", (long long)t->id,
		  tstate_name(t->state));
	rb_esc(&r->b, t->end_reason);
	rb_printf(&r->b, "</td><td class=\"n\">%lld</td><td class=\"n\">%llu</td>",
		  (long long)t->restarts, (unsigned long long)t->length);
	cell_metric(&r->b, t->has_best, t->best);
	cell_metric(&r->b, t->has_latest, t->latest);
	for (size_t i = 0; i < r->nleaves; i++) {
		const json_t *v = leaf_value(&r->leaves[i], t->hparams);
		char *s = value_text(v);
		rb_puts(&r->b, json_is_number(v) ? "<td class=\"n\">" : "<td>");
		rb_esc(&r->b, s);
		rb_puts(&r->b, "</td>");
		free(s);
	}
	rb_puts(&r->b, "</tr>\n");
}

void html_table(struct report *r)
{
	const struct experiment *e = r->e;
	const struct trial *best = r->nranked ? r->ranked[0] : NULL;

	rb_printf(&r->b, "<section class=\"card\"><h2>Trials</h2><p class=\"sub\">%zu trial%s; "
		  "click a column to sort.</p><div class=\"tablewrap\">", e->n, e->n == 1 ? "" : "s");
	rb_puts(&r->b, "<table class=\"trials\" data-plot=\"trials\"><thead><tr>"
		"<th data-type=\"num\">id</th><th>state</th><th>end reason</th>"
		"<th data-type=\"num\">restarts</th><th data-type=\"num\">");
	rb_esc(&r->b, r->key);
	rb_puts(&r->b, "</th><th data-type=\"num\">best ");
	rb_esc(&r->b, r->metric);
	rb_puts(&r->b, "</th><th data-type=\"num\">latest</th>");
	for (size_t i = 0; i < r->nleaves; i++) {
		enum hp_type ty = r->leaves[i].hp->type;
		bool num = ty == HP_INT || ty == HP_DOUBLE || ty == HP_LOG;
		rb_puts(&r->b, num ? "<th data-type=\"num\">" : "<th>");
		rb_esc(&r->b, r->leaves[i].name);
		rb_puts(&r->b, "</th>");
	}
	rb_puts(&r->b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < e->n; i++)
		table_row(r, &e->t[i], &e->t[i] == best);
	rb_puts(&r->b, "</tbody></table></div></section>\n");
}

static const char script[] =
	"(function () {\n"
	"\"use strict\";\n"
	"var table = document.querySelector(\"table.trials\");\n"
	"var heads = table.tHead.rows[0].cells;\n"
	"function key(td, num) {\n"
	"  var s = td.textContent;\n"
	"  return num ? parseFloat(s) : s;\n"
	"}\n"
	"function sortBy(i) {\n"
	"  var th = heads[i], num = th.getAttribute(\"data-type\") === \"num\";\n"
	"  var dir = th.getAttribute(\"aria-sort\") === \"ascending\" ? -1 : 1;\n"
	"  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);\n"
	"  rows.sort(function (a, b) {\n"
	"    var x = key(a.cells[i], num), y = key(b.cells[i], num);\n"
	"    if (num) {\n"
	"      if (isNaN(x)) return isNaN(y) ? 0 : 1;\n"
	"      if (isNaN(y)) return -1;\n"
	"      return (x - y) * dir;\n"
	"    }\n"
	"    return x.localeCompare(y) * dir;\n"
	"  });\n"
	"  for (var k = 0; k < heads.length; k++) heads[k].removeAttribute(\"aria-sort\");\n"
	"  th.setAttribute(\"aria-sort\", dir > 0 ? \"ascending\" : \"descending\");\n"
	"  var f = document.createDocumentFragment();\n"
	"  rows.forEach(function (r) { f.appendChild(r); });\n"
	"  body.appendChild(f);\n"
	"}\n"
	"Array.prototype.forEach.call(heads, function (th, i) {\n"
	"  th.tabIndex = 0;\n"
	"  th.addEventListener(\"click\", function () { sortBy(i); });\n"
	"  th.addEventListener(\"keydown\", function (ev) { if (ev.key === \"Enter\") sortBy(i); });\n"
	"});\n"
	"function tip(m) {\n"
	"  var t = m.getAttribute(\"data-tip\");\n"
	"  var id = m.getAttribute(\"data-trial\");\n"
	"  var row = id && table.querySelector(\"tr[data-trial='\" + parseInt(id, 10) + \"']\");\n"
	"  var lines = [t || (\"trial \" + id)];\n"
	"  if (row) for (var k = 1; k < heads.length; k++)\n"
	"    lines.push(heads[k].textContent + \": \" + row.cells[k].textContent);\n"
	"  return lines.join(\"\\n\");\n"
	"}\n"
	"document.addEventListener(\"mouseover\", function (ev) {\n"
	"  var m = ev.target.closest ? ev.target.closest(\".mark\") : null;\n"
	"  if (!m || m.querySelector(\"title\")) return;\n"
	"  var t = document.createElementNS(m.namespaceURI, \"title\");\n"
	"  t.textContent = tip(m);\n"
	"  m.appendChild(t);\n"
	"});\n"
	"document.body.setAttribute(\"data-script\", \"ok\");\n"
	"})();\n";

void html_tail(struct report *r)
{
	rb_puts(&r->b, "<p class=\"sub\">Written by hpsearch " PACKAGE_VERSION
		"; this file is self-contained.</p>\n</main>\n<script>\n");
	rb_puts(&r->b, script);
	rb_puts(&r->b, "</script>\n</body>\n</html>\n");
}
