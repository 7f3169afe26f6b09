/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* e2ee-bench-gst: part b of the benchmark, the per-buffer cost of one
 * filter in front of fakesink (sync=false).
 *
 * For each filter and size, N buffers are made before the clock starts (one
 * allocation each, so no filter pays for merging memories or for a
 * copy-on-write). A warm-up buffer takes the pipeline to PLAYING, then this
 * thread pushes the N buffers into the filter's sink pad with gst_pad_push()
 * (a pad push loop: the filter and fakesink run in this thread, no queue, no
 * thread hand-over) and EOS follows. This thread's CPU time from the first
 * push to the return of EOS, divided by N, is the cost per buffer. Every
 * repeat builds a new pipeline (srtpenc refuses to send a sequence number
 * twice). The result is one JSON document on stdout; progress goes
 * to stderr. It links no part of libe2ee-keyring: the plugin loads its own
 * copy, and a GType can be registered only once per process.
 *
 * Usage: e2ee-bench-gst [--repeats N] [--scale F] [--filter NAME]
 */

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <string.h>

#include "alloc-counter.h"
#include "median.h"

#define BENCH_SSRC 0x11223344
#define BENCH_RTP_HEADER_LEN 12
#define BENCH_RTP_PAYLOAD_TYPE 96
/* SRTP master key and salt for AES-128-GCM: 16 + 12 bytes (RFC 7714). */
#define BENCH_SRTP_KEY_LEN 28
#define BENCH_E2EE_KEY_LEN 32

#define VP8_CAPS "video/x-vp8, width=(int)640, height=(int)480, " \
    "framerate=(fraction)30/1"
#define RTP_CAPS "application/x-rtp, media=(string)video, " \
    "clock-rate=(int)90000, encoding-name=(string)VP8, payload=(int)96"

typedef enum
{
  INPUT_VP8_FRAMES,             /* plaintext VP8 delta frames */
  INPUT_E2EE_FRAMES,            /* VP8 frames made by e2eeencrypt */
  INPUT_RTP_PACKETS,            /* RTP packets, sequence number = index */
  INPUT_SRTP_PACKETS,           /* SRTP packets made by srtpenc */
} InputKind;

typedef struct
{
  const gchar *name;            /* also the element factory */
  const gchar *sink_pad;        /* a request pad if it ends in "_0" */
  const gchar *src_pad;
  InputKind input;
} FilterSpec;

static const FilterSpec filters[] = {
  {"identity", "sink", "src", INPUT_VP8_FRAMES},
  {"e2eeencrypt", "sink", "src", INPUT_VP8_FRAMES},
  {"e2eedecrypt", "sink", "src", INPUT_E2EE_FRAMES},
  {"srtpenc", "rtp_sink_0", "rtp_src_0", INPUT_RTP_PACKETS},
  {"srtpdec", "rtp_sink", "rtp_src", INPUT_SRTP_PACKETS},
};

static const gsize sizes[] = { 100, 1200, 50 * 1024 };

/* Buffers per run: ~20-60 ms of work for each filter. */
static guint
buffers_for_size (gsize size, gdouble scale)
{
  guint n = size <= 1200 ? 20000 : 2000;

  return MAX (50, (guint) (n * scale));
}

static guint8 e2ee_key[BENCH_E2EE_KEY_LEN];
static guint8 srtp_key[BENCH_SRTP_KEY_LEN];

static void
fill_pattern (guint8 * data, gsize len, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = g_rand_int (rand) & 0xff;
  g_rand_free (rand);
}

/* Free function of buffer arrays: pushed buffers leave NULL behind. */
static void
buffer_unref (gpointer buf)
{
  if (buf)
    gst_buffer_unref (buf);
}

static GstBuffer *
make_buffer (const guint8 * data, gsize len, guint index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, len, NULL);

  gst_buffer_fill (buf, 0, data, len);
  GST_BUFFER_PTS (buf) = index * (GST_SECOND / 30);
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* VP8 delta frames: bit 0 of the first byte set (the frame tag). */
static GPtrArray *
make_vp8_frames (gsize size, guint n)
{
  GPtrArray *bufs = g_ptr_array_new_full (n, buffer_unref);
  guint8 *data = g_malloc (size);
  guint i;

  fill_pattern (data, size, 1);
  data[0] |= 0x01;
  for (i = 0; i < n; i++)
    g_ptr_array_add (bufs, make_buffer (data, size, i));
  g_free (data);
  return bufs;
}

