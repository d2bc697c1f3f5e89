/* test-json-writer.c - the JSON writer (tools/inspect/json-writer.h): string
 * escaping (quotes, control characters, invalid UTF-8, non-BMP characters),
 * nesting in both layouts, numbers (NaN and infinities as null), misuse that
 * never yields invalid output, streaming through a FILE, and every document
 * read back by json-glib's parser, a reader that is not ours. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "json-writer.h"

/* Parses text with json-glib (failing the test if it does not parse); the
 * caller unrefs the parser. */
static JsonParser *parse(const char *text) {
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error),
                "not JSON: %s\n%s", error ? error->message : "", text);
  return parser;
}

/* The literal for length bytes of text, parsed back to the string it holds
 * (g_free it). */
static char *escape_and_read(const char *text, gssize length) {
  GString *out = g_string_new("[");
  ccgc_json_writer_escape(out, text, length);
  g_string_append_c(out, ']');
  ck_assert_msg(g_utf8_validate(out->str, (gssize)out->len, NULL), "not UTF-8: %s", out->str);
  JsonParser *parser = parse(out->str);
  JsonArray *array = json_node_get_array(json_parser_get_root(parser));
  char *read = g_strdup(json_array_get_string_element(array, 0));
  g_object_unref(parser);
  g_string_free(out, TRUE);
  return read;
}

static char *escaped(const char *text, gssize length) {
  GString *out = g_string_new(NULL);
  ccgc_json_writer_escape(out, text, length);
  return g_string_free(out, FALSE);
}

START_TEST(quotes_backslashes_and_control_characters_are_escaped) {
  const char text[] = "say \"hi\"\\ \n\r\t\b\f\x01\x1f end";
  char *literal = escaped(text, -1);
  ck_assert_str_eq(literal, "\"say \\\"hi\\\"\\\\ \\n\\r\\t\\b\\f\\u0001\\u001f end\"");
  g_free(literal);
  char *read = escape_and_read(text, -1);
  ck_assert_str_eq(read, text);
  g_free(read);
  /* An explicit length: a NUL inside is \u0000, not the end. */
  literal = escaped("a\0b", 3);
  ck_assert_str_eq(literal, "\"a\\u0000b\"");
  g_free(literal);
  literal = escaped(NULL, -1);
  ck_assert_str_eq(literal, "\"\"");
  g_free(literal);
}
END_TEST

START_TEST(invalid_utf8_becomes_the_replacement_character) {
  static const struct {
    const char *bytes;
    const char *expected; /* what a reader gets back */
  } cases[] = {
      {"a\x80z", "a\xef\xbf\xbdz"},                          /* stray continuation  */
      {"a\xc3", "a\xef\xbf\xbd"},                            /* truncated at the end */
      {"a\xc3z", "a\xef\xbf\xbdz"},                          /* missing continuation */
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},              /* overlong '/'         */
      {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong, 3 bytes */
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate D800   */
      {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > 10FFFF */
      {"\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},                        /* valid: kept          */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *read = escape_and_read(cases[i].bytes, -1);
    ck_assert_msg(!strcmp(read, cases[i].expected), "case %zu: got '%s'", i, read);
    g_free(read);
  }
}
END_TEST

START_TEST(non_bmp_characters_pass_as_utf8) {
  /* U+1F600 and U+10348: four-byte sequences, one code point each. */
  const char *text = "smile \xf0\x9f\x98\x80 hwair \xf0\x90\x8d\x88";
  char *literal = escaped(text, -1);
  ck_assert(strstr(literal, "\xf0\x9f\x98\x80"));
  g_free(literal);
  char *read = escape_and_read(text, -1);
  ck_assert_str_eq(read, text);
  ck_assert_int_eq(g_utf8_strlen(read, -1), 6 + 1 + 7 + 1);
  g_free(read);
  /* Line and paragraph separators: escaped, read back the same. */
  literal = escaped("\xe2\x80\xa8\xe2\x80\xa9", -1);
  ck_assert_str_eq(literal, "\"\\u2028\\u2029\"");
  g_free(literal);
}
END_TEST

/* A nested document in the compact and the indented layout: the exact text
 * of the compact one, and the same tree from both. */
static void write_nested(ccgc_json_writer *w) {
  ccgc_json_writer_begin_object(w);
  ccgc_json_writer_member_string(w, "name", "x\"y");
  ccgc_json_writer_member_begin_array(w, "list");
  ccgc_json_writer_int(w, -3);
  ccgc_json_writer_begin_object(w);
  ccgc_json_writer_end_object(w);
  ccgc_json_writer_begin_array(w);
  ccgc_json_writer_end_array(w);
  ccgc_json_writer_bool(w, true);
  ccgc_json_writer_null(w);
  ccgc_json_writer_end_array(w);
  ccgc_json_writer_member_begin_object(w, "inner");
  ccgc_json_writer_member_uint(w, "big", UINT64_MAX);
  ccgc_json_writer_member_begin_object(w, "deeper");
  ccgc_json_writer_member_bool(w, "no", false);
  ccgc_json_writer_end_object(w);
  ccgc_json_writer_end_object(w);
  ccgc_json_writer_end_object(w);
}

START_TEST(nesting_in_both_layouts) {
  GString *compact = g_string_new(NULL), *indented = g_string_new(NULL);
  ccgc_json_writer *w = ccgc_json_writer_new_string(compact, 0);
  write_nested(w);
  ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_OK);
  ccgc_json_writer_free(w);
  ck_assert_str_eq(compact->str, "{\"name\":\"x\\\"y\",\"list\":[-3,{},[],true,null],"
                                 "\"inner\":{\"big\":18446744073709551615,"
                                 "\"deeper\":{\"no\":false}}}");
  w = ccgc_json_writer_new_string(indented, 2);
  write_nested(w);
  ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_OK);
  ccgc_json_writer_free(w);
  ck_assert(strstr(indented->str, "\n  \"list\": [\n    -3,\n    {},\n    [],\n"));
  ck_assert(strstr(indented->str, "\n      \"no\": false\n    }\n  }\n}"));
  JsonParser *a = parse(compact->str), *b = parse(indented->str);
  ck_assert(json_node_equal(json_parser_get_root(a), json_parser_get_root(b)));
  JsonObject *root = json_node_get_object(json_parser_get_root(b));
  ck_assert_str_eq(json_object_get_string_member(root, "name"), "x\"y");
  ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(root, "list")), 5);
  g_object_unref(a);
  g_object_unref(b);
  g_string_free(compact, TRUE);
  g_string_free(indented, TRUE);
}
END_TEST

