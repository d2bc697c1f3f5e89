/* test-cli-numbers.c - the one number parser of the command's options
 * (tools/cli/cli-numbers.h): whole numbers, real numbers, sizes with units,
 * range checks and what the messages say the value may be. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "ccgc-test.h"
#include "cli-numbers.h"

static char message[256];

START_TEST(counts_are_decimal_whole_numbers_in_range) {
  uint64_t value = 7;
  ck_assert(cli_parse_count("0", 0, 10, &value, message, sizeof message));
  ck_assert_uint_eq(value, 0);
  ck_assert(cli_parse_count("10", 0, 10, &value, message, sizeof message));
  ck_assert_uint_eq(value, 10);
  ck_assert(cli_parse_count("18446744073709551615", 0, UINT64_MAX, &value, message,
                            sizeof message));
  ck_assert_uint_eq(value, UINT64_MAX);
  const char *bad[] = {"", "11", "-1", "+1", " 1", "1 ", "0x5", "1e1", "1.0", "five",
                       "18446744073709551616"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    value = 7;
    ck_assert_msg(!cli_parse_count(bad[i], 0, 10, &value, message, sizeof message),
                  "'%s' parsed", bad[i]);
    ck_assert_uint_eq(value, 7); /* untouched */
    ck_assert_str_eq(message, "a whole number from 0 to 10");
  }
  ck_assert(!cli_parse_count("0", 1, UINT64_MAX, &value, message, sizeof message));
  ck_assert_str_eq(message, "a whole number, 1 or more");
}
END_TEST

START_TEST(numbers_are_finite_decimals_in_range) {
  double value = 0;
  ck_assert(cli_parse_number("1.5", 1.05, 100, &value, message, sizeof message));
  ck_assert_double_eq(value, 1.5);
  ck_assert(cli_parse_number("1e2", 1.05, 100, &value, message, sizeof message));
  ck_assert_double_eq(value, 100);
  ck_assert(cli_parse_number(".5", 0, 1, &value, message, sizeof message));
  ck_assert_double_eq(value, 0.5);
  const char *bad[] = {"", "1", "100.5", "nan", "inf", "0x10", " 2", "2x", "-2", "1e400"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(!cli_parse_number(bad[i], 1.05, 100, &value, message, sizeof message),
                  "'%s' parsed", bad[i]);
    ck_assert_str_eq(message, "a number from 1.05 to 100");
  }
}
END_TEST

START_TEST(sizes_take_units) {
  const uint64_t MB = 1u << 20;
  uint64_t value = 0;
  struct {
    const char *text;
    uint64_t want;
  } good[] = {{"512", 512},    {"1G", 1024},   {"1.5G", 1536}, {"2g", 2048},  {"64GB", 65536},
              {"1GiB", 1024},  {"3M", 3},      {"1024k", 1},   {"2048KiB", 2}, {"0.5G", 512}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ck_assert_msg(cli_parse_size(good[i].text, MB, 1, 65536, &value, message, sizeof message),
                  "'%s': %s", good[i].text, message);
    ck_assert_uint_eq(value, good[i].want);
  }
  /* not a whole number of MB, out of range, not a size */
  const char *bad[] = {"", "0", "65537", "65T", "100k", "1.5", "1X", "1GBB", "G", "-1G", "1 G"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(!cli_parse_size(bad[i], MB, 1, 65536, &value, message, sizeof message),
                  "'%s' parsed", bad[i]);
    ck_assert_str_eq(message, "a size from 1 MiB to 64 GiB (MiB, or with a unit: k, M, G, T)");
  }
  ck_assert(cli_parse_size("4k", 1, 1, 1u << 20, &value, message, sizeof message));
  ck_assert_uint_eq(value, 4096);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("cli-numbers");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, counts_are_decimal_whole_numbers_in_range);
  tcase_add_test(tc, numbers_are_finite_decimals_in_range);
  tcase_add_test(tc, sizes_take_units);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