/* RTP packets of @size bytes in all, each with its own sequence number. */
static GPtrArray *
make_rtp_packets (gsize size, guint n)
{
  GPtrArray *bufs = g_ptr_array_new_full (n, buffer_unref);
  guint8 *data = g_malloc (size);
  guint i;

  fill_pattern (data, size, 2);
  for (i = 0; i < n; i++) {
    guint16 seq = i & 0xffff;
    guint32 ts = i * 3000;

    data[0] = 0x80;
    data[1] = BENCH_RTP_PAYLOAD_TYPE;
    GST_WRITE_UINT16_BE (data + 2, seq);
    GST_WRITE_UINT32_BE (data + 4, ts);
    GST_WRITE_UINT32_BE (data + 8, BENCH_SSRC);
    g_ptr_array_add (bufs, make_buffer (data, size, i));
  }
  g_free (data);
  return bufs;
}

static GstCaps *
caps_for_input (InputKind input)
{
  GstCaps *caps;
  GstBuffer *key;

  switch (input) {
    case INPUT_VP8_FRAMES:
    case INPUT_E2EE_FRAMES:
      return gst_caps_from_string (VP8_CAPS);
    case INPUT_RTP_PACKETS:
      caps = gst_caps_from_string (RTP_CAPS);
      gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, BENCH_SSRC, NULL);
      return caps;
    case INPUT_SRTP_PACKETS:
      key = gst_buffer_new_memdup (srtp_key, sizeof (srtp_key));
      caps = gst_caps_from_string (RTP_CAPS);
      gst_structure_set_name (gst_caps_get_structure (caps, 0),
          "application/x-srtp");
      gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, BENCH_SSRC,
          "srtp-key", GST_TYPE_BUFFER, key,
          "srtp-cipher", G_TYPE_STRING, "aes-128-gcm",
          "srtp-auth", G_TYPE_STRING, "null",
          "srtcp-cipher", G_TYPE_STRING, "aes-128-gcm",
          "srtcp-auth", G_TYPE_STRING, "null", NULL);
      gst_buffer_unref (key);
      return caps;
  }
  g_assert_not_reached ();
}

/* Keys go in as GstBuffers; the e2ee elements take raw material (HKDF).
 * srtpdec finds its key in the caps. */
static void
configure_filter (GstElement * filter, const FilterSpec * spec)
{
  GstBuffer *key = NULL;

  if (g_str_equal (spec->name, "srtpenc")) {
    key = gst_buffer_new_memdup (srtp_key, sizeof (srtp_key));
    gst_util_set_object_arg (G_OBJECT (filter), "rtp-cipher", "aes-128-gcm");
    gst_util_set_object_arg (G_OBJECT (filter), "rtp-auth", "null");
    gst_util_set_object_arg (G_OBJECT (filter), "rtcp-cipher", "aes-128-gcm");
    gst_util_set_object_arg (G_OBJECT (filter), "rtcp-auth", "null");
  } else if (g_str_has_prefix (spec->name, "e2ee")) {
    key = gst_buffer_new_memdup (e2ee_key, sizeof (e2ee_key));
  }
  if (key)
    g_object_set (filter, "key", key, NULL);
  gst_clear_buffer (&key);
}

/* A pipeline "@spec ! @sink_factory" fed by a pad of ours, so that one
 * thread pushes and the filter and the sink run in it: no queue, no thread
 * hand-over in the figures. */
typedef struct
{
  GstElement *pipeline;
  GstElement *sink;
  GstPad *pusher;
  GstPad *filter_sink;
  GstElement *filter;
} Harness;

static void
harness_free (Harness * h)
{
  gst_element_set_state (h->pipeline, GST_STATE_NULL);
  if (h->filter_sink && GST_PAD_TEMPLATE_PRESENCE (GST_PAD_PAD_TEMPLATE
          (h->filter_sink)) == GST_PAD_REQUEST)
    gst_element_release_request_pad (h->filter, h->filter_sink);
  gst_clear_object (&h->filter_sink);
  gst_clear_object (&h->pusher);
  gst_object_unref (h->pipeline);
  g_free (h);
}

static GstPad *
get_filter_sink_pad (GstElement * filter, const gchar * name)
{
  GstPad *pad = gst_element_get_static_pad (filter, name);

  return pad ? pad : gst_element_request_pad_simple (filter, name);
}

