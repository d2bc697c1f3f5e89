/* handles.c - local handles in scopes, global handles, traced references.
 *
 * Locals (the fast paths, a bump and a two-compare read, are inline in
 * handles-inl.h). The handle area is a stack of tagged values,
 * fast.values[1 .. top), with per slot the serial of the scope whose
 * local (or escape slot) it is. A local {index, serial} is valid while
 * index < top and serials[index] == serial (.inv.handle-valid). Every slot
 * below top was written when top last passed it - by a new local or a
 * scope's escape slot, each with its serial - and a serial names one
 * opening of one scope (64 bits; slots and locals hold the low 32): so a
 * closed scope's slots are either at or above top or hold a later serial,
 * a stale local fails one of the two compares, and closing a scope writes
 * nothing per slot (as in V8, where it restores two pointers).
 *
 * A scope is the host's v8ish_handle_scope, on its stack: its serial, the
 * enclosing scope's serial, the top to restore, its flags. The heap keeps
 * the innermost scope's serial (every new local carries it), whether that
 * scope was opened during a reclamation, and the bump's limit (0 while no
 * scope is open). A scope is the innermost exactly when its serial is the
 * heap's: one compare, and a copy of a closed scope's struct, or a scope
 * closed twice, is refused. Each scope reserves one slot below its own for
 * v8ish_handle_scope_escape; it stays (in the enclosing scope) only if used.
 */
#include <stdlib.h>
#include <string.h>

#include "handles-inl.h"
#include "invariant-check.h"

/* v8ish_handle_scope.flags (v8ish-fast.h) */
enum {
  SCOPE_ESCAPED = V8ISH_FAST_SCOPE_ESCAPED,
  SCOPE_PARENT_RECLAIMING = V8ISH_FAST_SCOPE_PARENT_RECLAIMING,
};

static bool grow(void **array, size_t *capacity, size_t need, size_t item) {
  if (need <= *capacity) return true;
  size_t next = *capacity ? *capacity * 2 : 256;
  while (next < need) next *= 2;
  void *grown = realloc(*array, next * item);
  if (!grown) return false;
  *array = grown;
  *capacity = next;
  return true;
}

/* Room for `need` slots. A local's index is 32 bits. The first area gets
 * slot 0, the empty local's: value 0, below top from now on, its serial
 * one no local has (V8ISH_FAST_SLOT0_SERIAL), so the inline calls' two
 * compares refuse the empty local (their slow paths answer it). */
static bool grow_handles(v8ish_heap *heap, size_t need) {
  if (need <= heap->fast.capacity) return true;
  if (need > UINT32_MAX) return false;
  size_t capacity = heap->fast.capacity;
  if (!grow((void **)&heap->fast.values, &capacity, need, sizeof(v8ish_value)))
    return false;
  size_t serial_capacity = heap->fast.capacity;
  if (!grow((void **)&heap->fast.serials, &serial_capacity, need,
            sizeof(uint32_t)))
    return false;
  heap->fast.capacity = capacity;
  if (heap->fast.top == 0) {
    heap->fast.values[0] = 0;
    heap->fast.serials[0] = V8ISH_FAST_SLOT0_SERIAL;
    heap->fast.top = 1;
  }
  if (heap->fast.scope_serial) heap->fast.limit = capacity;
  return true;
}

/* The public calls' fast paths are inline (v8ish-fast.h): these are the
 * whole calls, which they fall back to for everything but the common case,
 * and which check it all again. */
void v8ish_handle_scope_open_slow(v8ish_heap *heap, v8ish_handle_scope *scope) {
  if (!scope) {
    if (v8ish_enter(heap, CCGC_CALL_READ, "v8ish_handle_scope_open"))
      CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                  "v8ish_handle_scope_open: NULL scope");
    return;
  }
  /* A scope that failed to open stays recognisably not open: serial 0 is
   * never the innermost scope's. */
  scope->heap = heap;
  scope->serial = 0;
  scope->parent_serial = 0;
  scope->saved_top = 0;
  scope->flags = 0;
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_handle_scope_open")) {
    scope->heap = NULL;
    return;
  }
  if (!grow_handles(heap, heap->fast.top + 2)) {
    /* Not a check: a resource failure reported through the handler because
     * opening a scope has no return value to carry it. */
    ccgc_error_misuse(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                      "v8ish_handle_scope_open: out of memory");
    return;
  }
  v8ish_fast_push_scope(&heap->fast, heap, scope,
                        v8ish_reclaiming_now(heap));
}

