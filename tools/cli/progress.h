/* progress.h - progress of a long run (`ccgc stress`, `ccgc bench --quick`)
 * on standard error, with the time elapsed and an estimate of the time left:
 *
 *   ccgc stress: 450000/1000000 ops (45 %), 1 min 05 s elapsed, about
 *   1 min 19 s left; 920 cycles, 1688 scavenges
 *
 * On a terminal it is ONE line, redrawn in place ("\r") at most every
 * PROGRESS_REDRAW_MS and cut to the terminal's width; anywhere else (a file,
 * a pipe, CI) a new line each time another tenth of the work is done, so a
 * run of any length prints at most about ten lines.
 *
 * The legal order: progress_start; then, as the work advances, progress_due
 * (cheap: no formatting) and, when it says so, progress_draw; progress_finish
 * once at the end (also after a failure: it ends the in-place line). Before
 * any other line goes to the same screen (a table on stdout, a message on
 * stderr), progress_clear erases the in-place line. Time is
 * passed in (progress_now_ms), so that the meter and the pure functions
 * below are tested without a clock. */
#ifndef CCGC_TOOLS_PROGRESS_H
#define CCGC_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_REDRAW_MS 250.0
#define PROGRESS_LINE_STEPS 10 /* lines: one per tenth of the total */

typedef enum progress_style {
  PROGRESS_AUTO,     /* in place if the stream is a terminal, else lines */
  PROGRESS_IN_PLACE, /* one line, redrawn with "\r" */
  PROGRESS_LINES,    /* a line per tenth of the work */
} progress_style;

typedef struct progress_meter {
  FILE *out;
  bool in_place;
  const char *label; /* "ccgc stress" */
  const char *unit;  /* "ops" */
  uint64_t total;
  double start_ms;
  double drawn_ms;    /* when the line was last drawn (in place) */
  int steps_drawn;    /* tenths already announced (lines) */
  size_t drawn_width; /* the in-place line's width on screen */
  size_t columns;     /* the terminal's width (in place) */
  bool pending;       /* an in-place line is on screen without its newline */
} progress_meter;

/* A monotonic clock in milliseconds. */
double progress_now_ms(void);

void progress_start(progress_meter *meter, FILE *out, progress_style style, const char *label,
                    const char *unit, uint64_t total, double now_ms);
/* Whether progress_draw should run now that `done` units are done. */
bool progress_due(const progress_meter *meter, uint64_t done, double now_ms);
/* Draws the line (detail: extra words after "; ", or NULL). */
void progress_draw(progress_meter *meter, uint64_t done, const char *detail, double now_ms);
/* In place: erases the line drawn (blanks over it, back to column 0) so
 * that another line can be written where it was; the next progress_due is
 * true, so the meter comes back below that line. Lines: nothing to do. */
void progress_clear(progress_meter *meter);
/* The last line: in place, redrawn and ended with a newline; lines, the
 * last state unless the line for it was printed. */
void progress_finish(progress_meter *meter, uint64_t done, const char *detail, double now_ms);

/* Pure functions. The estimated time left at the average rate so far:
 * elapsed x (total - done) / done; 0 when done >= total; -1 when unknown
 * (nothing done yet). */
double progress_time_left_ms(uint64_t done, uint64_t total, double elapsed_ms);
/* "0.4 s", "9.9 s", "42 s", "3 min 07 s", "2 h 05 min". */
void progress_format_duration(double ms, char *text, size_t size);
/* The line without "\r" or newline (see the top of this file). */
void progress_format_line(char *text, size_t size, const char *label, const char *unit,
                          uint64_t done, uint64_t total, double elapsed_ms,
                          const char *detail);

#endif
