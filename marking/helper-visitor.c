/* helper-visitor.c - the visitor of concurrent marker threads
 * (helper-visitor.h). */
#include "helper-visitor.h"

#include "ccgc-page.h"

static void helper_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  ccgc_helper_visitor *self = (ccgc_helper_visitor *)visitor;
  (void)edge;
  if (ccgc_mark_white_to_grey(target)) /* .inv.color-monotonic */
    ccgc_worklist_push(&self->locals[ccgc_page_of(target)->heap_id], target);
}

/* The slot is not read here: the mutator may store into it concurrently;
 * ccgc_marker_clear_weak_slots reads it with the world stopped. */
static void helper_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  ccgc_helper_visitor *self = (ccgc_helper_visitor *)visitor;
  (void)edge;
  g_array_append_val(self->weak_slots, slot);
}

static void helper_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                             ccgc_edge edge) {
  ccgc_helper_visitor *self = (ccgc_helper_visitor *)visitor;
  if (ccgc_is_marked(key)) {
    helper_strong(visitor, value, edge);
    return;
  }
  /* Resolved when merged, where the owner's marker owns the table. */
  ccgc_ephemeron_pair pair = {key, value};
  g_array_append_val(self->ephemerons, pair);
}

static void helper_weak_callback(ccgc_visitor *visitor,
                                 ccgc_weak_callback_fn fn, void *object) {
  ccgc_helper_visitor *self = (ccgc_helper_visitor *)visitor;
  ccgc_weak_callback_entry entry = {fn, object, NULL, NULL};
  g_array_append_val(self->weak_callbacks, entry);
}

static void helper_weak_callback_with_data(ccgc_visitor *visitor,
                                           ccgc_weak_callback_data_fn fn,
                                           void *object, void *data) {
  ccgc_helper_visitor *self = (ccgc_helper_visitor *)visitor;
  ccgc_weak_callback_entry entry = {NULL, object, fn, data};
  g_array_append_val(self->weak_callbacks, entry);
}

static const ccgc_visitor_ops helper_ops = {
    .strong = helper_strong,
    .weak = helper_weak,
    .ephemeron = helper_ephemeron,
    .weak_callback = helper_weak_callback,
    .weak_callback_with_data = helper_weak_callback_with_data,
};

void ccgc_helper_visitor_init(ccgc_helper_visitor *v, ccgc_worklist *worklists) {
  v->base.ops = &helper_ops;
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    ccgc_worklist_local_init(&v->locals[id], &worklists[id]);
    v->marked[id] = 0;
  }
  v->weak_slots = g_array_new(FALSE, FALSE, sizeof(void **));
  v->ephemerons = g_array_new(FALSE, FALSE, sizeof(ccgc_ephemeron_pair));
  v->weak_callbacks = g_array_new(FALSE, FALSE, sizeof(ccgc_weak_callback_entry));
}

void ccgc_helper_visitor_destroy(ccgc_helper_visitor *v) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_destroy(&v->locals[id]);
  g_array_free(v->weak_slots, TRUE);
  g_array_free(v->ephemerons, TRUE);
  g_array_free(v->weak_callbacks, TRUE);
}

void ccgc_helper_visitor_merge(ccgc_helper_visitor *v, ccgc_marker *marker) {
  ccgc_marker_adopt(marker, v->weak_slots, v->weak_callbacks,
                    (const ccgc_ephemeron_pair *)(void *)v->ephemerons->data,
                    v->ephemerons->len, v->marked);
  g_array_set_size(v->ephemerons, 0);
}
