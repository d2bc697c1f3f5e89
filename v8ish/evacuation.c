/* evacuation.c - the evacuation step of the script heap's old-generation
 * compaction (compactor.c runs it in the atomic pause, docs/compaction.md):
 * per candidate, plan every live object's new address on fresh pages
 * first, then copy, mark the copy black and leave a forwarding word in the
 * old copy (.inv.compaction-forwarding); a candidate that cannot be placed
 * stays whole, with every later one (.inv.compaction-no-half-move). */
#include <string.h>

#include "compactor-internal.h"
#include "space-inl.h"

/* --- evacuation ------------------------------------------------------------- */

/* The next address of `size` bytes on the targets, mapping a fresh page
 * when the last one is full; NULL if no page can be mapped. */
static word_t *bump(compactor *c, size_t size) {
  if (!c->lab.cursor || (size_t)(c->lab.limit - c->lab.cursor) < size) {
    ccgc_status why;
    v8ish_page *page = v8ish_space_map_page(c->heap, size, false, &why);
    if (!page) return NULL;
    if (c->targets->len > 0) {
      word_t *top = (word_t *)c->lab.cursor;
      g_array_append_val(c->tops, top);
    }
    g_ptr_array_add(c->targets, page);
    c->lab.cursor = (uint8_t *)page->start;
    c->lab.limit = (uint8_t *)page->end;
  }
  word_t *at = (word_t *)c->lab.cursor;
  c->lab.cursor += size;
  return at;
}

/* Plans the new address of every live object of the candidate; on failure
 * forgets the plan and the pages mapped for it: nothing of the candidate
 * was copied (.inv.compaction-no-half-move). */
static bool plan(compactor *c, const candidate *cand) {
  v8ish_heap *heap = c->heap;
  v8ish_page *page = cand->page;
  v8ish_lab saved = c->lab;
  guint targets_before = c->targets->len, tops_before = c->tops->len;
  c->planned = c->moves->len;
  for (word_t *at = page->start; at < page->end;) {
    if (at[0] == 0) break;
    size_t size = v8ish_size_of(at);
    if (!is_filler(heap, at) && ccgc_is_marked(at)) {
      word_t *to = bump(c, size);
      if (!to) {
        for (guint i = targets_before; i < c->targets->len; i++)
          ccgc_page_space_release(&heap->base.space,
                                  g_ptr_array_index(c->targets, i));
        g_ptr_array_set_size(c->targets, targets_before);
        g_array_set_size(c->tops, tops_before);
        g_array_set_size(c->moves, c->planned);
        c->lab = saved;
        return false;
      }
      planned_move move = {at, to, size};
      g_array_append_val(c->moves, move);
    }
    at += size / 8;
  }
  return true;
}

static void copy_planned(compactor *c) {
  for (guint i = c->planned; i < c->moves->len; i++) {
    planned_move *move = &g_array_index(c->moves, planned_move, i);
    memcpy(move->to, move->from, move->size);
    ccgc_mark_set(move->to, CCGC_BLACK); /* the sweeper keeps it */
    /* The old copy is white: a reference left to it is a black-to-white
     * edge for the marking verifier. */
    ccgc_mark_set(move->from, CCGC_WHITE);
    move->from[0] = (word_t)move->to | FORWARDED;
    c->moved_bytes += move->size;
    c->moved_objects++;
  }
}

/* The rest of every target page becomes a filler (.inv.iterable-pages),
 * not listed: the sweep that follows frees it with the dead runs. */
static void seal_targets(compactor *c) {
  v8ish_heap *heap = c->heap;
  for (guint i = 0; i < c->targets->len; i++) {
    v8ish_page *page = g_ptr_array_index(c->targets, i);
    word_t *top = i < c->tops->len ? g_array_index(c->tops, word_t *, i)
                                   : (word_t *)c->lab.cursor;
    size_t rest = (size_t)(page->end - top) * 8;
    if (rest == 0) continue;
    top[0] = rest == 8 ? heap->one_word_filler_class : heap->filler_class;
    if (rest > 8) top[FILLER_SIZE] = rest;
  }
}

void v8ish_compactor_evacuate(compactor *c) {
  bool out_of_memory = false;
  for (guint i = 0; i < c->candidates->len; i++) {
    candidate *cand = &g_array_index(c->candidates, candidate, i);
    if (out_of_memory || !plan(c, cand)) {
      /* Left in place, whole, with every later candidate. */
      out_of_memory = true;
      cand->page->evacuating = false;
      continue;
    }
    copy_planned(c);
    c->evacuated_pages++;
  }
  seal_targets(c);
}
