/* shadow-model.h - the stress driver's shadow model (stress.h): an
 * independent model of the object graph the driver builds in both heaps,
 * which says what must be alive after a collection.
 *
 * The model knows nothing of the collector or the heaps: objects are ids
 * (0, 1, 2... in creation order), edges are ids or -1, roots and ephemeron
 * entries are ids. The driver mirrors every store it makes in the heaps
 * here; after a cycle it asks which ids are reachable and compares that with
 * what the collector kept (stress.c).
 */
#ifndef CCGC_TOOLS_SHADOW_MODEL_H
#define CCGC_TOOLS_SHADOW_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define SHADOW_SLOT_COUNT 4  /* properties p0..p3 of a script object; DOM members */
#define SHADOW_ARRAY_MAX 8   /* elements of an array */
#define SHADOW_ROOT_COUNT 8  /* roots per heap */

typedef enum shadow_kind {
  SHADOW_SCRIPT,  /* a script object        */
  SHADOW_ARRAY,   /* a script array         */
  SHADOW_DOM,     /* a DOM node             */
  SHADOW_WRAPPER, /* a DOM node's wrapper   */
} shadow_kind;

typedef struct shadow_object {
  shadow_kind kind;
  bool gone;                     /* the collector reclaimed it (confirmed) */
  long unreachable_since;        /* cycle count when first seen unreachable, or -1 */
  int32_t slots[SHADOW_ARRAY_MAX]; /* edges: ids or -1 */
  int32_t length;                /* arrays */
  bool fixed;                    /* an array made by v8ish_fixed_array_new_with:
                                  * a FixedArray, its length never changes */
  int32_t script_slot;           /* DOM: target of its script reference */
  int32_t partner;               /* DOM: its wrapper; wrapper: its DOM node */
} shadow_object;

/* The two ephemeron tables, rooted for the whole run: the script WeakMap
 * (script keys; script or DOM values) and the DOM weak map (DOM keys,
 * script values). An entry keeps its value only while its key is
 * reachable. */
typedef enum shadow_table { SHADOW_SCRIPT_MAP, SHADOW_DOM_MAP, SHADOW_TABLE_COUNT } shadow_table;

typedef struct shadow_model {
  GArray *objects;                          /* shadow_object, indexed by id */
  int32_t script_roots[SHADOW_ROOT_COUNT];  /* ids or -1 */
  int32_t dom_roots[SHADOW_ROOT_COUNT];     /* ids or -1 */
  GHashTable *entries[SHADOW_TABLE_COUNT];  /* key id + 1 -> value id + 1 */
} shadow_model;

/* An empty model: no objects, every root -1, no entries. */
void shadow_model_init(shadow_model *model);
void shadow_model_clear(shadow_model *model);

/* A new object with no edges; returns its id. */
int32_t shadow_model_add(shadow_model *model, shadow_kind kind);

static inline shadow_object *shadow_model_object(const shadow_model *model, int32_t id) {
  return &g_array_index(model->objects, shadow_object, id);
}

static inline guint shadow_model_count(const shadow_model *model) {
  return model->objects->len;
}

/* A DOM node and its wrapper: each reaches the other. */
void shadow_model_pair(shadow_model *model, int32_t dom, int32_t wrapper);

/* An array's first element removed, the others moved down one. */
void shadow_model_left_trim(shadow_model *model, int32_t array);

/* The value of key's entry in table, or -1. */
int32_t shadow_model_entry(const shadow_model *model, shadow_table table, int32_t key);
/* Sets key's entry in table to value; a value of -1 deletes the entry. */
void shadow_model_set_entry(shadow_model *model, shadow_table table, int32_t key,
                            int32_t value);

/* The collector reclaimed id: it is gone, and so are the entries it keys
 * (the collector pruned them). */
void shadow_model_forget(shadow_model *model, int32_t id);

/* The entries of one table, in the hash table's order:
 *   shadow_entries it;
 *   shadow_model_entries_begin(model, SHADOW_DOM_MAP, &it);
 *   while (shadow_model_entries_next(&it, &key, &value)) ... */
typedef struct shadow_entries {
  GHashTableIter iter;
} shadow_entries;
void shadow_model_entries_begin(const shadow_model *model, shadow_table table,
                                shadow_entries *entries);
bool shadow_model_entries_next(shadow_entries *entries, int32_t *key, int32_t *value);

/* What the model reaches from its roots: one byte per id (1 reachable), for
 * g_free. Edges: slots (an array's first `length`), wrapper <-> DOM both
 * ways, a DOM node's script reference, and an entry's value with its key. */
guint8 *shadow_model_reachable(const shadow_model *model);

/* The expected refusals of calls made while a collection reclaims (its
 * weak callbacks, pre-finalizers, finalizers; docs/errors.md "During
 * reclamation"): what a store of value into holder must do. holder -1 is a
 * root (a global handle); value_dead says the collection found value dead
 * (its pre-finalizer or weak callback runs), else value is an id or -1 (no
 * object). reachable is shadow_model_reachable's answer for the model as
 * the collection found it. A dead value into a holder the model reaches is
 * resurrection: refused. A value the model reaches (or none) into such a
 * holder is accepted. Anything else the model cannot tell (a holder only
 * floating garbage keeps): either. */
typedef enum shadow_verdict {
  SHADOW_ACCEPTED,
  SHADOW_REFUSED,
  SHADOW_EITHER,
} shadow_verdict;
shadow_verdict shadow_model_reclamation_store(const guint8 *reachable,
                                              int32_t holder, int32_t value,
                                              bool value_dead);

#endif /* CCGC_TOOLS_SHADOW_MODEL_H */
