/* attribute-scan.c - the loader's guard against gumbo's quadratic attribute
 * check (host-internal.h, docs/host-model.md): one linear pass over the page
 * finds a tag with more than CCGC_HOST_MAX_ATTRIBUTES attributes before the
 * parser sees it, or <html> or <body> start tags with more together (the tree
 * builder merges a later one's attributes into the element).
 *
 * The pass reads tags as the HTML standard's tokenizer does (a tag name, then
 * attributes: a name, maybe '=' and a value, quoted or not) and counts every
 * attribute token, duplicates too (gumbo compares those as well), so it never
 * counts fewer than the parser compares. To refuse no page for text that only
 * looks like a crowded tag, it skips what the tokenizer reads as no tags:
 * comments (with the standard's ends: "-->", "--!>", "<!-->", "<!--->"),
 * bogus comments and doctypes ("<!...>", "<?...>", "</ ...>"), the raw text
 * of script (with its escapes: "<!--" and a nested "<script>" move its end),
 * style, xmp, iframe, noembed, noframes, the RCDATA of title and textarea,
 * and everything after plaintext.
 *
 * Skipping is right only when the tokenizer is in the state the pass thinks
 * it is in, and the tree builder decides some of those states: inside <svg>
 * and <math> a <script> or <style> holds tags and "<![CDATA[" is a section;
 * in a <select> or a <frameset> the tree builder ignores <title>, <style>,
 * <xmp>... start tags, whose contents are then tags. A page that has any of
 * "<svg", "<math", "<select" or "<frameset" is therefore scanned without
 * skipping: every '<' and a letter is read as a tag, which may count a
 * script's text but never misses a tag. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "host-internal.h"

/* The tokenizer's whitespace (CR is read as LF). */
static bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool starts(const char *html, size_t size, size_t at, const char *what) {
  size_t length = strlen(what);
  return size - at >= length && !memcmp(html + at, what, length);
}

static bool starts_ci(const char *html, size_t size, size_t at, const char *what) {
  size_t length = strlen(what);
  return size - at >= length && !g_ascii_strncasecmp(html + at, what, length);
}

/* After a tag name: whitespace, '/' or '>' ends it. */
static bool ends_name(const char *html, size_t size, size_t at) {
  return at < size && (blank(html[at]) || html[at] == '/' || html[at] == '>');
}

/* "</NAME" followed by what ends a tag name (an appropriate end tag). */
static bool end_tag_at(const char *html, size_t size, size_t at, const char *name) {
  return starts(html, size, at, "</") && starts_ci(html, size, at + 2, name) &&
         ends_name(html, size, at + 2 + strlen(name));
}

static size_t find(const char *html, size_t size, size_t from, const char *what) {
  size_t length = strlen(what);
  for (const char *at = html + from; size - (size_t)(at - html) >= length;) {
    at = memchr(at, what[0], size - (size_t)(at - html) - length + 1);
    if (!at) break;
    if (!memcmp(at, what, length)) return (size_t)(at - html);
    at++;
  }
  return size;
}

/* Where a comment that starts at `at` ("<!--") ends: the earliest of the
 * standard's ends. */
static size_t comment_end(const char *html, size_t size, size_t at) {
  size_t body = at + 4;
  if (starts(html, size, body, ">")) return body + 1;
  if (starts(html, size, body, "->")) return body + 2;
  size_t dashes = find(html, size, body, "-->");
  size_t bang = find(html, size, body, "--!>");
  return dashes <= bang ? (dashes < size ? dashes + 3 : size) : bang + 4;
}

/* Where the text of a script that starts at `at` ends: the "</script" that
 * ends it, through the script data states (escaped after "<!--", double
 * escaped after a "<script" in there, back after "-->"). */
static size_t script_end(const char *html, size_t size, size_t at) {
  enum { DATA, ESCAPED, DOUBLE_ESCAPED } state = DATA;
  while (at < size) {
    if (state != DOUBLE_ESCAPED && end_tag_at(html, size, at, "script")) return at;
    if (state == DATA && starts(html, size, at, "<!--")) {
      state = ESCAPED;
      at += 2; /* the dashes may close it again: "<!-->" */
    } else if (state != DATA && starts(html, size, at, "-->")) {
      state = DATA;
      at += 3;
    } else if (state == ESCAPED && html[at] == '<' && starts_ci(html, size, at + 1, "script") &&
               ends_name(html, size, at + 7)) {
      state = DOUBLE_ESCAPED;
      at += 7;
    } else if (state == DOUBLE_ESCAPED && end_tag_at(html, size, at, "script")) {
      state = ESCAPED;
      at += 8;
    } else {
      at++;
    }
  }
  return size;
}

/* The text after a start tag of NAME that the tokenizer reads as text ends
 * where, or `at` when NAME's contents are tags. */
