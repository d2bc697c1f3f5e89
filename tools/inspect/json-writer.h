/* json-writer.h - the one JSON writer of ccgc: a streaming writer whose
 * output is valid JSON whatever the strings it is given, and the string
 * escaper it uses. Internal to libccgc (not exported by the shared library);
 * the inspection library, the heap snapshots, `ccgc stats --format json` and
 * `ccgc bench --json` write through it (docs/dependencies.md says why no
 * JSON library).
 *
 * Streaming: nothing but the current nesting is kept; a FILE writer flushes
 * its buffer every 64 KiB, so a snapshot of a 1 GiB heap costs no tree.
 *
 *   ccgc_json_writer *w = ccgc_json_writer_new_file(out, 2);
 *   ccgc_json_writer_begin_object(w);
 *   ccgc_json_writer_member_string(w, "name", name);     any bytes: see below
 *   ccgc_json_writer_member_begin_array(w, "values");
 *   ccgc_json_writer_double(w, 0.25);                    NaN, inf: null
 *   ccgc_json_writer_end_array(w);
 *   ccgc_json_writer_end_object(w);
 *   ccgc_status status = ccgc_json_writer_finish(w);     checks, flushes
 *   ... ccgc_json_writer_error(w) says why when status != CCGC_OK
 *   ccgc_json_writer_free(w);
 *
 * Strings: quotes, backslashes and every control character (U+0000 to
 * U+001F) are escaped, U+2028 and U+2029 too (JavaScript reads JSON then);
 * a byte sequence that is not UTF-8 (a stray continuation byte, a truncated
 * or overlong sequence, a surrogate, a code point past U+10FFFF) becomes
 * U+FFFD, one per offending byte; everything else, non-BMP characters
 * included, is copied as its UTF-8 bytes.
 *
 * Misuse (a value where a key is due, a key in an array, an end that does
 * not match its begin, a second top-level value, a NULL key) never writes
 * invalid JSON: the first one sets the status CCGC_E_INVALID_ARGUMENT with a
 * message naming the call, and every later call does nothing. A failed write
 * to the FILE sets CCGC_E_IO. Finishing an unclosed document is misuse too.
 * After an error the output so far (already flushed, for a FILE) is not a
 * document: discard it (tools/cli/atomic-file.h does for files).
 */
#ifndef CCGC_JSON_WRITER_H
#define CCGC_JSON_WRITER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ccgc-error.h"

typedef struct ccgc_json_writer ccgc_json_writer;

/* Appends text as one JSON string literal, quotes included, escaped as
 * above. length < 0: text ends at its NUL; otherwise length bytes (NULs in
 * them are written as \u0000). NULL text writes "". */
void ccgc_json_writer_escape(GString *out, const char *text, gssize length);
/* The same for text in which the pair C0 80 stands for a NUL byte (Java's
 * "modified UTF-8"): written as \u0000. Heap snapshots keep their strings
 * as C strings so, a script string's NUL bytes among them. */
void ccgc_json_writer_escape_mutf8(GString *out, const char *text);

/* indent: 0 writes one line with no spaces; N > 0 puts each member and
 * element on its own line, indented N spaces per level (at most 8). */
ccgc_json_writer *ccgc_json_writer_new_file(FILE *out, int indent);
/* Appends to out (owned by the caller). */
ccgc_json_writer *ccgc_json_writer_new_string(GString *out, int indent);
void ccgc_json_writer_free(ccgc_json_writer *writer);

void ccgc_json_writer_begin_object(ccgc_json_writer *writer);
void ccgc_json_writer_end_object(ccgc_json_writer *writer);
void ccgc_json_writer_begin_array(ccgc_json_writer *writer);
void ccgc_json_writer_end_array(ccgc_json_writer *writer);
/* The next member's name, inside an object; a value must follow. */
void ccgc_json_writer_key(ccgc_json_writer *writer, const char *key);

/* Values: in an array, after a key, or as the document itself. */
void ccgc_json_writer_string(ccgc_json_writer *writer, const char *text); /* NULL: null */
void ccgc_json_writer_int(ccgc_json_writer *writer, int64_t value);
void ccgc_json_writer_uint(ccgc_json_writer *writer, uint64_t value);
/* The shortest decimal that reads back as value; NaN and infinities: null
 * (JSON has no such numbers). */
void ccgc_json_writer_double(ccgc_json_writer *writer, double value);
/* value with `decimals` digits after the point (0..9), for measurements
 * whose last digits are noise; NaN and infinities: null. Magnitudes of 1e15
 * and more are written as ccgc_json_writer_double does. */
void ccgc_json_writer_fixed(ccgc_json_writer *writer, double value, int decimals);
void ccgc_json_writer_bool(ccgc_json_writer *writer, bool value);
void ccgc_json_writer_null(ccgc_json_writer *writer);

/* A key and its value in one call. */
void ccgc_json_writer_member_string(ccgc_json_writer *writer, const char *key,
                                    const char *text);
void ccgc_json_writer_member_int(ccgc_json_writer *writer, const char *key, int64_t value);
void ccgc_json_writer_member_uint(ccgc_json_writer *writer, const char *key, uint64_t value);
void ccgc_json_writer_member_double(ccgc_json_writer *writer, const char *key, double value);
void ccgc_json_writer_member_fixed(ccgc_json_writer *writer, const char *key, double value,
                                   int decimals);
void ccgc_json_writer_member_bool(ccgc_json_writer *writer, const char *key, bool value);
void ccgc_json_writer_member_null(ccgc_json_writer *writer, const char *key);
void ccgc_json_writer_member_begin_object(ccgc_json_writer *writer, const char *key);
void ccgc_json_writer_member_begin_array(ccgc_json_writer *writer, const char *key);

/* CCGC_OK, or the first misuse or write error. */
ccgc_status ccgc_json_writer_status(const ccgc_json_writer *writer);
/* The first error's message ("ccgc_json_writer_key: a key in an array"), or
 * "" while the status is CCGC_OK. */
const char *ccgc_json_writer_error(const ccgc_json_writer *writer);

/* Checks that exactly one complete value was written, ends a FILE writer's
 * output with a newline and flushes it (fflush included); returns the
 * status. Call once, before ccgc_json_writer_free. */
ccgc_status ccgc_json_writer_finish(ccgc_json_writer *writer);

#endif /* CCGC_JSON_WRITER_H */
