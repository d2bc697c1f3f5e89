/* json-writer.c - the streaming JSON writer and its string escaper
 * (json-writer.h). The writer keeps one frame per open object or array:
 * whether it is an object, whether it has a member yet, and, in an object,
 * whether a key waits for its value. That is all the state valid output
 * needs; the text goes to a GString that a FILE writer flushes every
 * FLUSH_BYTES. */
#include "json-writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define FLUSH_BYTES (64 * 1024)
#define MAX_INDENT 8

enum frame_flags {
  FRAME_OBJECT = 1,    /* else an array */
  FRAME_NOT_EMPTY = 2, /* a member or element was written */
  FRAME_KEYED = 4,     /* an object's key waits for its value */
};

struct ccgc_json_writer {
  FILE *file;       /* NULL: a string writer */
  GString *out;     /* the buffer (FILE) or the caller's string */
  GByteArray *frames;
  int indent;
  bool done;        /* the top-level value is complete */
  bool finished;
  ccgc_status status;
  char error[160];
};

/* --- strings --------------------------------------------------------------------- */

static void append_unicode_escape(GString *out, unsigned code) {
  g_string_append_printf(out, "\\u%04x", code);
}

/* The code point of a valid UTF-8 sequence at text (at most `left` bytes) and
 * its length in *size, or -1 if the bytes there are not one: a stray or
 * missing continuation byte, an overlong form, a surrogate, past U+10FFFF. */
static int32_t decode_utf8(const unsigned char *text, size_t left, size_t *size) {
  unsigned char lead = text[0];
  size_t length;
  uint32_t code, minimum;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2, code = lead & 0x1f, minimum = 0x80;
  else if (lead >= 0xe0 && lead <= 0xef) length = 3, code = lead & 0x0f, minimum = 0x800;
  else if (lead >= 0xf0 && lead <= 0xf4) length = 4, code = lead & 0x07, minimum = 0x10000;
  else return -1; /* 0x80..0xc1 (continuation, overlong 2-byte), 0xf5..0xff */
  if (length > left) return -1;
  for (size_t i = 1; i < length; i++) {
    if ((text[i] & 0xc0) != 0x80) return -1;
    code = code << 6 | (text[i] & 0x3f);
  }
  if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return -1;
  *size = length;
  return (int32_t)code;
}

static void escape(GString *out, const char *text, gssize length, bool mutf8) {
  if (!out) return;
  if (!text) text = "", length = 0;
  size_t left = length < 0 ? strlen(text) : (size_t)length;
  const unsigned char *at = (const unsigned char *)text;
  g_string_append_c(out, '"');
  while (left > 0) {
    unsigned char byte = *at;
    if (byte < 0x80) {
      switch (byte) {
      case '"': g_string_append(out, "\\\""); break;
      case '\\': g_string_append(out, "\\\\"); break;
      case '\n': g_string_append(out, "\\n"); break;
      case '\r': g_string_append(out, "\\r"); break;
      case '\t': g_string_append(out, "\\t"); break;
      case '\b': g_string_append(out, "\\b"); break;
      case '\f': g_string_append(out, "\\f"); break;
      default:
        if (byte < 0x20) append_unicode_escape(out, byte);
        else g_string_append_c(out, (char)byte);
      }
      at++, left--;
      continue;
    }
    if (mutf8 && byte == 0xc0 && left >= 2 && at[1] == 0x80) {
      append_unicode_escape(out, 0); /* a NUL byte of the text */
      at += 2, left -= 2;
      continue;
    }
    size_t size = 0;
    int32_t code = decode_utf8(at, left, &size);
    if (code < 0) {
      g_string_append(out, "\xef\xbf\xbd"); /* U+FFFD for this one byte */
      at++, left--;
    } else {
      if (code == 0x2028 || code == 0x2029) append_unicode_escape(out, (unsigned)code);
      else g_string_append_len(out, (const char *)at, (gssize)size);
      at += size, left -= size;
    }
  }
  g_string_append_c(out, '"');
}

void ccgc_json_writer_escape(GString *out, const char *text, gssize length) {
  escape(out, text, length, false);
}

void ccgc_json_writer_escape_mutf8(GString *out, const char *text) {
  escape(out, text, -1, true);
}

/* --- the writer ------------------------------------------------------------------ */

static ccgc_json_writer *writer_new(FILE *file, GString *out, int indent) {
  ccgc_json_writer *w = g_new0(ccgc_json_writer, 1);
  w->file = file;
  w->out = out ? out : g_string_sized_new(FLUSH_BYTES + 4096);
  w->frames = g_byte_array_new();
  w->indent = indent < 0 ? 0 : indent > MAX_INDENT ? MAX_INDENT : indent;
  return w;
}

ccgc_json_writer *ccgc_json_writer_new_file(FILE *out, int indent) {
  return out ? writer_new(out, NULL, indent) : NULL;
}