/* Scopes are LIFO: only the innermost open scope may close or escape. Its
 * serial is the heap's; a scope that never opened has serial 0. */
static bool innermost(v8ish_handle_scope *scope, const char *call) {
  v8ish_heap *heap = scope->heap;
  if (__builtin_expect(v8ish_fast_innermost(&heap->fast, scope), 1))
    return true;
  CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.live-handle",
              "%s: the scope is not the innermost open scope", call);
  return false;
}

void v8ish_handle_scope_close_slow(v8ish_handle_scope *scope) {
  if (!scope || !scope->heap) return;
  v8ish_heap *heap = scope->heap;
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_handle_scope_close") ||
      !innermost(scope, "v8ish_handle_scope_close"))
    return;
  /* Its locals die at once: at or above the new top (.inv.handle-valid).
   * An escaped value stays, as a handle of the enclosing scope; an unused
   * escape slot goes, or every scope would leak one slot. */
  heap->fast.top = scope->saved_top - !(scope->flags & SCOPE_ESCAPED);
  heap->fast.scope_serial = scope->parent_serial;
  heap->fast.reclaiming = scope->flags & SCOPE_PARENT_RECLAIMING;
  heap->fast.limit = scope->parent_serial ? heap->fast.capacity : 0;
}

v8ish_local v8ish_handle_scope_escape_slow(v8ish_handle_scope *scope,
                                           v8ish_local value) {
  const char *call = "v8ish_handle_scope_escape";
  if (!scope || !scope->heap || !v8ish_enter(scope->heap, CCGC_CALL_READ, call))
    return v8ish_local_empty();
  if (!innermost(scope, call)) return v8ish_local_empty();
  v8ish_heap *heap = scope->heap;
  if (scope->parent_serial == 0) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_handle_scope_escape: the outermost scope has no "
                "enclosing scope to escape to");
    return v8ish_local_empty();
  }
  if (scope->flags & SCOPE_ESCAPED) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_handle_scope_escape: a scope escapes one value "
                "only");
    return v8ish_local_empty();
  }
  v8ish_value raw;
  if (!v8ish_local_read(heap, value, call, &raw) || v8ish_local_is_empty(value))
    return v8ish_local_empty();
  /* .inv.no-resurrection: into a scope that outlives the reclamation. */
  if (!(scope->flags & SCOPE_PARENT_RECLAIMING) &&
      v8ish_refuse_resurrection(heap, NULL, raw, call,
                                "a handle of a scope opened before the "
                                "collection"))
    return v8ish_local_empty();
  size_t slot = scope->saved_top - 1;
  heap->fast.values[slot] = raw;
  uint32_t serial = (uint32_t)scope->parent_serial;
  heap->fast.serials[slot] = serial;
  scope->flags |= SCOPE_ESCAPED;
  v8ish_local escaped = {(uint32_t)slot, serial};
  return escaped;
}

v8ish_local v8ish_local_push_slow(v8ish_heap *heap, v8ish_value value,
                                  const char *call) {
  if (heap->fast.scope_serial == 0) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.live-handle",
                "%s: no handle scope is open", call);
    return v8ish_local_empty();
  }
  /* .inv.no-resurrection: a handle to a dead object in a scope that stays
   * open after the sweep would dangle (and be traced as a root). A
   * reclamation callback opens a scope of its own for such handles. */
  if (!heap->fast.reclaiming &&
      v8ish_refuse_resurrection(heap, NULL, value, call,
                                "a handle of a scope opened before the "
                                "collection (open a handle scope in the "
                                "callback)"))
    return v8ish_local_empty();
  if (!grow_handles(heap, heap->fast.top + 1)) {
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "%s: out of memory for a handle", call);
    return v8ish_local_empty();
  }
  size_t index = heap->fast.top++;
  heap->fast.values[index] = value;
  uint32_t serial = (uint32_t)heap->fast.scope_serial;
  heap->fast.serials[index] = serial;
  v8ish_local local = {(uint32_t)index, serial};
  return local;
}