static Harness *
harness_new (const FilterSpec * spec, const gchar * sink_factory,
    GError ** error)
{
  Harness *h = g_new0 (Harness, 1);
  GstCaps *caps = caps_for_input (spec->input);
  GstSegment segment;

  h->pipeline = gst_pipeline_new (NULL);
  h->filter = gst_element_factory_make (spec->name, "filter");
  h->sink = gst_element_factory_make (sink_factory, "sink");
  if (h->filter == NULL || h->sink == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "no element %s or %s", spec->name, sink_factory);
    goto failed;
  }
  g_object_set (h->sink, "sync", FALSE, NULL);
  /* appsink would wait at EOS for us, but we pull after EOS. */
  if (g_str_equal (sink_factory, "appsink"))
    g_object_set (h->sink, "wait-on-eos", FALSE, NULL);
  configure_filter (h->filter, spec);
  gst_bin_add_many (GST_BIN (h->pipeline), h->filter, h->sink, NULL);
  h->filter_sink = get_filter_sink_pad (h->filter, spec->sink_pad);
  if (h->filter_sink == NULL || !gst_element_link_pads (h->filter,
          spec->src_pad, h->sink, "sink")) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot link %s", spec->name);
    goto failed;
  }
  h->pusher = gst_pad_new ("pusher", GST_PAD_SRC);
  gst_pad_set_active (h->pusher, TRUE);
  gst_pad_link (h->pusher, h->filter_sink);
  gst_element_set_state (h->pipeline, GST_STATE_PLAYING);
  gst_pad_push_event (h->pusher, gst_event_new_stream_start ("bench"));
  gst_pad_push_event (h->pusher, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (h->pusher, gst_event_new_segment (&segment));
  gst_caps_unref (caps);
  return h;

failed:
  gst_caps_unref (caps);
  harness_free (h);
  return NULL;
}

