/* bench-progress.c - progress of a long benchmark on stderr, through the
 * progress meter of tools/cli/progress.h (bench.h). */
#include <stdarg.h>

#include "bench.h"

void bench_progress_start(bench_progress *p, const bench_options *options, const char *label,
                          const char *unit, uint64_t total) {
  *p = (bench_progress){.on = options->progress != NULL,
                        .notes = options->progress ? options->progress : stderr};
  if (p->on)
    progress_start(&p->meter, options->progress, options->progress_style, label, unit, total,
                   progress_now_ms());
}

/* The detail's text, or NULL without one. */
static const char *format_detail(char *text, size_t size, const char *format, va_list args) {
  if (!format) return NULL;
  vsnprintf(text, size, format, args);
  return text;
}

void bench_progress_update(bench_progress *p, uint64_t done, const char *detail, ...) {
  if (!p->on) return;
  double now = progress_now_ms();
  if (!progress_due(&p->meter, done, now)) return;
  char text[160];
  va_list args;
  va_start(args, detail);
  progress_draw(&p->meter, done, format_detail(text, sizeof text, detail, args), now);
  va_end(args);
}

void bench_progress_clear(bench_progress *p) {
  if (p->on) progress_clear(&p->meter);
}

void bench_progress_note(bench_progress *p, const char *format, ...) {
  bench_progress_clear(p);
  va_list args;
  va_start(args, format);
  vfprintf(p->notes, format, args);
  va_end(args);
  fflush(p->notes);
}

void bench_progress_finish(bench_progress *p, uint64_t done, const char *detail, ...) {
  if (!p->on) return;
  char text[160];
  va_list args;
  va_start(args, detail);
  progress_finish(&p->meter, done, format_detail(text, sizeof text, detail, args),
                  progress_now_ms());
  va_end(args);
  p->on = false; /* finished: later calls do nothing */
}