bool v8ish_local_read_slow(v8ish_heap *heap, v8ish_local local,
                           const char *call, v8ish_value *out) {
  *out = 0;
  /* The empty local, before the area exists (or forged with a serial). */
  if (local.index == 0) return true;
  CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.live-handle",
              "%s: handle used after its scope closed (or made by another "
              "heap)",
              call);
  return false;
}

v8ish_local v8ish_handle_new(v8ish_heap *heap, v8ish_value value,
                             const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  return v8ish_local_push(heap, value, call);
}

bool v8ish_handle_read(v8ish_heap *heap, v8ish_local local, const char *call,
                       v8ish_value *out) {
  *out = 0;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return false;
  return v8ish_local_read(heap, local, call, out);
}

v8ish_value v8ish_handle_value(v8ish_heap *heap, v8ish_local local,
                               const char *call) {
  v8ish_value value;
  v8ish_handle_read(heap, local, call, &value);
  return value;
}

v8ish_value v8ish_local_value(v8ish_heap *heap, v8ish_local local) {
  return v8ish_handle_value(heap, local, "v8ish_local_value");
}

bool v8ish_same(v8ish_heap *heap, v8ish_local a, v8ish_local b) {
  const char *call = "v8ish_same";
  v8ish_value x, y;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, a, call, &x) ||
      !v8ish_local_read(heap, b, call, &y))
    return false;
  return x == y && v8ish_local_is_empty(a) == v8ish_local_is_empty(b);
}

/* --- global handles ------------------------------------------------------- */

static global_node *checked_global(v8ish_heap *heap, v8ish_global global,
                                   const char *call, ccgc_call_kind kind) {
  if (!v8ish_enter(heap, kind, call)) return NULL;
  if (global.index == 0 || global.index >= heap->global_count ||
      !heap->globals[global.index].in_use ||
      heap->globals[global.index].generation != global.generation) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.live-handle",
                "%s: global handle used after it was freed (or made by "
                "another heap)",
                call);
    return NULL;
  }
  return &heap->globals[global.index];
}

v8ish_global v8ish_global_new(v8ish_heap *heap, v8ish_local value, bool weak) {
  v8ish_global none = {0, 0};
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_global_new") ||
      !v8ish_local_read(heap, value, "v8ish_global_new", &raw))
    return none;
  /* Even a weak one: weak globals were cleared already, it would dangle. */
  if (v8ish_refuse_resurrection(heap, NULL, raw, "v8ish_global_new",
                                "a global handle"))
    return none;
  uint32_t index = heap->global_free;
  if (index) {
    heap->global_free = heap->globals[index].next_free;
  } else {
    if (heap->global_count == 0) heap->global_count = 1; /* 0: the null global */
    if (heap->global_count >= UINT32_MAX ||
        !grow((void **)&heap->globals, &heap->global_capacity,
              heap->global_count + 1, sizeof(global_node))) {
      ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                     "v8ish_global_new: out of memory");
      return none;
    }
    index = (uint32_t)heap->global_count++;
    heap->globals[index].generation =
        heap->global_generation_base ^ (index * 0x9E3779B9u);
  }
  global_node *node = &heap->globals[index];
  if (++node->generation == 0) node->generation = 1;
  node->in_use = true;
  node->weak = weak;
  node->callback = NULL;
  node->value = raw;
  node->has_value = !v8ish_local_is_empty(value);
  /* A root made while marking (.inv.script-store-barriered). */
  if (!weak) v8ish_root_barrier(heap, &node->value, raw);
  v8ish_global global = {index, node->generation};
  return global;
}

v8ish_local v8ish_global_get(v8ish_heap *heap, v8ish_global global) {
  global_node *node =
      checked_global(heap, global, "v8ish_global_get", CCGC_CALL_READ);
  if (!node || !node->has_value) return v8ish_local_empty();
  return v8ish_local_push(heap, node->value, "v8ish_global_get");
}

