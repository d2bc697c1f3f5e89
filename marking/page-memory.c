/* page-memory.c - CCGC_PAGE_SIZE-aligned page memory from the OS
 * (.inv.page-aligned). Maps size + alignment, then trims both ends so the
 * result is aligned; unmapping returns it to the OS, so a stale access to a
 * released page faults instead of reading reused memory. */
#include <stdint.h>
#include <sys/mman.h>

#include "ccgc-page.h"

static size_t round_up_to_page(size_t size) {
  return (size + CCGC_PAGE_SIZE - 1) & ~(CCGC_PAGE_SIZE - 1);
}

void *ccgc_page_memory_map(size_t size) {
  if (size == 0 || size > SIZE_MAX - 2 * CCGC_PAGE_SIZE) return NULL;
  size = round_up_to_page(size);
  size_t mapped = size + CCGC_PAGE_SIZE;
  uint8_t *raw = mmap(NULL, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  uintptr_t start = ((uintptr_t)raw + CCGC_PAGE_SIZE - 1) &
                    ~(uintptr_t)(CCGC_PAGE_SIZE - 1);
  size_t head = start - (uintptr_t)raw;
  size_t tail = mapped - head - size;
  if (head) munmap(raw, head);
  if (tail) munmap((uint8_t *)start + size, tail);
  return (void *)start;
}

void ccgc_page_memory_unmap(void *base, size_t size) {
  if (!base) return;
  munmap(base, round_up_to_page(size));
}