ccgc_json_writer *ccgc_json_writer_new_string(GString *out, int indent) {
  return out ? writer_new(NULL, out, indent) : NULL;
}

void ccgc_json_writer_free(ccgc_json_writer *w) {
  if (!w) return;
  if (w->file) g_string_free(w->out, TRUE);
  g_byte_array_free(w->frames, TRUE);
  g_free(w);
}

ccgc_status ccgc_json_writer_status(const ccgc_json_writer *w) {
  return w ? w->status : CCGC_E_INVALID_ARGUMENT;
}

const char *ccgc_json_writer_error(const ccgc_json_writer *w) {
  return w ? w->error : "ccgc_json_writer: no writer (NULL)";
}

__attribute__((format(printf, 3, 4))) static void fail(ccgc_json_writer *w, ccgc_status status,
                                                       const char *format, ...) {
  if (w->status != CCGC_OK) return;
  w->status = status;
  va_list args;
  va_start(args, format);
  vsnprintf(w->error, sizeof w->error, format, args);
  va_end(args);
}

static void flush(ccgc_json_writer *w, size_t threshold) {
  if (!w->file || w->out->len < threshold) return;
  if (w->status == CCGC_OK && fwrite(w->out->str, 1, w->out->len, w->file) != w->out->len)
    fail(w, CCGC_E_IO, "ccgc_json_writer: write failed");
  g_string_truncate(w->out, 0);
}

static uint8_t *top(ccgc_json_writer *w) {
  return w->frames->len ? &w->frames->data[w->frames->len - 1] : NULL;
}

static void newline(ccgc_json_writer *w, size_t depth) {
  if (!w->indent) return;
  g_string_append_c(w->out, '\n');
  for (size_t i = 0; i < depth * (size_t)w->indent; i++) g_string_append_c(w->out, ' ');
}

/* Where a value may go: true (and the separator written) if here. */
static bool begin_value(ccgc_json_writer *w, const char *call) {
  if (!w || w->status != CCGC_OK) return false;
  uint8_t *frame = top(w);
  if (!frame) {
    if (w->done) {
      fail(w, CCGC_E_INVALID_ARGUMENT, "%s: a second value after the document", call);
      return false;
    }
    return true;
  }
  if (*frame & FRAME_OBJECT) {
    if (!(*frame & FRAME_KEYED)) {
      fail(w, CCGC_E_INVALID_ARGUMENT, "%s: a value in an object without a key", call);
      return false;
    }
    *frame &= (uint8_t)~FRAME_KEYED;
    return true;
  }
  if (*frame & FRAME_NOT_EMPTY) g_string_append_c(w->out, ',');
  *frame |= FRAME_NOT_EMPTY;
  newline(w, w->frames->len);
  return true;
}

/* After a scalar or a closed container. */
static void end_value(ccgc_json_writer *w) {
  if (!w->frames->len) w->done = true;
  flush(w, FLUSH_BYTES);
}

static void open_container(ccgc_json_writer *w, bool object, const char *call) {
  if (!begin_value(w, call)) return;
  g_string_append_c(w->out, object ? '{' : '[');
  uint8_t frame = object ? FRAME_OBJECT : 0;
  g_byte_array_append(w->frames, &frame, 1);
}

static void close_container(ccgc_json_writer *w, bool object, const char *call) {
  if (!w || w->status != CCGC_OK) return;
  uint8_t *frame = top(w);
  if (!frame || ((*frame & FRAME_OBJECT) != 0) != object) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "%s: no open %s to end", call,
         object ? "object" : "array");
    return;
  }
  if (*frame & FRAME_KEYED) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "%s: a key without a value", call);
    return;
  }
  bool empty = !(*frame & FRAME_NOT_EMPTY);
  g_byte_array_set_size(w->frames, w->frames->len - 1);
  if (!empty) newline(w, w->frames->len);
  g_string_append_c(w->out, object ? '}' : ']');
  end_value(w);
}

void ccgc_json_writer_begin_object(ccgc_json_writer *w) {
  open_container(w, true, "ccgc_json_writer_begin_object");
}

void ccgc_json_writer_end_object(ccgc_json_writer *w) {
  close_container(w, true, "ccgc_json_writer_end_object");
}

void ccgc_json_writer_begin_array(ccgc_json_writer *w) {
  open_container(w, false, "ccgc_json_writer_begin_array");
}

void ccgc_json_writer_end_array(ccgc_json_writer *w) {
  close_container(w, false, "ccgc_json_writer_end_array");
}

void ccgc_json_writer_key(ccgc_json_writer *w, const char *key) {
  if (!w || w->status != CCGC_OK) return;
  uint8_t *frame = top(w);
  if (!frame || !(*frame & FRAME_OBJECT)) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "ccgc_json_writer_key: a key outside an object");
    return;
  }
  if (*frame & FRAME_KEYED) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "ccgc_json_writer_key: a key after a key");
    return;
  }
  if (!key) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "ccgc_json_writer_key: key is NULL");
    return;
  }
  if (*frame & FRAME_NOT_EMPTY) g_string_append_c(w->out, ',');
  *frame |= FRAME_NOT_EMPTY | FRAME_KEYED;
  newline(w, w->frames->len);
  ccgc_json_writer_escape(w->out, key, -1);
  g_string_append(w->out, w->indent ? ": " : ":");
}