void v8ish_global_set(v8ish_heap *heap, v8ish_global global,
                      v8ish_local value) {
  global_node *node =
      checked_global(heap, global, "v8ish_global_set", CCGC_CALL_STORE);
  v8ish_value raw;
  if (!node || !v8ish_local_read(heap, value, "v8ish_global_set", &raw)) return;
  if (v8ish_refuse_resurrection(heap, NULL, raw, "v8ish_global_set",
                                "a global handle"))
    return;
  node->value = raw;
  node->has_value = !v8ish_local_is_empty(value);
  /* .inv.script-store-barriered */
  if (!node->weak) v8ish_root_barrier(heap, &node->value, raw);
}

void v8ish_global_free(v8ish_heap *heap, v8ish_global global) {
  global_node *node =
      checked_global(heap, global, "v8ish_global_free", CCGC_CALL_STORE);
  if (!node) return;
  node->in_use = false;
  node->has_value = false;
  node->value = 0;
  node->next_free = heap->global_free;
  heap->global_free = global.index;
}

bool v8ish_global_is_empty_slot(v8ish_heap *heap, v8ish_global global) {
  global_node *node = checked_global(heap, global, "v8ish_global_is_empty_slot",
                                     CCGC_CALL_READ);
  return !node || !node->has_value;
}

/* --- traced references ------------------------------------------------------
 * Slots of the heap's handle table (marking/handle-table.h), never freed
 * while the heap lives: a reference freed twice or used after free is
 * reported (.api.live-handle), not followed, and a collection can find and
 * update every one (v8ish_handles_relocate). A bridge's script references
 * are slots of the same table (v8ish-bridge.h): edges in unified mode, roots
 * in baseline mode. */

static void traced_store(v8ish_heap *heap, traced_slot *slot, v8ish_value raw,
                         bool has_value) {
  __atomic_store_n(&slot->value, raw, __ATOMIC_RELEASE);
  slot->has_value = has_value;
  v8ish_young_traced_record(heap, slot); /* .inv.young-traced-listed */
  slot->epoch = heap->full_epoch; /* .inv.stale-traced-skipped */
  /* .inv.script-store-barriered: the holder may be black */
  v8ish_root_barrier(heap, &slot->value, raw);
}

/* Storing value into a slot during reclamation: a dead object would dangle
 * after the sweep (.inv.no-resurrection), whoever holds the slot. */
static bool refuse_dead(v8ish_heap *heap, v8ish_value raw, bool root,
                        const char *call) {
  return v8ish_refuse_resurrection(
      heap, NULL, raw, call,
      root ? "a script reference (a root)" : "a traced reference");
}

v8ish_traced *v8ish_traced_make(v8ish_heap *heap, v8ish_local value,
                                bool root, const char *call) {
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call) ||
      !v8ish_local_read(heap, value, call, &raw) ||
      refuse_dead(heap, raw, root, call))
    return NULL;
  void *handle;
  traced_slot *slot = ccgc_handle_new(&heap->traced, &handle);
  if (!slot) {
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "%s: out of memory", call);
    return NULL;
  }
  __atomic_store_n(&slot->root, root, __ATOMIC_RELAXED);
  if (root) heap->traced_roots++;
  traced_store(heap, slot, raw, !v8ish_local_is_empty(value));
  return handle;
}

/* v8ish_traced_store after the entry check. */
static void traced_store_entered(v8ish_heap *heap, v8ish_traced *traced,
                                 v8ish_local value, const char *call,
                                 const char *what) {
  traced_slot *slot = ccgc_handle_get(&heap->traced, traced, call, what);
  v8ish_value raw;
  if (!slot || !v8ish_local_read(heap, value, call, &raw) ||
      refuse_dead(heap, raw, slot->root, call))
    return;
  traced_store(heap, slot, raw, !v8ish_local_is_empty(value));
}

void v8ish_traced_store(v8ish_heap *heap, v8ish_traced *traced,
                        v8ish_local value, const char *call,
                        const char *what) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return;
  traced_store_entered(heap, traced, value, call, what);
}

