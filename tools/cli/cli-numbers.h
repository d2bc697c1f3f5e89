/* cli-numbers.h - the one number parser of the `ccgc` command's options
 * (cli-options.h): whole numbers, real numbers and sizes, each with a range
 * check and a message that says what the value may be. Pure functions. */
#ifndef CCGC_TOOLS_CLI_NUMBERS_H
#define CCGC_TOOLS_CLI_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The number parser (pure). Each returns true and *out, or false and a
 * message "out of range: a whole number from 1 to 1000000" (what the value
 * may be) in message. Counts are decimal, without sign; numbers are strtod's
 * ("64", "1.5", "1e3"), finite; a size is a number with an optional unit
 * (k, M, G, T, with an optional "B" or "iB": powers of 1024; none: `unit`
 * bytes) that is a whole number of units. */
bool cli_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out,
                     char *message, size_t message_size);
bool cli_parse_number(const char *text, double min, double max, double *out,
                      char *message, size_t message_size);
bool cli_parse_size(const char *text, uint64_t unit, uint64_t min, uint64_t max,
                    uint64_t *out, char *message, size_t message_size);

#endif
