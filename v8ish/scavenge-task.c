/* scavenge-task.c - one thread's part of the script heap's minor collection
 * (scavenger-internal.h; the collection itself: scavenger.c;
 * docs/script-heap.md "Young generation").
 *
 * Evacuation: an object on an ALLOCATING page is copied into the task's
 * to-space area (a COPY page of its own); one on a SURVIVOR page survived a
 * scavenge already and is promoted into the task's old-space area; if old
 * space refuses (the hard limit) it is copied instead, which the to-space
 * reserve always allows. The copy is complete, and colored like its
 * original while a full marking runs (.inv.copy-keeps-color), before the
 * forwarding word (new address | 2, .inv.forwarding) replaces the
 * original's class word. A young large object is promoted in place.
 *
 * With helper threads two tasks may reach one object at once: each copies
 * it into its own area, and a compare-and-swap on the original's first word
 * (class word -> forwarding word) elects the one copy
 * (.inv.forwarding-cas). The loser takes the winner's address and gives its
 * copy back: the copy is the last object of its area, so the area's cursor
 * moves back over it, zeroed (.inv.lab-zeroed). Alone (scavenger_threads 0)
 * the forwarding word is a plain store.
 *
 * Only a from-space object's first word is ever written during a scavenge;
 * a copy is written only by the task that scans it (the task that made it,
 * or the one that stole it with its worklist segment); an old slot only by
 * the one task that walks its page's remembered set. */
#include <sched.h>
#include <string.h>

#include "candidates.h"
#include "invariant-check.h"
#include "scavenger-internal.h"
#include "nursery.h"
#include "sweeper.h"

/* Every this many objects scanned, a task with local work publishes it if
 * the shared pool is empty, so that idle tasks can steal. */
#define SHARE_EVERY 32

static inline v8ish_page *page_of(const void *address) {
  return (v8ish_page *)ccgc_page_of(address);
}

void scavenge_task_init(scavenge_task *task, scavenger *s, bool owner) {
  v8ish_heap *heap = s->heap;
  *task = (scavenge_task){
      .s = s,
      .heap = heap,
      .marking = ccgc_barrier_marking(heap->base.barrier),
      .parallel = s->task_count > 1,
      .plain_forwarding = heap->base.barrier->plain_forwarding,
      .feedback = heap->pretenuring->mode != CCGC_PRETENURING_NEVER,
  };
  task->promotion = owner ? &heap->old_lab : &task->own_promotion;
  ccgc_worklist_local_init(&task->work, &s->work);
}

void scavenge_task_finish(scavenge_task *task) {
  v8ish_pretenuring_flush_survivors(task->heap, &task->survivors);
  if (task->copy_page) task->copy_page->top = (word_t *)task->copy.cursor;
  /* A helper's old-space area: its rest goes back to the free lists
   * (.inv.iterable-pages). The owner's is the mutator's old_lab. */
  v8ish_lab *lab = &task->own_promotion;
  if (task->promotion == lab && lab->cursor && lab->cursor < lab->limit)
    v8ish_write_filler(task->heap, (word_t *)lab->cursor,
                       (size_t)(lab->limit - lab->cursor));
  *lab = (v8ish_lab){0};
  ccgc_worklist_local_destroy(&task->work);
}

/* --- allocation ------------------------------------------------------------ */

static word_t *copy_allocate(scavenge_task *task, size_t size) {
  v8ish_lab *lab = &task->copy;
  if ((size_t)(lab->limit - lab->cursor) < size) {
    if (task->copy_page) task->copy_page->top = (word_t *)lab->cursor;
    task->copy_page = v8ish_nursery_take_copy_page(
        task->heap, task->parallel ? &task->s->lock : NULL);
    /* .inv.to-space-reserve: the pool was filled for every from-space byte
     * before the mutator could allocate it, and for a page per helper. */
    if (!task->copy_page)
      g_error("ccgc: the to-space reserve ran out (.inv.to-space-reserve)");
    lab->cursor = (uint8_t *)task->copy_page->start;
    lab->limit = (uint8_t *)task->copy_page->end;
  }
  word_t *to = (word_t *)lab->cursor;
  lab->cursor += size;
  return to;
}