START_TEST(numbers_round_trip_and_non_finite_ones_are_null) {
  static const double values[] = {0.0, -0.0, 0.1, 1.0 / 3, 1e300, -2.5e-300, 123456789.0,
                                  5e-324};
  GString *out = g_string_new(NULL);
  ccgc_json_writer *w = ccgc_json_writer_new_string(out, 0);
  ccgc_json_writer_begin_array(w);
  for (size_t i = 0; i < G_N_ELEMENTS(values); i++) ccgc_json_writer_double(w, values[i]);
  ccgc_json_writer_double(w, NAN);
  ccgc_json_writer_double(w, INFINITY);
  ccgc_json_writer_fixed(w, -INFINITY, 3);
  ccgc_json_writer_fixed(w, 2.0 / 3, 3);
  ccgc_json_writer_fixed(w, 1e20, 3);
  ccgc_json_writer_int(w, INT64_MIN);
  ccgc_json_writer_end_array(w);
  ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_OK);
  ccgc_json_writer_free(w);
  ck_assert_msg(strstr(out->str, ",0.1,"), "0.1 not shortest: %s", out->str);
  ck_assert(strstr(out->str, ",null,null,null,0.667,"));
  JsonParser *parser = parse(out->str);
  JsonArray *array = json_node_get_array(json_parser_get_root(parser));
  size_t n = G_N_ELEMENTS(values);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(json_array_get_double_element(array, (guint)i) == values[i],
                  "value %zu read back differently: %s", i, out->str);
  for (size_t i = n; i < n + 3; i++) ck_assert(json_array_get_null_element(array, (guint)i));
  ck_assert(json_array_get_double_element(array, (guint)n + 4) == 1e20);
  ck_assert(json_array_get_int_element(array, (guint)n + 5) == INT64_MIN);
  g_object_unref(parser);
  g_string_free(out, TRUE);
}
END_TEST

/* Each misuse: the status, a message naming the call, and output that is
 * never more than the valid prefix written before it. */
