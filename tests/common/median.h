/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The median the benchmarks report (tests/bench/): of repeats, never a
 * mean, so that one descheduled run on a shared machine moves nothing. */

#pragma once

#include <glib.h>
#include <stdlib.h>

static inline gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* The median of @n values (0 for none); @values is left as it is. */
static inline gdouble
median (const gdouble * values, guint n)
{
  g_autofree gdouble *sorted = NULL;

  if (n == 0)
    return 0;
  sorted = g_memdup2 (values, n * sizeof (gdouble));
  qsort (sorted, n, sizeof (gdouble), compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
