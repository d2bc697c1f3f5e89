/* declared-holder.h - the DOM type of the declared script reference suites
 * (test-declared-script-refs.c, test-parallel-declared-refs.c): a declared
 * member, two declared script references (bridge_type_declare_script_refs)
 * around a word that is no reference, no trace callback; the finalizer
 * counts and frees the references. */
#ifndef CCGC_DECLARED_HOLDER_H
#define CCGC_DECLARED_HOLDER_H

#include <stddef.h>

#include "bridge-world.h"

typedef struct holder {
  void *member;             /* a declared member (another holder)  */
  bridge_script_ref *first; /* declared script references           */
  long number;              /* not a reference: never followed      */
  bridge_script_ref *second;
  bridge *bridge;
} holder;

static const blinkish_member_info holder_members[] = {
    BLINKISH_MEMBER(holder, member)};
static const blinkish_member_info holder_refs[] = {
    BLINKISH_MEMBER(holder, first), BLINKISH_MEMBER(holder, second)};

static unsigned finalized;

static inline void finalize_holder(void *object) {
  holder *self = object;
  finalized++;
  bridge_script_ref_free(self->bridge, self->first);
  bridge_script_ref_free(self->bridge, self->second);
}

static inline blinkish_type_id holder_type(bridge_world *w) {
  blinkish_type_info info = {"Holder", NULL, finalize_holder, 0};
  blinkish_type_id type = blinkish_register_type(w->dom, &info);
  ck_assert_uint_ne(type, 0);
  ck_assert_int_eq(blinkish_type_declare_members(w->dom, type, holder_members, 1),
                   CCGC_OK);
  ck_assert_int_eq(bridge_type_declare_script_refs(w->bridge, type, holder_refs, 2),
                   CCGC_OK);
  return type;
}

#endif