START_TEST(misuse_sets_an_error_and_stops_writing) {
  static const struct {
    int step;
    const char *message;
  } cases[] = {
      {0, "ccgc_json_writer_int: a value in an object without a key"},
      {1, "ccgc_json_writer_key: a key outside an object"},
      {2, "ccgc_json_writer_end_array: no open array to end"},
      {3, "ccgc_json_writer_end_object: a key without a value"},
      {4, "ccgc_json_writer_null: a second value after the document"},
      {5, "ccgc_json_writer_finish: 1 object(s) or array(s) still open"},
      {6, "ccgc_json_writer_key: key is NULL"},
      {7, "ccgc_json_writer_finish: no value was written"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    GString *out = g_string_new(NULL);
    ccgc_json_writer *w = ccgc_json_writer_new_string(out, 0);
    switch (cases[i].step) {
    case 0: ccgc_json_writer_begin_object(w), ccgc_json_writer_int(w, 1); break;
    case 1: ccgc_json_writer_begin_array(w), ccgc_json_writer_key(w, "k"); break;
    case 2: ccgc_json_writer_begin_object(w), ccgc_json_writer_end_array(w); break;
    case 3: ccgc_json_writer_begin_object(w), ccgc_json_writer_key(w, "k"),
            ccgc_json_writer_end_object(w); break;
    case 4: ccgc_json_writer_int(w, 1), ccgc_json_writer_null(w); break;
    case 5: ccgc_json_writer_begin_array(w); break;
    case 6: ccgc_json_writer_begin_object(w), ccgc_json_writer_key(w, NULL); break;
    case 7: break;
    }
    if (cases[i].step != 5 && cases[i].step != 7) { /* 5, 7: only finish fails */
      size_t length = out->len;
      ccgc_json_writer_string(w, "more"); /* ignored after the error */
      ck_assert_msg(out->len == length, "case %zu: %s", i, out->str);
    }
    ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_E_INVALID_ARGUMENT);
    ck_assert_str_eq(ccgc_json_writer_error(w), cases[i].message);
    ccgc_json_writer_free(w);
    g_string_free(out, TRUE);
  }
  /* NULL everywhere: no crash. */
  ck_assert_ptr_null(ccgc_json_writer_new_file(NULL, 0));
  ck_assert_ptr_null(ccgc_json_writer_new_string(NULL, 0));
  ccgc_json_writer_begin_object(NULL);
  ccgc_json_writer_member_string(NULL, "k", "v");
  ck_assert_int_eq(ccgc_json_writer_finish(NULL), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_json_writer_status(NULL), CCGC_E_INVALID_ARGUMENT);
  ccgc_json_writer_escape(NULL, "x", -1);
  ccgc_json_writer_free(NULL);
}
END_TEST

/* Through a FILE, larger than the buffer (several flushes), strings of
 * random bytes included: one valid document, every element there. */
START_TEST(a_large_stream_of_random_bytes_parses) {
  char *text = NULL;
  size_t size = 0;
  FILE *file = open_memstream(&text, &size);
  ccgc_json_writer *w = ccgc_json_writer_new_file(file, 1);
  GRand *rand = g_rand_new_with_seed(16);
  const guint count = 4000;
  ccgc_json_writer_begin_array(w);
  for (guint i = 0; i < count; i++) {
    char bytes[64];
    size_t length = (size_t)g_rand_int_range(rand, 1, (gint)sizeof bytes);
    for (size_t b = 0; b < length; b++) bytes[b] = (char)g_rand_int_range(rand, 1, 256);
    bytes[length] = '\0';
    if (length == sizeof bytes) bytes[length - 1] = '\0';
    ccgc_json_writer_begin_object(w);
    ccgc_json_writer_member_uint(w, "i", i);
    ccgc_json_writer_member_string(w, "bytes", bytes);
    ccgc_json_writer_end_object(w);
  }
  ccgc_json_writer_end_array(w);
  ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_OK);
  ccgc_json_writer_free(w);
  fclose(file);
  ck_assert_uint_gt(size, 64 * 1024 * 2);
  ck_assert(text[size - 1] == '\n');
  ck_assert(g_utf8_validate(text, (gssize)size, NULL));
  JsonParser *parser = parse(text);
  JsonArray *array = json_node_get_array(json_parser_get_root(parser));
  ck_assert_uint_eq(json_array_get_length(array), count);
  JsonObject *last = json_array_get_object_element(array, count - 1);
  ck_assert_int_eq(json_object_get_int_member(last, "i"), count - 1);
  g_object_unref(parser);
  g_rand_free(rand);
  free(text);
}
END_TEST

/* A write error (a full device) is the status, not a silent success. */
START_TEST(a_write_error_is_reported) {
  FILE *full = fopen("/dev/full", "w");
  if (!full) return; /* no /dev/full here: nothing to test */
  ccgc_json_writer *w = ccgc_json_writer_new_file(full, 0);
  ccgc_json_writer_begin_array(w);
  for (int i = 0; i < 100000; i++) ccgc_json_writer_string(w, "0123456789");
  ccgc_json_writer_end_array(w);
  ck_assert_int_eq(ccgc_json_writer_finish(w), CCGC_E_IO);
  ck_assert(strstr(ccgc_json_writer_error(w), "write failed"));
  ccgc_json_writer_free(w);
  fclose(full);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("json-writer");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, quotes_backslashes_and_control_characters_are_escaped);
  tcase_add_test(tc, invalid_utf8_becomes_the_replacement_character);
  tcase_add_test(tc, non_bmp_characters_pass_as_utf8);
  tcase_add_test(tc, nesting_in_both_layouts);
  tcase_add_test(tc, numbers_round_trip_and_non_finite_ones_are_null);
  tcase_add_test(tc, misuse_sets_an_error_and_stops_writing);
  tcase_add_test(tc, a_large_stream_of_random_bytes_parses);
  tcase_add_test(tc, a_write_error_is_reported);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
