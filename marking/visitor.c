/* visitor.c - the names of edge kinds (ccgc-visitor.h), shared by the
 * marker's messages, the verifier and the tools. */
#include "ccgc-visitor.h"

static const char *const edge_kind_names[CCGC_EDGE_KIND_COUNT] = {
    [CCGC_EDGE_ROOT] = "root",         [CCGC_EDGE_FIELD] = "field",
    [CCGC_EDGE_PROPERTY] = "property", [CCGC_EDGE_ELEMENT] = "element",
    [CCGC_EDGE_INTERNAL] = "internal", [CCGC_EDGE_WRAPPER] = "wrapper",
    [CCGC_EDGE_TRACED] = "traced",     [CCGC_EDGE_EPHEMERON] = "ephemeron",
    [CCGC_EDGE_WEAK] = "weak",
};

const char *ccgc_edge_kind_name(ccgc_edge_kind kind) {
  if ((unsigned)kind >= CCGC_EDGE_KIND_COUNT) return "unknown";
  return edge_kind_names[kind];
}