v8ish_local v8ish_traced_load(v8ish_heap *heap, const v8ish_traced *traced,
                              const char *call, const char *what) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  const traced_slot *slot = ccgc_handle_get(&heap->traced, traced, call, what);
  if (!slot || !slot->has_value) return v8ish_local_empty();
  v8ish_value raw = __atomic_load_n(&slot->value, __ATOMIC_ACQUIRE);
  return v8ish_local_push(heap, raw, call);
}

ccgc_status v8ish_traced_check(v8ish_heap *heap, const v8ish_traced *traced,
                               const char *call, const char *what) {
  return ccgc_handle_get(&heap->traced, traced, call, what) ? CCGC_OK
                                                            : CCGC_E_DEAD_HANDLE;
}

void v8ish_traced_release(v8ish_heap *heap, v8ish_traced *traced,
                          const char *call, const char *what) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return;
  /* One lookup: the slot is freed first and cleared after, which a marker
   * thread reading it through its holder cannot tell from the other order
   * (it reads the value or 0 either way; the slot is quarantined). */
  traced_slot *slot = ccgc_handle_release(&heap->traced, traced, call, what);
  if (!slot) return;
  /* A marker thread may still read it through its holder: atomic. */
  __atomic_store_n(&slot->value, 0, __ATOMIC_RELEASE);
  slot->has_value = false;
  if (slot->root) heap->traced_roots--;
}

void *v8ish_traced_edge_target(const v8ish_traced *traced, const char *call) {
  if (!traced) return NULL;
  if (!ccgc_handle_live_unchecked(traced)) {
    /* On the owner, say so; a marker thread or a pause helper has no one
     * to tell (the error record is the owner's). */
    if (!ccgc_on_marker_thread() && !ccgc_on_helper_thread())
      ccgc_handle_get_unowned(traced, call, NULL, NULL);
    return NULL;
  }
  const traced_slot *slot = ccgc_handle_payload_unchecked(traced);
  if (__atomic_load_n(&slot->root, __ATOMIC_RELAXED)) return NULL;
  v8ish_value raw = __atomic_load_n(&slot->value, __ATOMIC_ACQUIRE);
  return v8ish_is_ref(raw) ? v8ish_untag(raw) : NULL;
}

void v8ish_traced_describe(ccgc_layout_handles *out) {
  *out = (ccgc_layout_handles){
      .enabled = true,
      .tag = 1,
      .tag_mask = 1, /* v8ish_is_ref, v8ish_untag */
      .value_offset = offsetof(traced_slot, value),
      .skip_offset = offsetof(traced_slot, root),
  };
}

void *v8ish_traced_object(const v8ish_traced *traced) {
  if (!traced || !ccgc_handle_live_unchecked(traced)) return NULL;
  const traced_slot *slot = ccgc_handle_payload_unchecked(traced);
  v8ish_value raw = __atomic_load_n(&slot->value, __ATOMIC_ACQUIRE);
  return v8ish_is_ref(raw) ? v8ish_untag(raw) : NULL;
}

v8ish_traced *v8ish_traced_new(v8ish_heap *heap, v8ish_local value) {
  return v8ish_traced_make(heap, value, false, "v8ish_traced_new");
}

void v8ish_traced_set(v8ish_heap *heap, v8ish_traced *traced,
                      v8ish_local value) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_traced_set")) return;
  if (!traced) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_traced_set: NULL traced reference");
    return;
  }
  traced_store_entered(heap, traced, value, "v8ish_traced_set", NULL);
}

v8ish_local v8ish_traced_get(v8ish_heap *heap, const v8ish_traced *traced) {
  if (!traced) return v8ish_local_empty();
  return v8ish_traced_load(heap, traced, "v8ish_traced_get", NULL);
}

void *v8ish_traced_target(const v8ish_traced *traced) {
  return v8ish_traced_edge_target(traced, "v8ish_traced_target");
}

void v8ish_traced_free(v8ish_heap *heap, v8ish_traced *traced) {
  if (!traced) return;
  v8ish_traced_release(heap, traced, "v8ish_traced_free", NULL);
}

