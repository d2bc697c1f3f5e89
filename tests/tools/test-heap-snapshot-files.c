/* test-heap-snapshot-files.c - where a heap snapshot goes and what happens
 * when it cannot get there (ccgc-snapshot.h): names escaped as JSON; a
 * stream that fails (CCGC_E_IO, recorded); ccgc_heap_snapshot_write_file
 * writes a complete file or leaves the old one (or none) in place and no
 * temporary behind; misuse is a status, never a crash. The format:
 * test-heap-snapshot.c. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccgc-events.h"
#include "ccgc-test.h"
#include "heap-snapshot.h"
#include "heap-snapshot-fixture.h"
#include "host.h"

START_TEST(names_are_escaped_as_json) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  const char *tricky = "say \"hi\" \\ back\nslash\ttab\x01\x1f end, caf\xc3\xa9 \xe2\x98\x83";
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f.w->script, &scope);
  v8ish_object_set(f.w->script, app_object(&f), tricky, v8ish_object_new(f.w->script));
  v8ish_object_set(f.w->script, app_object(&f), "bad \xff\xfe utf-8", v8ish_object_new(f.w->script));
  v8ish_handle_scope_close(&scope);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f)); /* parses: valid JSON, valid UTF-8 */
  guint app = node_of(s, ids, app_address(&f));
  ck_assert_int_ge(named_edge(s, app, tricky), 0);
  ck_assert_int_ge(named_edge(s, app, "bad \xef\xbf\xbd\xef\xbf\xbd utf-8"), 0);
  ck_assert(strstr(s->text, "say \\\"hi\\\" \\\\ back\\nslash\\ttab\\u0001\\u001f end"));
  snapshot_free(s);
  GString *json = g_string_new(NULL);
  ccgc_heap_snapshot_append_json_string(json, "\b\f\r\x7f");
  ck_assert_str_eq(json->str, "\"\\b\\f\\r\x7f\"");
  g_string_free(json, TRUE);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

/* A string node is named by all its characters, NUL bytes too (it was cut
 * at the first: "A\0B" named "A"; found by an audit, 2026-12-07). */
START_TEST(a_string_with_nul_bytes_is_named_whole) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f.w->script, &scope);
  v8ish_object_set(f.w->script, app_object(&f), "nul",
                   v8ish_string_new(f.w->script, "A\0B\0", 4));
  /* The bytes C0 80 themselves are not a NUL (they were merged with
   * "A\0B\0": a review found it): invalid UTF-8, U+FFFD each byte. */
  v8ish_object_set(f.w->script, app_object(&f), "c0",
                   v8ish_string_new(f.w->script, "A\xc0\x80" "B\0", 5));
  v8ish_handle_scope_close(&scope);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f)); /* parses: valid JSON */
  ck_assert_msg(strstr(s->text, "\"A\\u0000B\\u0000\""), "no \"A\\u0000B\\u0000\" in the strings");
  ck_assert_msg(strstr(s->text, "\"A\xef\xbf\xbd\xef\xbf\xbd" "B\\u0000\""),
                "the bytes C0 80 were not written as two U+FFFD");
  snapshot_free(s);
  GString *json = g_string_new(NULL);
  ccgc_heap_snapshot_append_json_string(json, "x\xc0\x80y");
  ck_assert_str_eq(json->str, "\"x\\u0000y\"");
  g_string_free(json, TRUE);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

START_TEST(write_errors_are_statuses) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  FILE *full = fopen("/dev/full", "w");
  ck_assert_ptr_nonnull(full);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, ids, full, NULL, NULL), CCGC_E_IO);
  fclose(full);
  ck_assert_int_eq(ccgc_heap_snapshot_write(NULL, ids, stdout, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, NULL, stdout, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, ids, NULL, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(NULL, f.w->collector), CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(NULL, f.button), 0);
  ccgc_heap_snapshot_ids_free(ids);
  ccgc_heap_snapshot_ids_free(NULL);
  fixture_close(&f);
}
END_TEST

/* Files in dir (names, sorted), hidden ones too. */
static char *listing(const char *dir) {
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  for (struct dirent *entry; (entry = readdir(d));)
    if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
      g_ptr_array_add(names, g_strdup(entry->d_name));
  closedir(d);
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  g_ptr_array_add(names, NULL);
  char *joined = g_strjoinv(" ", (char **)names->pdata);
  g_ptr_array_free(names, TRUE);
  return joined;
}

static bool parses(const char *path) {
  JsonParser *parser = json_parser_new();
  bool ok = json_parser_load_from_file(parser, path, NULL);
  g_object_unref(parser);
  return ok;
}

