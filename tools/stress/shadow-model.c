/* shadow-model.c - the stress driver's shadow model (shadow-model.h).
 * GLib only: nothing here reads the heaps or asks the collector. */
#include "shadow-model.h"

#include <string.h>

void shadow_model_init(shadow_model *model) {
  model->objects = g_array_new(FALSE, TRUE, sizeof(shadow_object));
  for (int i = 0; i < SHADOW_ROOT_COUNT; i++)
    model->script_roots[i] = model->dom_roots[i] = -1;
  for (int t = 0; t < SHADOW_TABLE_COUNT; t++)
    model->entries[t] = g_hash_table_new(g_direct_hash, g_direct_equal);
}

void shadow_model_clear(shadow_model *model) {
  for (int t = 0; t < SHADOW_TABLE_COUNT; t++) g_hash_table_destroy(model->entries[t]);
  g_array_free(model->objects, TRUE);
}

int32_t shadow_model_add(shadow_model *model, shadow_kind kind) {
  shadow_object o = {.kind = kind};
  for (int i = 0; i < SHADOW_ARRAY_MAX; i++) o.slots[i] = -1;
  o.script_slot = o.partner = -1;
  o.unreachable_since = -1;
  g_array_append_val(model->objects, o);
  return (int32_t)model->objects->len - 1;
}

void shadow_model_pair(shadow_model *model, int32_t dom, int32_t wrapper) {
  shadow_model_object(model, wrapper)->partner = dom;
  shadow_model_object(model, dom)->partner = wrapper;
}

void shadow_model_left_trim(shadow_model *model, int32_t array) {
  shadow_object *o = shadow_model_object(model, array);
  memmove(o->slots, o->slots + 1, sizeof(int32_t) * (SHADOW_ARRAY_MAX - 1));
  o->slots[SHADOW_ARRAY_MAX - 1] = -1;
  o->length--;
}

int32_t shadow_model_entry(const shadow_model *model, shadow_table table, int32_t key) {
  return GPOINTER_TO_INT(g_hash_table_lookup(model->entries[table],
                                             GINT_TO_POINTER(key + 1))) - 1;
}

void shadow_model_set_entry(shadow_model *model, shadow_table table, int32_t key,
                            int32_t value) {
  if (value < 0)
    g_hash_table_remove(model->entries[table], GINT_TO_POINTER(key + 1));
  else
    g_hash_table_insert(model->entries[table], GINT_TO_POINTER(key + 1),
                        GINT_TO_POINTER(value + 1));
}

void shadow_model_forget(shadow_model *model, int32_t id) {
  shadow_model_object(model, id)->gone = true;
  for (int t = 0; t < SHADOW_TABLE_COUNT; t++)
    g_hash_table_remove(model->entries[t], GINT_TO_POINTER(id + 1));
}

void shadow_model_entries_begin(const shadow_model *model, shadow_table table,
                                shadow_entries *entries) {
  g_hash_table_iter_init(&entries->iter, model->entries[table]);
}

bool shadow_model_entries_next(shadow_entries *entries, int32_t *key, int32_t *value) {
  gpointer key_p, value_p;
  if (!g_hash_table_iter_next(&entries->iter, &key_p, &value_p)) return false;
  *key = GPOINTER_TO_INT(key_p) - 1;
  *value = GPOINTER_TO_INT(value_p) - 1;
  return true;
}

static void reach(GArray *stack, guint8 *seen, int32_t id) {
  if (id < 0 || seen[id]) return;
  seen[id] = 1;
  g_array_append_val(stack, id);
}

guint8 *shadow_model_reachable(const shadow_model *model) {
  guint8 *seen = g_malloc0(model->objects->len + 1);
  GArray *stack = g_array_new(FALSE, FALSE, sizeof(int32_t));
  for (int i = 0; i < SHADOW_ROOT_COUNT; i++) {
    reach(stack, seen, model->script_roots[i]);
    reach(stack, seen, model->dom_roots[i]);
  }
  while (stack->len) {
    int32_t id = g_array_index(stack, int32_t, stack->len - 1);
    g_array_set_size(stack, stack->len - 1);
    shadow_object *o = shadow_model_object(model, id);
    int slots = o->kind == SHADOW_ARRAY ? o->length : SHADOW_SLOT_COUNT;
    for (int i = 0; i < slots; i++) reach(stack, seen, o->slots[i]);
    reach(stack, seen, o->partner); /* wrapper <-> DOM: both directions */
    if (o->kind == SHADOW_DOM) reach(stack, seen, o->script_slot);
    /* The tables are roots; an entry's value is reached with its key. */
    reach(stack, seen, shadow_model_entry(model, SHADOW_SCRIPT_MAP, id));
    reach(stack, seen, shadow_model_entry(model, SHADOW_DOM_MAP, id));
  }
  g_array_free(stack, TRUE);
  return seen;
}

shadow_verdict shadow_model_reclamation_store(const guint8 *reachable,
                                              int32_t holder, int32_t value,
                                              bool value_dead) {
  bool holder_lives = holder < 0 || reachable[holder];
  if (!holder_lives) return SHADOW_EITHER; /* a dead holder takes anything */
  if (value_dead) return SHADOW_REFUSED;   /* .inv.no-resurrection */
  if (value < 0 || reachable[value]) return SHADOW_ACCEPTED;
  return SHADOW_EITHER;
}