/* --- roots, weakness, relocation ------------------------------------------------- */

/* A baseline bridge's script reference: a strong root, as a global handle
 * is (and named as one). */
static void trace_root_slot(void *payload, void *visitor) {
  const traced_slot *slot = payload;
  if (slot->root && v8ish_is_ref(slot->value))
    ccgc_visit_strong(visitor, v8ish_untag(slot->value),
                      ccgc_edge_named(CCGC_EDGE_ROOT, "global handle"));
}

void v8ish_trace_local_handles(v8ish_heap *heap, ccgc_visitor *visitor) {
  for (size_t i = 1; i < heap->fast.top; i++)
    if (v8ish_is_ref(heap->fast.values[i]))
      ccgc_visit_strong(visitor, v8ish_untag(heap->fast.values[i]),
                        ccgc_edge_named(CCGC_EDGE_ROOT, "handle scope"));
}

void v8ish_trace_handles(v8ish_heap *heap, ccgc_visitor *visitor) {
  v8ish_trace_local_handles(heap, visitor);
  /* Global handles and traced references: every store into them goes
   * through the barrier (.inv.roots-barriered), so the atomic pause skips
   * them (v8ish_trace_unbarriered_roots). */
  for (size_t i = 1; i < heap->global_count; i++) {
    global_node *node = &heap->globals[i];
    if (node->in_use && !node->weak && v8ish_is_ref(node->value))
      ccgc_visit_strong(visitor, v8ish_untag(node->value),
                        ccgc_edge_named(CCGC_EDGE_ROOT, "global handle"));
  }
  /* The unified bridge's traced references are not roots (their holders
   * trace them): the table, as large as the DOM's wrappers and listeners,
   * is walked only for a baseline bridge's script references. */
  if (heap->traced_roots)
    ccgc_handle_table_each(&heap->traced, trace_root_slot, visitor);
}

void v8ish_clear_dead_weak_globals(v8ish_heap *heap) {
  for (size_t i = 1; i < heap->global_count; i++) {
    global_node *node = &heap->globals[i];
    if (node->in_use && node->weak && v8ish_is_ref(node->value) &&
        !ccgc_is_marked(v8ish_untag(node->value))) {
      node->value = 0; /* .inv.weak-before-finalizers */
      node->has_value = false;
      if (node->callback) v8ish_queue_weak_callback(heap, (uint32_t)i);
    }
  }
}

typedef struct relocation {
  v8ish_heap *heap;
  v8ish_value from, to;
} relocation;

/* A traced reference follows its object as a store would leave it: the
 * new place may be young (a large array's left trim copies it into the
 * nursery), so it is listed (.inv.young-traced-listed) and stamped
 * (.inv.stale-traced-skipped), or the next scavenge would skip it and leave
 * it on a from-space copy. */
static void relocate_slot(void *payload, void *data) {
  traced_slot *slot = payload;
  const relocation *change = data;
  if (slot->value != change->from) return;
  __atomic_store_n(&slot->value, change->to, __ATOMIC_RELEASE);
  v8ish_young_traced_record(change->heap, slot);
  slot->epoch = change->heap->full_epoch;
  v8ish_root_barrier(change->heap, &slot->value, change->to);
}

void v8ish_handles_relocate(v8ish_heap *heap, v8ish_value from,
                            v8ish_value to) {
  for (size_t i = 1; i < heap->fast.top; i++)
    if (heap->fast.values[i] == from) heap->fast.values[i] = to;
  for (size_t i = 1; i < heap->global_count; i++)
    if (heap->globals[i].value == from) heap->globals[i].value = to;
  relocation change = {heap, from, to};
  ccgc_handle_table_each(&heap->traced, relocate_slot, &change);
}

void v8ish_handles_free(v8ish_heap *heap) {
  if (heap->young_traced) g_ptr_array_free(heap->young_traced, TRUE);
  free(heap->fast.values);
  free(heap->fast.serials);
  free(heap->globals);
  ccgc_handle_table_destroy(&heap->traced);
}
