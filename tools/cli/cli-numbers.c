/* cli-numbers.c - the one number parser of the command's options
 * (cli-numbers.h). */
#include "cli-numbers.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Decimal digits, a point and an exponent only: strtod alone would also take
 * "0x1p3", "inf", "nan" and leading blanks. */
static bool plain_decimal(const char *text, size_t length) {
  if (length == 0 || !(isdigit((unsigned char)text[0]) || text[0] == '.')) return false;
  for (size_t i = 0; i < length; i++)
    if (!isdigit((unsigned char)text[i]) && !strchr(".eE+-", text[i])) return false;
  return true;
}

static void count_range(uint64_t min, uint64_t max, char *message, size_t size) {
  if (max == UINT64_MAX)
    snprintf(message, size, "a whole number, %llu or more", (unsigned long long)min);
  else
    snprintf(message, size, "a whole number from %llu to %llu", (unsigned long long)min,
             (unsigned long long)max);
}

bool cli_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out,
                     char *message, size_t message_size) {
  size_t length = strlen(text);
  bool digits = length > 0;
  for (size_t i = 0; i < length; i++) digits = digits && isdigit((unsigned char)text[i]);
  char *end;
  errno = 0;
  unsigned long long value = digits ? strtoull(text, &end, 10) : 0;
  if (!digits || errno || *end || value < min || value > max) {
    count_range(min, max, message, message_size);
    return false;
  }
  *out = value;
  return true;
}

bool cli_parse_number(const char *text, double min, double max, double *out, char *message,
                      size_t message_size) {
  char *end;
  errno = 0;
  double value = plain_decimal(text, strlen(text)) ? strtod(text, &end) : NAN;
  if (isnan(value) || errno || *end || !isfinite(value) || value < min || value > max) {
    snprintf(message, message_size, "a number from %g to %g", min, max);
    return false;
  }
  *out = value;
  return true;
}

/* "64 MiB", "1.5 GiB", "512 bytes": a size for messages. */
static void format_size(double bytes, char *text, size_t size) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024) {
    bytes /= 1024;
    unit++;
  }
  snprintf(text, size, "%g %s", bytes, units[unit]);
}

bool cli_parse_size(const char *text, uint64_t unit, uint64_t min, uint64_t max,
                    uint64_t *out, char *message, size_t message_size) {
  /* The number, then an optional unit: k, M, G or T, then B or iB. */
  size_t number_length = strspn(text, "0123456789.");
  const char *suffix = text + number_length;
  double multiplier = (double)unit;
  static const char letters[] = "kmgt";
  const char *letter = *suffix ? strchr(letters, tolower((unsigned char)*suffix)) : NULL;
  bool suffix_ok = *suffix == '\0';
  if (letter) {
    multiplier = ldexp(1.0, 10 * (int)(letter - letters + 1));
    const char *rest = suffix + 1;
    suffix_ok = !*rest || !strcasecmp(rest, "b") || !strcasecmp(rest, "ib");
  }
  double units = NAN;
  if (suffix_ok && plain_decimal(text, number_length)) {
    char *copy = strndup(text, number_length), *end;
    errno = 0;
    double value = strtod(copy, &end);
    if (!errno && !*end) units = value * multiplier / (double)unit;
    free(copy);
  }
  if (isnan(units) || units != floor(units) || units < (double)min || units > (double)max) {
    char low[32], high[32], one[32];
    format_size((double)min * (double)unit, low, sizeof low);
    format_size((double)max * (double)unit, high, sizeof high);
    format_size((double)unit, one, sizeof one);
    snprintf(message, message_size, "a size from %s to %s (%s, or with a unit: k, M, G, T)",
             low, high, strchr(one, ' ') + 1);
    return false;
  }
  *out = (uint64_t)units;
  return true;
}