/* Old space for a promoted object, or NULL (the limit). The bump is the
 * task's own; a refill takes the free lists or maps a page, shared with the
 * other tasks: under the lock. */
static word_t *promotion_allocate(scavenge_task *task, size_t size) {
  v8ish_lab *lab = task->promotion;
  if (lab->cursor && (size_t)(lab->limit - lab->cursor) >= size) {
    word_t *to = (word_t *)lab->cursor;
    lab->cursor += size;
    return to;
  }
  if (!task->parallel) return v8ish_old_allocate_lab(task->heap, lab, size);
  pthread_mutex_lock(&task->s->lock);
  word_t *to = v8ish_old_allocate_lab(task->heap, lab, size);
  pthread_mutex_unlock(&task->s->lock);
  return to;
}

/* The loser of a forwarding race gives its copy back. It is the last
 * object of its area (nothing was allocated between the copy and the CAS):
 * the cursor moves back over it, zeroed (.inv.lab-zeroed). Only an old
 * free block that the copy filled exactly is no area any more (old space
 * drops a full area): the copy becomes a filler there (.inv.iterable-pages),
 * unlisted, reclaimed by the next sweep. */
static void undo_copy(scavenge_task *task, word_t *to, size_t size,
                      bool promoted) {
  v8ish_lab *lab = promoted ? task->promotion : &task->copy;
  memset(to, 0, size);
  if (task->marking) ccgc_mark_set(to, CCGC_WHITE);
  if ((uint8_t *)to + size == lab->cursor) {
    lab->cursor = (uint8_t *)to;
    return;
  }
  CCGC_CHECK(promoted && !lab->cursor, ".inv.forwarding-cas");
  v8ish_heap *heap = task->heap;
  v8ish_store_raw(to, 0, size == 8 ? heap->one_word_filler_class
                                   : heap->filler_class);
  if (size > 8) to[FILLER_SIZE] = size;
}

/* --- evacuation -------------------------------------------------------------- */

/* A key was reached: the values waiting for it become strong (the weak
 * fixed point, owner alone). */
static void release_pending(scavenger *s, const word_t *key) {
  GPtrArray *slots = g_hash_table_lookup(s->pending, key);
  if (!slots) return;
  for (guint i = 0; i < slots->len; i++)
    g_ptr_array_add(s->ready, g_ptr_array_index(slots, i));
  g_hash_table_remove(s->pending, key); /* frees slots */
}

/* Installs the forwarding word over first; false if another task did
 * first: *first is then its forwarding word. */