static size_t raw_text_end(const char *html, size_t size, size_t at, const char *name,
                           size_t length) {
  static const char *const raw[] = {"style",    "xmp",   "iframe",  "noembed",
                                    "noframes", "title", "textarea"};
  if (length == 6 && !g_ascii_strncasecmp(name, "script", 6)) return script_end(html, size, at);
  if (length == 9 && !g_ascii_strncasecmp(name, "plaintext", 9)) return size;
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    if (length != strlen(raw[i]) || g_ascii_strncasecmp(name, raw[i], length)) continue;
    for (size_t end = find(html, size, at, "</"); end < size; end = find(html, size, end + 2, "</"))
      if (end_tag_at(html, size, end, raw[i])) return end;
    return size;
  }
  return at;
}

/* Reads the tag whose name starts at `at`: its attributes counted, as the
 * tokenizer reads them. Returns where the tag ends (after its '>', or the
 * end of the page); *crowded when it has more than the limit, *name_end
 * where its name ends, *attributes how many it has (up to the limit + 1). */
static size_t scan_tag(const char *html, size_t size, size_t at, bool *crowded,
                       size_t *name_end, size_t *attributes) {
  size_t i = at;
  while (i < size && !ends_name(html, size, i)) i++;
  *name_end = i;
  *attributes = 0;
  for (;;) {
    while (i < size && (blank(html[i]) || html[i] == '/')) i++;
    if (i >= size) return size;
    if (html[i] == '>') return i + 1;
    i++; /* the name's first character, even '=' */
    while (i < size && !blank(html[i]) && html[i] != '/' && html[i] != '>' && html[i] != '=')
      i++;
    if (++*attributes > CCGC_HOST_MAX_ATTRIBUTES) {
      *crowded = true;
      return i;
    }
    while (i < size && blank(html[i])) i++;
    if (i >= size || html[i] != '=') continue;
    i++;
    while (i < size && blank(html[i])) i++;
    if (i < size && (html[i] == '"' || html[i] == '\'')) {
      const char *close = memchr(html + i + 1, html[i], size - i - 1);
      i = close ? (size_t)(close - html) + 1 : size;
    } else {
      while (i < size && !blank(html[i]) && html[i] != '>') i++;
    }
  }
}

/* Does the page name an element whose contents the tree builder decides? */
static bool has_foreign_or_ignoring(const char *html, size_t size) {
  static const char *const names[] = {"<svg", "<math", "<select", "<frameset"};
  for (const char *at = html; (at = memchr(at, '<', size - (size_t)(at - html))); at++)
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (starts_ci(html, size, (size_t)(at - html), names[i])) return true;
  return false;
}

static size_t line_of(const char *html, size_t offset) {
  size_t line = 1;
  for (const char *at = html; (at = memchr(at, '\n', offset - (size_t)(at - html))); at++)
    line++;
  return line;
}

/* Whether the start tag whose name is [name, name_end) is NAME. */
static bool named(const char *html, size_t name, size_t name_end, const char *what) {
  return name_end - name == strlen(what) && !g_ascii_strncasecmp(html + name, what, name_end - name);
}

size_t ccgc_host_crowded_tag_line(const char *html, size_t size) {
  bool skip = !has_foreign_or_ignoring(html, size);
  /* A later <html> or <body> start tag does not make an element: the tree
   * builder adds its attributes to the one element there is, comparing each
   * with all it has. Their attributes count together, per element. */
  size_t html_attributes = 0, body_attributes = 0;
  size_t at = 0;
  while (at < size) {
    const char *open = memchr(html + at, '<', size - at);
    if (!open) break;
    size_t tag = (size_t)(open - html);
    char next = tag + 1 < size ? html[tag + 1] : '\0';
    bool end_tag = next == '/' && tag + 2 < size && g_ascii_isalpha(html[tag + 2]);
    if (g_ascii_isalpha(next) || end_tag) {
      bool crowded = false;
      size_t name = tag + (end_tag ? 2 : 1), name_end, attributes;
      at = scan_tag(html, size, name, &crowded, &name_end, &attributes);
      if (crowded) return line_of(html, tag);
      size_t *merged = end_tag                                  ? NULL
                       : named(html, name, name_end, "html") ? &html_attributes
                       : named(html, name, name_end, "body") ? &body_attributes
                                                               : NULL;
      if (merged && (*merged += attributes) > CCGC_HOST_MAX_ATTRIBUTES)
        return line_of(html, tag);
      if (skip && !end_tag && at <= size && html[at - 1] == '>')
        at = raw_text_end(html, size, at, html + name, name_end - name);
    } else if (skip && starts(html, size, tag, "<!--")) {
      at = comment_end(html, size, tag);
    } else if (skip && (next == '!' || next == '?' || next == '/')) {
      size_t close = find(html, size, tag + 2, ">"); /* "</>" is skipped too */
      at = close < size ? close + 1 : size;
    } else {
      at = tag + 1;
    }
  }
  return 0;
}
