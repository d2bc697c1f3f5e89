/* pretenuring.c - hidden classes whose instances are allocated old
 * (pretenuring.h, docs/script-heap.md "Pretenuring"). */
#include "pretenuring.h"

#include "ccgc-page.h"
#include "remembered-set.h"
#include "write-barrier.h"

bool v8ish_pretenuring_init(v8ish_heap *heap) {
  v8ish_pretenuring *p = g_new0(v8ish_pretenuring, 1);
  p->mode = heap->base.options.pretenuring;
  p->feedback = g_ptr_array_new();
  p->tenured = g_ptr_array_new();
  p->sites = g_ptr_array_new();
  p->unrecorded = g_array_new(FALSE, FALSE, sizeof(word_t *) * 2);
  pthread_mutex_init(&p->lock, NULL);
  heap->pretenuring = p;
  return true;
}

void v8ish_pretenuring_free(v8ish_heap *heap) {
  v8ish_pretenuring *p = heap->pretenuring;
  if (!p) return;
  g_ptr_array_free(p->feedback, TRUE);
  g_ptr_array_free(p->tenured, TRUE);
  g_ptr_array_free(p->sites, TRUE);
  g_array_free(p->unrecorded, TRUE);
  pthread_mutex_destroy(&p->lock);
  g_free(p);
  heap->pretenuring = NULL;
}

void v8ish_pretenuring_allocated(v8ish_heap *heap, word_t *object, size_t bytes) {
  v8ish_pretenuring *p = heap->pretenuring;
  p->bytes += bytes;
  p->objects++;
  if (__builtin_expect(heap->base.barrier->break_pretenuring, 0)) {
    word_t *range[2] = {object, (word_t *)((uint8_t *)object + bytes)};
    g_array_append_val(p->unrecorded, range);
  }
}

void v8ish_pretenuring_scavenge_start(v8ish_heap *heap) {
  v8ish_pretenuring *p = heap->pretenuring;
  /* TESTING ONLY (ccgc_collector_break_pretenuring): the stores that
   * initialized and filled the pretenured objects recorded their young
   * targets (.inv.old-to-young-recorded); forgetting them leaves those
   * slots pointing into from-space after this scavenge. */
  for (guint i = 0; i < p->unrecorded->len; i++) {
    word_t **range = &g_array_index(p->unrecorded, word_t *, 2 * i);
    ccgc_slot_set_clear_range(ccgc_page_of(range[0]), range[0], range[1]);
  }
  g_array_set_size(p->unrecorded, 0);
}

void v8ish_pretenuring_add_survivors(v8ish_heap *heap, word_t *k,
                                     word_t count) {
  word_t before = __atomic_fetch_add(&k[CLASS_SURVIVED], v8ish_smi((long)count),
                                     __ATOMIC_RELAXED);
  if (before == v8ish_smi(0)) {
    v8ish_pretenuring *p = heap->pretenuring;
    pthread_mutex_lock(&p->lock);
    g_ptr_array_add(p->feedback, k);
    pthread_mutex_unlock(&p->lock);
  }
}

void v8ish_pretenuring_flush_survivors(v8ish_heap *heap,
                                       v8ish_survivor_cache *cache) {
  for (size_t i = 0; i < V8ISH_SURVIVOR_SITES; i++) {
    if (cache->site[i])
      v8ish_pretenuring_add_survivors(heap, cache->site[i], cache->count[i]);
    cache->site[i] = NULL;
    cache->count[i] = 0;
  }
}

static void reset(word_t *k) {
  k[CLASS_ALLOCATED] = k[CLASS_SURVIVED] = v8ish_smi(0);
}

size_t v8ish_pretenuring_digest(v8ish_heap *heap) {
  v8ish_pretenuring *p = heap->pretenuring;
  const v8ish_nursery *n = &heap->nursery;
  /* V8 tenures only after a scavenge of a semi-space at its maximum;
   * EAGER decides at any size. */
  bool at_max = n->capacity_pages >= n->max_pages;
  size_t decided = 0;
  for (guint i = 0; i < p->feedback->len; i++) {
    word_t *k = g_ptr_array_index(p->feedback, i);
    size_t allocated = (size_t)v8ish_smi_value(k[CLASS_ALLOCATED]);
    size_t survived = (size_t)v8ish_smi_value(k[CLASS_SURVIVED]);
    /* ALWAYS: a site with a survivor - a class whose instances are counted
     * when allocated (CLASS_ALLOCATED). Others (a FixedArray's, a boxed
     * number's, which are allocated without a site) reach the feedback too,
     * since every class's first survivors are counted, but deciding them
     * would change no allocation and only miscount the sites. */
    bool tenure =
        (p->mode == CCGC_PRETENURING_ALWAYS && allocated > 0) ||
        ((p->mode == CCGC_PRETENURING_EAGER ||
          (p->mode == CCGC_PRETENURING_AUTO && at_max)) &&
         allocated >= V8ISH_PRETENURE_MIN_ALLOCATED &&
         survived * 100 >= allocated * V8ISH_PRETENURE_PERCENT);
    if (tenure && k[CLASS_PRETENURE] == v8ish_smi(V8ISH_PRETENURE_UNDECIDED)) {
      k[CLASS_PRETENURE] = v8ish_smi(V8ISH_PRETENURE_TENURED);
      g_ptr_array_add(p->tenured, k);
      decided++;
    }
    reset(k);
  }
  g_ptr_array_set_size(p->feedback, 0);
  p->decided = decided;
  return decided;
}

void v8ish_pretenuring_full_pause(v8ish_heap *heap) {
  v8ish_pretenuring *p = heap->pretenuring;
  bool reducing = ccgc_collector_reducing_memory(heap->base.collector);
  guint kept = 0;
  for (guint i = 0; i < p->tenured->len; i++) {
    word_t *k = g_ptr_array_index(p->tenured, i);
    if (!ccgc_is_marked(k)) continue; /* dead: its sweep frees it */
    if (reducing) {
      k[CLASS_PRETENURE] = v8ish_smi(V8ISH_PRETENURE_UNDECIDED);
      reset(k);
      continue;
    }
    p->tenured->pdata[kept++] = k;
  }
  g_ptr_array_set_size(p->tenured, kept);
  /* Objects may die and pages go in this cycle: nothing is forgotten on
   * them later (TESTING ONLY list). */
  g_array_set_size(p->unrecorded, 0);
}

void v8ish_pretenuring_nursery_promoted(v8ish_heap *heap) {
  GPtrArray *sites = heap->pretenuring->sites;
  for (guint i = 0; i < sites->len; i++) reset(g_ptr_array_index(sites, i));
}

void v8ish_pretenuring_add_site(v8ish_heap *heap, word_t *k) {
  g_ptr_array_add(heap->pretenuring->sites, k);
}

void v8ish_pretenuring_stats(const v8ish_heap *heap, ccgc_heap_stats *out) {
  const v8ish_pretenuring *p = heap->pretenuring;
  out->pretenured_classes = p->tenured->len;
  out->pretenured_bytes = p->bytes;
  out->pretenured_objects = p->objects;
}