static inline bool install_forwarding(scavenge_task *task, word_t *object,
                                      word_t *first, word_t *to) {
  word_t forwarding = (word_t)to | FORWARDED;
  if (!task->parallel) {
    object[0] = forwarding;
    return true;
  }
  if (__builtin_expect(task->plain_forwarding, 0)) {
    /* TESTING ONLY (ccgc_collector_plain_forwarding): no election, and a
     * pause that lets another task copy the same object meanwhile. */
    sched_yield();
    __atomic_store_n(&object[0], forwarding, __ATOMIC_RELEASE);
    return true;
  }
  /* .inv.forwarding-cas: the release publishes the finished copy (and its
   * color) to every task that reads the forwarding word with acquire. */
  return __atomic_compare_exchange_n(&object[0], first, forwarding, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A young large object reached: promoted in place (the nursery's flip),
 * once (a CAS on its page's state when tasks race). */
static word_t *promote_large(scavenge_task *task, v8ish_page *page,
                             word_t *object) {
  int expected = V8ISH_YOUNG_LARGE;
  if (!task->parallel)
    page->young_state = V8ISH_YOUNG_LARGE_LIVE;
  else if (!__atomic_compare_exchange_n(&page->young_state, &expected,
                                        V8ISH_YOUNG_LARGE_LIVE, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return object; /* another task reached it first */
  task->promoted_bytes += v8ish_size_of(object);
  task->promoted_objects++;
  ccgc_worklist_push(&task->work, object);
  if (__builtin_expect(task->s->pending != NULL, 0))
    release_pending(task->s, object);
  return object;
}

/* The object's new address: copied or promoted now, or earlier. */
static word_t *evacuate(scavenge_task *task, word_t *object) {
  /* Acquire: a forwarding word installed by another task comes with its
   * copy (a plain load on x86). */
  word_t first = __atomic_load_n(&object[0], __ATOMIC_ACQUIRE);
  if (scavenge_is_forwarded(first)) return (word_t *)(first & ~(word_t)3);
  v8ish_page *page = page_of(object);
  int state = __atomic_load_n(&page->young_state, __ATOMIC_RELAXED);
  if (state == V8ISH_YOUNG_COPY || state == V8ISH_YOUNG_LARGE_LIVE)
    return object; /* a to-space copy, or a large object reached already */
  if (state == V8ISH_YOUNG_LARGE) return promote_large(task, page, object);
  CCGC_CHECK_DEBUG(v8ish_page_is_from_space(page), ".inv.forwarding");
  /* The size through the class word read once: another task may replace
   * it with its forwarding word at any time. */
  size_t size = v8ish_size_with_class_inline(object, first);
  word_t *to = NULL;
  if (state == V8ISH_YOUNG_SURVIVOR) to = promotion_allocate(task, size);
  bool promoted = to != NULL;
  if (!to) to = copy_allocate(task, size);
  to[0] = first;
  /* Most survivors are a few words: straight-line stores, no call. */
  switch (size / 8) {
  case 8: to[7] = object[7]; /* fall through */
  case 7: to[6] = object[6]; /* fall through */
  case 6: to[5] = object[5]; /* fall through */
  case 5: to[4] = object[4]; /* fall through */
  case 4: to[3] = object[3]; /* fall through */
  case 3: to[2] = object[2]; /* fall through */
  case 2: to[1] = object[1]; break;
  default: memcpy(to + 1, object + 1, size - sizeof(word_t));
  }
  /* .inv.copy-keeps-color, before the forwarding word publishes the copy */
  if (task->marking) ccgc_mark_set(to, ccgc_color_of(object));
  if (!install_forwarding(task, object, &first, to)) {
    undo_copy(task, to, size, promoted);
    return (word_t *)(first & ~(word_t)3);
  }
  if (promoted) {
    task->promoted_bytes += size;
    task->promoted_objects++;
    /* A class promoted: its page never moves (.inv.compaction-classes-stay). */
    if (first == task->s->heap->meta_class) v8ish_note_class(to);
  } else {
    task->survived_bytes += size;
    task->survived_objects++;
    /* Old enough, but old space had no room (counted for the winner of
     * the forwarding race only). */
    if (__builtin_expect(state == V8ISH_YOUNG_SURVIVOR, 0)) task->unpromoted++;
    /* Its first survival: pretenuring feedback for its class. */
    if (task->feedback && state == V8ISH_YOUNG_ALLOCATING)
      v8ish_pretenuring_note_survivor(task->heap, &task->survivors, first);
  }
  ccgc_worklist_push(&task->work, to);
  if (__builtin_expect(task->s->pending != NULL, 0))
    release_pending(task->s, object);
  return to;
}

static inline bool update_slot(scavenge_task *task, word_t *slot) {
  word_t value = *slot;
  if (!v8ish_is_ref(value) || !scavenge_young(v8ish_untag(value))) return false;
  word_t *object = v8ish_untag(value);
  /* An object evacuated already (a third of the slots a scavenge visits
   * in `ccgc bench scavenge`): its new address without the call. */
  word_t first = __atomic_load_n(&object[0], __ATOMIC_ACQUIRE);
  word_t *to = scavenge_is_forwarded(first) ? (word_t *)(first & ~(word_t)3)
                                            : evacuate(task, object);
  *slot = v8ish_tag(to);
  return scavenge_young(to);
}

bool scavenge_update_slot(scavenge_task *task, word_t *slot) {
  return update_slot(task, slot);
}

void scavenge_young_slot(word_t *slot, void *task) {
  scavenge_update_slot(task, slot);
}

static inline void record_slot(scavenge_task *task, ccgc_page *page,
                               word_t *slot) {
  if (task->parallel)
    ccgc_slot_set_record_atomic(page, slot);
  else
    ccgc_slot_set_record(page, slot);
}

/* A slot of an object of a whole-page remembered set, visited at once
 * (scan_object defers the others): recorded if it stays young
 * (.inv.old-to-young-recorded); tasks may record into one page at once. */
static void old_slot(word_t *slot, void *data) {
  scavenge_task *task = data;
  if (update_slot(task, slot)) record_slot(task, task->holder_page, slot);
}

/* --- the prefetch FIFO ----------------------------------------------------- */

#define FIFO_SIZE 16u /* the length of scavenge_task.fifo, a power of two */

static inline void process_deferred(scavenge_task *task) {
  struct scavenge_deferred entry = task->fifo[task->fifo_head];
  task->fifo_head = (task->fifo_head + 1) & (FIFO_SIZE - 1);
  task->fifo_count--;
  if (update_slot(task, entry.slot) && entry.record)
    record_slot(task, entry.record, entry.slot);
}

/* Visits slot later: its young target is prefetched now. */
static inline void defer_slot(scavenge_task *task, word_t *slot,
                              ccgc_page *record) {
  word_t value = *slot;
  if (!v8ish_is_ref(value) || !scavenge_young(v8ish_untag(value))) return;
  __builtin_prefetch(v8ish_untag(value), 1);
  if (task->fifo_count == FIFO_SIZE) process_deferred(task);
  task->fifo[(task->fifo_head + task->fifo_count) & (FIFO_SIZE - 1)] =
      (struct scavenge_deferred){slot, record};
  task->fifo_count++;
}

/* Visits every deferred slot; true if there were any (each may have pushed
 * work). */
static bool flush_deferred(scavenge_task *task) {
  if (!task->fifo_count) return false;
  while (task->fifo_count) process_deferred(task);
  return true;
}

static void deferred_old_slot(word_t *slot, void *data) {
  scavenge_task *task = data;
  defer_slot(task, slot, task->holder_page);
}

static void deferred_young_slot(word_t *slot, void *data) {
  defer_slot(data, slot, NULL);
}

/* An evacuated object: a to-space copy stays young (nothing to record); a
 * promoted copy is old, and so, after the flip, is a young large object
 * reached now (LARGE_LIVE, promoted in place): their slots that stay young
 * are recorded (.inv.old-to-young-recorded). */
static inline void scan_object(scavenge_task *task, word_t *object) {
  v8ish_page *page = (v8ish_page *)ccgc_page_of(object);
  bool record = !ccgc_page_is_young(&page->base.page) ||
                page->young_state == V8ISH_YOUNG_LARGE_LIVE;
  task->holder_page = &page->base.page;
  /* During a marking cycle with evacuation candidates, an object that is
   * old now may have been traced while young (no record then): its slots
   * into candidates are recorded here, a young large object promoted in
   * place too (.inv.compaction-slots-recorded). */
  if (record) v8ish_record_slots_of(task->s->heap, object);
  /* The common layout inline (the class word, then tagged elements), no
   * call per slot; every other layout through the heap's slot walk. */
  word_t klass = object[0];
  if (v8ish_class_type(klass) == V8ISH_TYPE_FIXED_ARRAY) {
    ccgc_page *to_record = record ? &page->base.page : NULL;
    size_t length = (size_t)v8ish_smi_value(object[LENGTH]);
    defer_slot(task, &object[0], to_record);
    for (size_t i = 0; i < length; i++)
      defer_slot(task, &object[2 + i], to_record);
    return;
  }
  v8ish_each_strong_slot(object, record ? deferred_old_slot : deferred_young_slot,
                         task);
}

/* --- drains -------------------------------------------------------------------- */

void scavenge_drain(scavenge_task *task) {
  scavenger *s = task->s;
  for (;;) {
    void *object;
    if (ccgc_worklist_pop(&task->work, &object)) {
      scan_object(task, object);
    } else if (flush_deferred(task)) {
      continue; /* it may have pushed work */
    } else if (s->ready && s->ready->len) {
      /* A weak table's value whose key was reached: never recorded (weak
       * tables are found through the heap's lists). */
      scavenge_young_slot(
          g_ptr_array_steal_index_fast(s->ready, s->ready->len - 1), task);
    } else {
      return;
    }
  }
}

/* The stealing drain and its termination (.inv.scavenge-termination).
 * s->active counts the tasks that may still publish work. A task goes idle
 * (decrements) only after its pop found its own areas empty and the shared
 * pool empty, and becomes active again (increments) before it tries to
 * steal. So a segment is only ever published by an active task, and a task
 * publishes nothing between the pop that found the pool empty and its
 * decrement: when active reads 0, every task is idle and the pool is empty,
 * and it stays so. No task returns while another may still publish. */
void scavenge_drain_parallel(scavenge_task *task) {
  scavenger *s = task->s;
  void *object;
  for (;;) {
    while (ccgc_worklist_pop(&task->work, &object)) {
      scan_object(task, object);
      if (++task->scanned % SHARE_EVERY == 0 &&
          task->work.push_segment->count > 1 &&
          ccgc_worklist_is_empty(&s->work))
        ccgc_worklist_local_publish(&task->work);
    }
    if (flush_deferred(task)) continue; /* it may have pushed work */
    atomic_fetch_sub(&s->active, 1);
    for (;;) {
      if (scavenge_phase_closed(&s->active)) return;
      if (!ccgc_worklist_is_empty(&s->work)) {
        if (!scavenge_phase_join(&s->active)) return;
        if (ccgc_worklist_pop(&task->work, &object)) {
          scan_object(task, object);
          break;
        }
        atomic_fetch_sub(&s->active, 1);
      }
      sched_yield();
    }
  }
}

/* --- the remembered set -------------------------------------------------------- */

static bool remembered_slot(void **slot, void *data) {
  scavenge_task *task = data;
  task->remembered++;
  return scavenge_update_slot(task, (word_t *)slot);
}

static void scan_all_slots(void *object, void *data) {
  scavenge_task *task = data;
  task->holder_page = ccgc_page_of(object);
  v8ish_each_strong_slot(object, old_slot, task);
}

/* A page whose set could not be allocated: every object is scanned. */
static void walk_whole_page(scavenge_task *owner, v8ish_page *page) {
  v8ish_heap *heap = owner->heap;
  /* .inv.marks-until-swept: on a page not swept yet the unmarked objects
   * are dead ones of the last cycle, their slots stale (V8's
   * InvalidatedSlotsFilter): not holders. */
  bool unswept = !v8ish_page_swept(heap, page);
  for (word_t *at = page->start; at < page->end;) {
    if (v8ish_load(at, 0) == 0) break;
    size_t size = v8ish_size_of(at);
    if (at[0] != heap->filler_class && at[0] != heap->one_word_filler_class &&
        !(unswept && !ccgc_is_marked(at)))
      scan_all_slots(at, owner);
    at += size / 8;
  }
}

/* Every old page with a set, from the page headers (the list is
 * incomplete: its array could not grow); the list is rebuilt on the way. */
static void collect_every_page(ccgc_page_space *space, GPtrArray *pages,
                               GPtrArray **whole) {
  ccgc_remembered_pages_reset(&space->remembered);
  for (ccgc_space_page *p = ccgc_page_space_first(space); p;
       p = ccgc_page_space_next(space, p)) {
    if (ccgc_page_is_young(&p->page) || !ccgc_slot_set_present(&p->page))
      continue;
    ccgc_remembered_pages_add(&p->page);
    if (ccgc_slot_set_is_all(&p->page)) {
      if (!*whole) *whole = g_ptr_array_new();
      g_ptr_array_add(*whole, p);
    } else {
      g_ptr_array_add(pages, &p->page);
    }
  }
}

void scavenge_collect_pages(scavenger *s, scavenge_task *owner) {
  v8ish_heap *heap = s->heap;
  if (heap->base.barrier->no_remembered_set) return; /* TESTING ONLY */
  ccgc_page_space *space = &heap->base.space;
  ccgc_remembered_pages *list = &space->remembered;
  GPtrArray *pages = g_ptr_array_sized_new((guint)list->count);
  GPtrArray *whole = NULL;
  if (list->overflow) {
    collect_every_page(space, pages, &whole);
  } else {
    /* The space's list of pages with a set (remembered-set.h), not every
     * page header. Backwards: a page whose set is empty (every slot it
     * recorded was dropped by an earlier scavenge) leaves it, the last
     * page, already seen, taking its place. */
    for (size_t i = list->count; i-- > 0;) {
      ccgc_page *page = list->pages[i];
      if (ccgc_page_is_young(page)) continue;
      if (ccgc_slot_set_is_all(page)) {
        if (!whole) whole = g_ptr_array_new();
        g_ptr_array_add(whole, page);
      } else if (ccgc_slot_set_empty(page)) {
        ccgc_slot_set_free(page);
      } else {
        g_ptr_array_add(pages, page);
      }
    }
  }
  /* Before any helper runs: the walk reads every word of the page, which
   * a helper's promotion into a free block of it would be writing. */
  for (guint i = 0; whole && i < whole->len; i++)
    walk_whole_page(owner, g_ptr_array_index(whole, i));
  if (whole) g_ptr_array_free(whole, TRUE);
  s->page_count = pages->len;
  s->pages = (ccgc_page **)g_ptr_array_free(pages, FALSE);
}

/* The pages are claimed one at a time: each set is walked by one task, and
 * rewritten only by it (its kept bits). */
void scavenge_walk_pages(scavenge_task *task) {
  scavenger *s = task->s;
  for (;;) {
    size_t i = atomic_fetch_add_explicit(&s->next_page, 1,
                                         memory_order_relaxed);
    if (i >= s->page_count) return;
    ccgc_slot_set_each(s->pages[i], remembered_slot, task);
  }
}

/* --- phases that helpers join late ------------------------------------------- */

/* A phase's counter: the tasks in it, or SCAVENGE_PHASE_CLOSED once none is
 * left. The owner starts in both phases; a helper joins when it first runs,
 * unless the phase closed already, so a helper the system has not scheduled
 * yet never holds up the owner (V8's jobs join the same way). */
bool scavenge_phase_join(atomic_uint *phase) {
  unsigned tasks = atomic_load(phase);
  do {
    if (tasks & SCAVENGE_PHASE_CLOSED) return false;
  } while (!atomic_compare_exchange_weak(phase, &tasks, tasks + 1));
  return true;
}

/* True once the phase is closed: it closes when a task finds it empty. */
bool scavenge_phase_closed(atomic_uint *phase) {
  unsigned tasks = atomic_load(phase);
  for (;;) {
    if (tasks & SCAVENGE_PHASE_CLOSED) return true;
    if (tasks != 0) return false;
    if (atomic_compare_exchange_weak(phase, &tasks, SCAVENGE_PHASE_CLOSED))
      return true;
  }
}

/* The owner (joined) or a helper (joins now, or skips a closed walk). */
void scavenge_walk_and_wait(scavenge_task *task, bool joined) {
  scavenger *s = task->s;
  if (!joined && !scavenge_phase_join(&s->walking)) return;
  scavenge_walk_pages(task);
  /* .inv.remembered-walk-first: the scans that record slots (those of
   * promoted objects) start when every set has been walked, so no set is
   * written while a task walks it. A helper that joins after the walk
   * closed walks nothing. */
  atomic_fetch_sub(&s->walking, 1);
  while (!scavenge_phase_closed(&s->walking)) sched_yield();
}

void scavenge_helper(void *data, unsigned index) {
  scavenger *s = data;
  scavenge_task *task = &s->tasks[index];
  /* Active first: a walk evacuates objects onto this task's worklist, so
   * the drain must not close while the task walks. Closed already: the
   * scavenge is past this helper. */
  if (!scavenge_phase_join(&s->active)) return;
  atomic_fetch_add(&s->joined, 1);
  double start = ccgc_time_ms();
  scavenge_walk_and_wait(task, false);
  scavenge_drain_parallel(task);
  task->busy_ms = ccgc_time_ms() - start;
}