START_TEST(write_file_is_complete_or_absent) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  char *dir = g_dir_make_tmp("ccgc-snapshot-XXXXXX", NULL);
  ck_assert_ptr_nonnull(dir);
  char *path = g_build_filename(dir, "heap.heapsnapshot", NULL);
  /* A fresh file: complete, parses, the stats count its bytes, and nothing
   * else is left in the folder. */
  ccgc_heap_snapshot_stats stats;
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, path, host_options(&f),
                                                 &stats), CCGC_OK);
  struct stat info;
  ck_assert_int_eq(stat(path, &info), 0);
  ck_assert_uint_eq((size_t)info.st_size, stats.bytes);
  ck_assert(parses(path));
  char *files = listing(dir);
  ck_assert_str_eq(files, "heap.heapsnapshot");
  g_free(files);
  /* The same bytes as the stream writer's. */
  char *text = NULL, *again = NULL;
  size_t size = 0, again_size = 0;
  ck_assert(g_file_get_contents(path, &text, &size, NULL));
  FILE *memory = open_memstream(&again, &again_size);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, ids, memory, host_options(&f), NULL),
                   CCGC_OK);
  fclose(memory);
  ck_assert_uint_eq(size, again_size);
  ck_assert(memcmp(text, again, size) == 0);
  free(again);

  /* A folder that does not exist: CCGC_E_IO, recorded with the reason. */
  char *missing = g_build_filename(dir, "no-such-dir", "heap.heapsnapshot", NULL);
  ccgc_collector_clear_error(f.w->collector);
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, missing, NULL, NULL),
                   CCGC_E_IO);
  const ccgc_error *error = ccgc_collector_last_error(f.w->collector);
  ck_assert_ptr_nonnull(error);
  ck_assert_int_eq(error->code, CCGC_E_IO);
  ck_assert_msg(strstr(error->message, "ccgc_heap_snapshot_write_file: cannot write") &&
                    strstr(error->message, "No such file or directory"),
                "%s", error->message);
  g_free(missing);

  /* A failing write: the old file stays as it was and no temporary is
   * left. A folder made read-only refuses the temporary (unless the test
   * runs as root, which may write anyway: then the write succeeds). */
  if (geteuid() != 0) {
    ck_assert_int_eq(chmod(dir, 0500), 0);
    ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, path, NULL, NULL),
                     CCGC_E_IO);
    ck_assert_int_eq(chmod(dir, 0700), 0);
    char *kept = NULL;
    size_t kept_size = 0;
    ck_assert(g_file_get_contents(path, &kept, &kept_size, NULL));
    ck_assert_uint_eq(kept_size, size);
    ck_assert(memcmp(kept, text, size) == 0);
    g_free(kept);
    files = listing(dir);
    ck_assert_str_eq(files, "heap.heapsnapshot");
    g_free(files);
  }
  /* A full device written in place: CCGC_E_IO. */
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, "/dev/full", NULL, NULL),
                   CCGC_E_IO);
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, "", NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(f.w->collector, ids, NULL, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_heap_snapshot_write_file(NULL, ids, path, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  g_free(text);
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

/* A collection's phase callback: the snapshot calls refuse it. */
static ccgc_status in_collection_status;
static ccgc_heap_snapshot_ids *in_collection_ids;
static void snapshot_inside(void *data) {
  ccgc_collector *collector = data;
  in_collection_status = ccgc_heap_snapshot_write(collector, in_collection_ids, stderr, NULL,
                                                  NULL);
}

START_TEST(misuse_is_a_status) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  /* User roots that are no objects, or counted but missing. */
  int not_an_object = 0;
  const void *roots[] = {f.w->document, &not_an_object};
  ccgc_heap_snapshot_options options = {.user_roots = roots, .user_root_count = 2};
  char *text = NULL;
  size_t size = 0;
  FILE *memory = open_memstream(&text, &size);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, ids, memory, &options, NULL),
                   CCGC_E_FOREIGN_POINTER);
  fclose(memory);
  ck_assert_uint_eq(size, 0); /* nothing written */
  free(text);
  ck_assert_ptr_nonnull(strstr(ccgc_collector_last_error(f.w->collector)->message, "user root 1"));
  options.user_roots = NULL;
  ck_assert_int_eq(ccgc_heap_snapshot_write(f.w->collector, ids, stderr, &options, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  /* Inside a collection (a listener's callback): refused, recorded. */
  in_collection_ids = ids;
  ccgc_event_listener listener = {.marking_done = snapshot_inside};
  ck_assert_int_eq(ccgc_collector_add_listener(f.w->collector, &listener, f.w->collector),
                   CCGC_OK);
  in_collection_status = CCGC_OK;
  ccgc_test_collect_verified(f.w->collector);
  ccgc_collector_remove_listener(f.w->collector, &listener, f.w->collector);
  ck_assert_int_eq(in_collection_status, CCGC_E_IN_COLLECTION);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("heap-snapshot-files");
  TCase *tc = tcase_create("files");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, names_are_escaped_as_json);
  tcase_add_test(tc, a_string_with_nul_bytes_is_named_whole);
  tcase_add_test(tc, write_errors_are_statuses);
  tcase_add_test(tc, write_file_is_complete_or_absent);
  tcase_add_test(tc, misuse_is_a_status);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