static void scalar(ccgc_json_writer *w, const char *text, const char *call) {
  if (!begin_value(w, call)) return;
  g_string_append(w->out, text);
  end_value(w);
}

void ccgc_json_writer_string(ccgc_json_writer *w, const char *text) {
  if (!text) {
    scalar(w, "null", "ccgc_json_writer_string");
    return;
  }
  if (!begin_value(w, "ccgc_json_writer_string")) return;
  ccgc_json_writer_escape(w->out, text, -1);
  end_value(w);
}

void ccgc_json_writer_int(ccgc_json_writer *w, int64_t value) {
  char text[32];
  snprintf(text, sizeof text, "%" PRId64, value);
  scalar(w, text, "ccgc_json_writer_int");
}

void ccgc_json_writer_uint(ccgc_json_writer *w, uint64_t value) {
  char text[32];
  snprintf(text, sizeof text, "%" PRIu64, value);
  scalar(w, text, "ccgc_json_writer_uint");
}

/* The shortest of %.15g, %.16g, %.17g that reads back as value. */
static void format_shortest(char *text, size_t size, double value) {
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(text, (gint)size, formats[i], value);
    if (g_ascii_strtod(text, NULL) == value) return;
  }
}

void ccgc_json_writer_double(ccgc_json_writer *w, double value) {
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(value)) {
    scalar(w, "null", "ccgc_json_writer_double");
    return;
  }
  format_shortest(text, sizeof text, value);
  scalar(w, text, "ccgc_json_writer_double");
}

void ccgc_json_writer_fixed(ccgc_json_writer *w, double value, int decimals) {
  char text[64], format[8];
  if (!isfinite(value)) {
    scalar(w, "null", "ccgc_json_writer_fixed");
    return;
  }
  if (fabs(value) >= 1e15) {
    format_shortest(text, sizeof text, value);
  } else {
    snprintf(format, sizeof format, "%%.%df", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals);
    g_ascii_formatd(text, sizeof text, format, value);
  }
  scalar(w, text, "ccgc_json_writer_fixed");
}

void ccgc_json_writer_bool(ccgc_json_writer *w, bool value) {
  scalar(w, value ? "true" : "false", "ccgc_json_writer_bool");
}

void ccgc_json_writer_null(ccgc_json_writer *w) {
  scalar(w, "null", "ccgc_json_writer_null");
}

void ccgc_json_writer_member_string(ccgc_json_writer *w, const char *key, const char *text) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_string(w, text);
}

void ccgc_json_writer_member_int(ccgc_json_writer *w, const char *key, int64_t value) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_int(w, value);
}

void ccgc_json_writer_member_uint(ccgc_json_writer *w, const char *key, uint64_t value) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_uint(w, value);
}

void ccgc_json_writer_member_double(ccgc_json_writer *w, const char *key, double value) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_double(w, value);
}

void ccgc_json_writer_member_fixed(ccgc_json_writer *w, const char *key, double value,
                                   int decimals) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_fixed(w, value, decimals);
}

void ccgc_json_writer_member_bool(ccgc_json_writer *w, const char *key, bool value) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_bool(w, value);
}

void ccgc_json_writer_member_null(ccgc_json_writer *w, const char *key) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_null(w);
}

void ccgc_json_writer_member_begin_object(ccgc_json_writer *w, const char *key) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_begin_object(w);
}

void ccgc_json_writer_member_begin_array(ccgc_json_writer *w, const char *key) {
  ccgc_json_writer_key(w, key);
  ccgc_json_writer_begin_array(w);
}

ccgc_status ccgc_json_writer_finish(ccgc_json_writer *w) {
  if (!w) return CCGC_E_INVALID_ARGUMENT;
  if (w->finished) {
    fail(w, CCGC_E_INVALID_ARGUMENT, "ccgc_json_writer_finish: called twice");
    return w->status;
  }
  w->finished = true;
  if (w->frames->len)
    fail(w, CCGC_E_INVALID_ARGUMENT,
         "ccgc_json_writer_finish: %u object(s) or array(s) still open", w->frames->len);
  else if (!w->done)
    fail(w, CCGC_E_INVALID_ARGUMENT, "ccgc_json_writer_finish: no value was written");
  if (!w->file) return w->status;
  if (w->status == CCGC_OK) g_string_append_c(w->out, '\n');
  flush(w, 0);
  if (fflush(w->file) != 0 || ferror(w->file))
    fail(w, CCGC_E_IO, "ccgc_json_writer_finish: write failed");
  return w->status;
}
