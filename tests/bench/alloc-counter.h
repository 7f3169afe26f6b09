/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The benchmarks' heap allocation counter. Include it in exactly one file of
 * a program: it defines malloc and friends for the whole process. */

#pragma once

#include <glib.h>
#include <stddef.h>

/* This program replaces malloc and friends for the whole process (GLib and
 * OpenSSL included) and counts calls made by the benchmark's own thread
 * while a timed loop runs. glibc's __libc_* entry points do the work. */
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);

static __thread gboolean counting_allocations;
static __thread guint64 allocation_count;

void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *ptr, size_t size);
void *memalign (size_t alignment, size_t size);
void *aligned_alloc (size_t alignment, size_t size);
int posix_memalign (void **ptr, size_t alignment, size_t size);

void *
malloc (size_t size)
{
  if (counting_allocations)
    allocation_count++;
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  if (counting_allocations)
    allocation_count++;
  return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
  if (counting_allocations)
    allocation_count++;
  return __libc_realloc (ptr, size);
}

void *
memalign (size_t alignment, size_t size)
{
  if (counting_allocations)
    allocation_count++;
  return __libc_memalign (alignment, size);
}

void *
aligned_alloc (size_t alignment, size_t size)
{
  return memalign (alignment, size);
}

int
posix_memalign (void **ptr, size_t alignment, size_t size)
{
  void *p = memalign (alignment, size);

  if (p == NULL)
    return 12;                  /* ENOMEM */
  *ptr = p;
  return 0;
}

/* Counts the allocations of the calling thread until stop_counting(). */
static inline void
start_counting (void)
{
  allocation_count = 0;
  counting_allocations = TRUE;
}

static inline guint64
stop_counting (void)
{
  counting_allocations = FALSE;
  return allocation_count;
}