static gboolean
push_all (Harness * h, GPtrArray * bufs, guint from, GError ** error)
{
  guint i;

  for (i = from; i < bufs->len; i++) {
    GstFlowReturn ret = gst_pad_push (h->pusher, g_ptr_array_index (bufs, i));

    g_ptr_array_index (bufs, i) = NULL;
    /* A filter may drop a buffer it cannot handle; the count tells. */
    if (ret != GST_FLOW_OK) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "buffer %u: %s", i, gst_flow_get_name (ret));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_bus (Harness * h, GError ** error)
{
  GstBus *bus = gst_element_get_bus (h->pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  if (msg) {
    gst_message_parse_error (msg, error, NULL);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return msg == NULL;
}

/* The filter and the sink run in the pushing thread, so its CPU time is
 * their cost; other processes on a shared machine do not count. */
static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Pushes bufs[0] to preroll, then times bufs[1..] and EOS. Takes the
 * buffers. Returns nanoseconds for the timed part, or -1 on error; adds the
 * heap allocations of the timed part to @allocations. */
static gint64
time_pipeline (const FilterSpec * spec, GPtrArray * bufs,
    guint64 * allocations, GError ** error)
{
  Harness *h = harness_new (spec, "fakesink", error);
  GPtrArray warm_up = { bufs->pdata, 1 };
  gint64 start, elapsed = -1;

  if (h == NULL)
    return -1;
  if (!push_all (h, &warm_up, 0, error))
    goto out;
  if (gst_element_get_state (h->pipeline, NULL, NULL, 10 * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "%s did not reach PLAYING", spec->name);
    goto out;
  }

  start_counting ();
  start = thread_cpu_ns ();
  if (!push_all (h, bufs, 1, error)) {
    stop_counting ();
    goto out;
  }
  gst_pad_push_event (h->pusher, gst_event_new_eos ());
  elapsed = thread_cpu_ns () - start;
  *allocations += stop_counting ();
  if (!check_bus (h, error))
    elapsed = -1;

out:
  harness_free (h);
  return elapsed;
}

/* Runs @bufs through "@spec ! appsink" and returns the output buffers.
 * Takes the buffers. */
static GPtrArray *
transform_all (const FilterSpec * spec, GPtrArray * bufs, GError ** error)
{
  Harness *h = harness_new (spec, "appsink", error);
  GPtrArray *out = NULL;
  GstSample *sample;

  if (h == NULL)
    goto done;
  if (!push_all (h, bufs, 0, error))
    goto done;
  gst_pad_push_event (h->pusher, gst_event_new_eos ());
  out = g_ptr_array_new_full (bufs->len, buffer_unref);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (h->sink), 0))) {
    g_ptr_array_add (out, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
done:
  if (h)
    harness_free (h);
  g_ptr_array_unref (bufs);
  return out;
}

static GPtrArray *
copy_buffers (GPtrArray * bufs)
{
  GPtrArray *copy = g_ptr_array_new_full (bufs->len,
      buffer_unref);
  guint i;

  for (i = 0; i < bufs->len; i++)
    g_ptr_array_add (copy,
        gst_buffer_copy_deep (g_ptr_array_index (bufs, i)));
  return copy;
}

/* The inputs of one repeat: each buffer has one reference, so no filter
 * pays for a copy-on-write. Decrypt inputs are copies of @encrypted. */
static GPtrArray *
make_inputs (InputKind input, gsize size, guint n, GPtrArray * encrypted)
{
  switch (input) {
    case INPUT_VP8_FRAMES:
      return make_vp8_frames (size, n);
    case INPUT_RTP_PACKETS:
      return make_rtp_packets (size, n);
    case INPUT_E2EE_FRAMES:
    case INPUT_SRTP_PACKETS:
      return copy_buffers (encrypted);
  }
  g_assert_not_reached ();
}

static GPtrArray *
make_encrypted (InputKind input, gsize size, guint n, GError ** error)
{
  if (input == INPUT_E2EE_FRAMES)
    return transform_all (&filters[1], make_vp8_frames (size, n), error);
  return transform_all (&filters[3], make_rtp_packets (size, n), error);
}

static void
print_skip (gboolean * first, const gchar * name, gsize size,
    const gchar * reason)
{
  gchar *quoted = g_strescape (reason, NULL);

  g_print ("%s\n    {\"pipeline\": \"%s\", \"size\": %" G_GSIZE_FORMAT
      ", \"skipped\": \"%s\"}", *first ? "" : ",", name, size, quoted);
  *first = FALSE;
  g_free (quoted);
  g_printerr ("  b %-12s %6" G_GSIZE_FORMAT " B  skipped: %s\n", name, size,
      reason);
}

/* One row of the result: a filter (or the raw cipher) at one size. */
typedef struct
{
  const gchar *name;
  InputKind input;
  const FilterSpec *spec;       /* NULL for the raw cipher */
  GPtrArray *encrypted;         /* inputs of a decrypting filter */
  gdouble *samples;
  guint64 allocations;
  gchar *skipped;
} Row;

static void
print_row (const Row * row, gsize size, guint n, guint repeats,
    gboolean * first)
{
  gdouble allocations = (gdouble) row->allocations / ((guint64) n * repeats);
  guint r;

  if (row->skipped) {
    print_skip (first, row->name, size, row->skipped);
    return;
  }
  g_print ("%s\n    {\"pipeline\": \"%s\", \"size\": %" G_GSIZE_FORMAT
      ", \"buffers\": %u, \"repeats\": %u, \"ns_per_buffer\": %.1f, "
      "\"allocations_per_buffer\": %.2f, \"samples_ns\": [",
      *first ? "" : ",", row->name, size, n, repeats,
      median (row->samples, repeats), allocations);
  for (r = 0; r < repeats; r++)
    g_print ("%s%.1f", r ? ", " : "", row->samples[r]);
  g_print ("]}");
  *first = FALSE;
  g_printerr ("  b %-12s %6" G_GSIZE_FORMAT " B  %9.1f ns/buffer, "
      "%.2f allocations/buffer\n", row->name, size,
      median (row->samples, repeats), allocations);
}

/* OpenSSL's AES-128-GCM on the VP8 frames of this size (3 clear bytes as
 * AAD), keyed once, a new IV per frame: the "raw cipher" of the budget,
 * timed here between the pipelines so that both see the same machine. */
static gint64
time_raw_cipher (gsize size, guint n, guint64 * allocations)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  GPtrArray *frames = make_vp8_frames (size, 1);
  GstBuffer *frame = g_ptr_array_index (frames, 0);
  guint8 *out = g_malloc (size + 16);
  guint8 iv[12] = { 0 };
  GstMapInfo map;
  gint64 start, elapsed;
  guint i;
  int len;

  EVP_EncryptInit_ex (ctx, EVP_aes_128_gcm (), NULL, e2ee_key, NULL);
  gst_buffer_map (frame, &map, GST_MAP_READ);
  start_counting ();
  start = thread_cpu_ns ();
  for (i = 0; i < n; i++) {
    GST_WRITE_UINT32_BE (iv + 8, i);
    EVP_EncryptInit_ex (ctx, NULL, NULL, NULL, iv);
    EVP_EncryptUpdate (ctx, NULL, &len, map.data, 3);
    EVP_EncryptUpdate (ctx, out, &len, map.data + 3, size - 3);
    EVP_EncryptFinal_ex (ctx, out + len, &len);
    EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16, out + size - 3);
  }
  elapsed = thread_cpu_ns () - start;
  *allocations += stop_counting ();
  gst_buffer_unmap (frame, &map);
  g_ptr_array_unref (frames);
  g_free (out);
  EVP_CIPHER_CTX_free (ctx);
  return elapsed;
}

