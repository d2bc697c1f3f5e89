/* progress.c - progress of a long run on one line (progress.h). */
#include "progress.h"

#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

double progress_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

double progress_time_left_ms(uint64_t done, uint64_t total, double elapsed_ms) {
  if (done >= total) return 0;
  if (done == 0 || elapsed_ms < 0) return -1;
  return elapsed_ms * (double)(total - done) / (double)done;
}

void progress_format_duration(double ms, char *text, size_t size) {
  if (ms < 0) ms = 0;
  if (ms < 9950) { /* rounds below "10.0 s" */
    snprintf(text, size, "%.1f s", ms / 1e3);
    return;
  }
  long seconds = (long)(ms / 1e3 + 0.5);
  if (seconds < 60) snprintf(text, size, "%ld s", seconds);
  else if (seconds < 3600) snprintf(text, size, "%ld min %02ld s", seconds / 60, seconds % 60);
  else snprintf(text, size, "%ld h %02ld min", seconds / 3600, seconds % 3600 / 60);
}

void progress_format_line(char *text, size_t size, const char *label, const char *unit,
                          uint64_t done, uint64_t total, double elapsed_ms,
                          const char *detail) {
  char elapsed[32], left[48];
  progress_format_duration(elapsed_ms, elapsed, sizeof elapsed);
  double left_ms = progress_time_left_ms(done, total, elapsed_ms);
  if (left_ms < 0) {
    snprintf(left, sizeof left, "time left unknown");
  } else {
    char duration[32];
    progress_format_duration(left_ms, duration, sizeof duration);
    snprintf(left, sizeof left, "about %s left", duration);
  }
  unsigned percent = total ? (unsigned)((double)(done < total ? done : total) * 100 / (double)total)
                           : 100;
  snprintf(text, size, "%s: %llu/%llu %s (%u %%), %s elapsed, %s%s%s", label,
           (unsigned long long)done, (unsigned long long)total, unit, percent, elapsed, left,
           detail ? "; " : "", detail ? detail : "");
}

/* The tenths of the total that `done` has reached. */
static int steps_of(const progress_meter *meter, uint64_t done) {
  if (!meter->total || done >= meter->total) return PROGRESS_LINE_STEPS;
  return (int)((double)done * PROGRESS_LINE_STEPS / (double)meter->total);
}

static size_t terminal_columns(FILE *out) {
  struct winsize size;
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void progress_start(progress_meter *meter, FILE *out, progress_style style, const char *label,
                    const char *unit, uint64_t total, double now_ms) {
  bool in_place = style == PROGRESS_IN_PLACE ||
                  (style == PROGRESS_AUTO && isatty(fileno(out)));
  *meter = (progress_meter){.out = out, .in_place = in_place, .label = label, .unit = unit,
                            .total = total, .start_ms = now_ms, .drawn_ms = -1,
                            .columns = 80};
  if (in_place && style == PROGRESS_AUTO) meter->columns = terminal_columns(out);
}

bool progress_due(const progress_meter *meter, uint64_t done, double now_ms) {
  if (meter->in_place)
    return meter->drawn_ms < 0 || now_ms - meter->drawn_ms >= PROGRESS_REDRAW_MS;
  return steps_of(meter, done) > meter->steps_drawn;
}

void progress_draw(progress_meter *meter, uint64_t done, const char *detail, double now_ms) {
  char line[512];
  progress_format_line(line, sizeof line, meter->label, meter->unit, done, meter->total,
                       now_ms - meter->start_ms, detail);
  if (!meter->in_place) {
    fprintf(meter->out, "%s\n", line);
    meter->steps_drawn = steps_of(meter, done);
    fflush(meter->out);
    return;
  }
  /* One column short of the width: a full line would wrap on some
   * terminals, and "\r" would then redraw only its second row. */
  size_t width = strlen(line);
  if (meter->columns > 1 && width > meter->columns - 1) width = meter->columns - 1;
  size_t blank = meter->drawn_width > width ? meter->drawn_width - width : 0;
  fprintf(meter->out, "\r%.*s%*s", (int)width, line, (int)blank, "");
  fflush(meter->out);
  meter->drawn_width = width;
  meter->drawn_ms = now_ms;
  meter->pending = true;
}

void progress_clear(progress_meter *meter) {
  if (!meter->in_place || !meter->pending) return;
  fprintf(meter->out, "\r%*s\r", (int)meter->drawn_width, "");
  fflush(meter->out);
  meter->drawn_width = 0;
  meter->drawn_ms = -1;
  meter->pending = false;
}

void progress_finish(progress_meter *meter, uint64_t done, const char *detail, double now_ms) {
  if (meter->in_place) {
    progress_draw(meter, done, detail, now_ms);
    fputc('\n', meter->out);
    fflush(meter->out);
    meter->pending = false;
  } else if (steps_of(meter, done) > meter->steps_drawn) {
    progress_draw(meter, done, detail, now_ms);
  }
}