static void
row_prepare (Row * row, gsize size, guint n, guint repeats)
{
  GstElementFactory *factory;
  GError *error = NULL;

  row->samples = g_new0 (gdouble, repeats);
  if (row->spec == NULL)
    return;
  factory = gst_element_factory_find (row->name);
  if (factory == NULL) {
    row->skipped = g_strdup ("element not found");
    return;
  }
  gst_object_unref (factory);
  if (row->input != INPUT_E2EE_FRAMES && row->input != INPUT_SRTP_PACKETS)
    return;
  row->encrypted = make_encrypted (row->input, size, n + 1, &error);
  if (row->encrypted && row->encrypted->len != n + 1)
    g_set_error (&error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "encryptor produced %u of %u buffers", row->encrypted->len, n + 1);
  if (error) {
    row->skipped = g_strdup (error->message);
    g_clear_error (&error);
  }
}

static void
row_measure (Row * row, gsize size, guint n, guint repeat)
{
  GError *error = NULL;
  GPtrArray *bufs;
  gint64 ns;

  if (row->skipped)
    return;
  if (row->spec == NULL) {
    row->samples[repeat] = (gdouble) time_raw_cipher (size, n,
        &row->allocations) / n;
    return;
  }
  bufs = make_inputs (row->input, size, n + 1, row->encrypted);
  ns = time_pipeline (row->spec, bufs, &row->allocations, &error);
  g_ptr_array_unref (bufs);
  if (ns < 0) {
    row->skipped = g_strdup (error ? error->message : "failed");
    g_clear_error (&error);
    return;
  }
  row->samples[repeat] = (gdouble) ns / n;
}

static void
row_clear (Row * row)
{
  g_clear_pointer (&row->encrypted, g_ptr_array_unref);
  g_free (row->samples);
  g_free (row->skipped);
}

/* Every filter and the raw cipher at one size, repeat by repeat, so that
 * a change in the machine's load hits all of them alike. */
static void
bench_size (gsize size, guint repeats, gdouble scale, const gchar * only,
    gboolean * first)
{
  guint n = buffers_for_size (size, scale);
  Row rows[G_N_ELEMENTS (filters) + 1] = { {0} };
  guint n_rows = 0, i, r;

  for (i = 0; i < G_N_ELEMENTS (filters); i++) {
    if (only && !g_str_equal (only, filters[i].name))
      continue;
    rows[n_rows].name = filters[i].name;
    rows[n_rows].input = filters[i].input;
    rows[n_rows].spec = &filters[i];
    n_rows++;
  }
  if (only == NULL) {
    rows[n_rows].name = "raw-cipher";
    rows[n_rows].input = INPUT_VP8_FRAMES;
    n_rows++;
  }
  for (i = 0; i < n_rows; i++)
    row_prepare (&rows[i], size, n, repeats);
  for (r = 0; r < repeats; r++)
    for (i = 0; i < n_rows; i++)
      row_measure (&rows[i], size, n, r);
  for (i = 0; i < n_rows; i++) {
    print_row (&rows[i], size, n, repeats, first);
    row_clear (&rows[i]);
  }
}

int
main (int argc, char **argv)
{
  gint repeats = 5;
  gdouble scale = 1.0;
  gchar *only = NULL;
  GOptionEntry entries[] = {
    {"filter", 'f', 0, G_OPTION_ARG_STRING, &only,
        "Measure this filter only (for profiling)", "NAME"},
    {"repeats", 'r', 0, G_OPTION_ARG_INT, &repeats, "Runs per cell", "N"},
    {"scale", 's', 0, G_OPTION_ARG_DOUBLE, &scale,
        "Multiply the buffer counts by F", "F"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- e2ee benchmark, part b");
  GError *error = NULL;
  gboolean first = TRUE;
  guint i;

  /* Each run frees its N pre-made buffers (up to 100 MB), so with glibc's
   * default 128 KiB trim threshold the heap shrinks and grows again, and
   * every filter that allocates an output buffer pays page faults that a
   * pipeline in its steady state does not. Keep the heap. */
  mallopt (M_TRIM_THRESHOLD, 1 << 30);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  repeats = CLAMP (repeats, 1, 100);
  fill_pattern (e2ee_key, sizeof (e2ee_key), 3);
  fill_pattern (srtp_key, sizeof (srtp_key), 4);

  g_print ("{\"part\": \"b\", \"results\": [");
  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    bench_size (sizes[i], repeats, scale, only, &first);
  g_print ("\n]}\n");
  return 0;
}
