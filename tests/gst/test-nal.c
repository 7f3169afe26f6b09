/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* gst/gste2eenal.c on its own (compiled into this test): the start-code
 * scanner, libwebrtc's NAL unit split that the payloaders use, the element
 * base's avc/hvc1 <-> Annex B conversion, and the parameter sets it gives
 * back to key frames from codec_data. */

#include <gst/gst.h>
#include "gste2eenal.h"
#include "hex.h"

#include <string.h>

static void
test_find_start_code (void)
{
  GBytes *b = hex_to_bytes ("11 00 00 00 01 22 00 01 00 00 01");
  gsize size;
  const guint8 *d = g_bytes_get_data (b, &size);

  g_assert_cmpuint (gst_e2ee_nal_find_start_code (d, size, 0), ==, 2);
  g_assert_cmpuint (gst_e2ee_nal_find_start_code (d, size, 3), ==, 8);
  g_assert_cmpuint (gst_e2ee_nal_find_start_code (d, size, 9), ==, size);
  g_assert_cmpuint (gst_e2ee_nal_find_start_code (d, 10, 0), ==, 2);
  g_assert_cmpuint (gst_e2ee_nal_find_start_code (d + 5, 5, 0), ==, 5);
  g_bytes_unref (b);
}

static void
assert_nal_units (const gchar * annex_b, const gsize * expected, guint n)
{
  GBytes *b = hex_to_bytes (annex_b);
  gsize size;
  const guint8 *d = g_bytes_get_data (b, &size);
  GArray *units = gst_e2ee_nal_split_annex_b (d, size);
  guint i;

  g_assert_cmpuint (units->len, ==, n);
  for (i = 0; i < n; i++) {
    GstE2eeNalUnit *u = &g_array_index (units, GstE2eeNalUnit, i);

    g_assert_cmpuint (u->offset, ==, expected[2 * i]);
    g_assert_cmpuint (u->size, ==, expected[2 * i + 1]);
  }
  g_array_unref (units);
  g_bytes_unref (b);
}

/* libwebrtc's rule: only a 4-byte start code's leading zero is dropped;
 * the last NAL unit keeps its trailing zeros (the key index 0 of an
 * encrypted frame); empty NAL units and leading bytes are no NAL units. */
static void
test_split_annex_b (void)
{
  const gsize two[] = { 4, 2, 10, 3 };
  const gsize trailing[] = { 4, 3, 11, 2 };
  const gsize skipped[] = { 10, 1 };
  const gsize leading[] = { 5, 2 };

  assert_nal_units ("00 00 00 01 67 42 00 00 00 01 65 88 00", two, 2);
  assert_nal_units ("00 00 00 01 67 42 00 00 00 00 01 65 88", trailing, 2);
  assert_nal_units ("00 00 01 00 00 00 01 00 00 01 65", skipped, 1);
  assert_nal_units ("aa bb 00 00 01 67 42", leading, 1);
  assert_nal_units ("67 42 00 00", NULL, 0);
}

static void
test_has_leading_data (void)
{
  GBytes *zeros = hex_to_bytes ("00 00 00 00 01 65");
  GBytes *data = hex_to_bytes ("00 01 00 00 01 65");
  GBytes *none = hex_to_bytes ("65 88");

  g_assert_false (gst_e2ee_nal_has_leading_data (g_bytes_get_data (zeros,
              NULL), g_bytes_get_size (zeros)));
  g_assert_true (gst_e2ee_nal_has_leading_data (g_bytes_get_data (data,
              NULL), g_bytes_get_size (data)));
  g_assert_true (gst_e2ee_nal_has_leading_data (g_bytes_get_data (none,
              NULL), g_bytes_get_size (none)));
  g_bytes_unref (zeros);
  g_bytes_unref (data);
  g_bytes_unref (none);
}

static guint
length_size_of (const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  guint size;

  g_assert_nonnull (caps);
  size = gst_e2ee_nal_length_size_from_caps (gst_caps_get_structure (caps,
          0));
  gst_caps_unref (caps);
  return size;
}

static void
test_length_size_from_caps (void)
{
  g_assert_cmpuint (length_size_of ("video/x-h264,stream-format=avc,"
          "codec_data=(buffer)0142c01efde1000d6742c01eab40501ed0"), ==, 2);
  g_assert_cmpuint (length_size_of ("video/x-h264,stream-format=avc3,"
          "codec_data=(buffer)0142c01effe1000d6742c01eab40501ed0"), ==, 4);
  g_assert_cmpuint (length_size_of ("video/x-h264,stream-format=avc"), ==, 4);
  g_assert_cmpuint (length_size_of ("video/x-h265,stream-format=hvc1,"
          "codec_data=(buffer)01010160000000b00000000000f000fcfdf8f800000d00"),
      ==, 2);
  g_assert_cmpuint (length_size_of ("video/x-h264,"
          "stream-format=byte-stream"), ==, 0);
  g_assert_cmpuint (length_size_of ("video/x-h264"), ==, 0);
  g_assert_cmpuint (length_size_of ("video/x-vp8,stream-format=avc"), ==, 0);
}

static GBytes *
to_length_prefixed (GBytes * annex_b, guint length_size, gsize out_size,
    gboolean * ok)
{
  guint8 *out = g_malloc (MAX (out_size, 1));
  gsize out_len = 0;

  *ok = gst_e2ee_nal_annex_b_to_length_prefixed (g_bytes_get_data (annex_b,
          NULL), g_bytes_get_size (annex_b), length_size, out, out_size,
      &out_len);
  return g_bytes_new_take (out, out_len);
}

static void
assert_bytes (GBytes * bytes, const gchar * expected_hex)
{
  GBytes *expected = hex_to_bytes (expected_hex);

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
      g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_bytes_unref (expected);
}

/* The standard's rule: zero bytes before a start code belong to no NAL
 * unit, but the last NAL unit keeps its trailing zeros; an empty NAL unit
 * keeps its place. */
static void
test_annex_b_to_length_prefixed (void)
{
  GBytes *in = hex_to_bytes ("00 00 00 01 67 42 00 00 00 00 01 00 00 01 65 88 00");
  GBytes *lead = hex_to_bytes ("ff 00 00 01 65");
  guint8 *zeros = g_malloc0 (300);
  GBytes *long_nal;
  GBytes *out;
  gboolean ok;

  out = to_length_prefixed (in, 2, 64, &ok);
  g_assert_true (ok);
  assert_bytes (out, "0002 6742 0000 0003 658800");
  g_bytes_unref (out);

  /* Too small for the result, non-zero leading bytes. */
  out = to_length_prefixed (in, 2, 10, &ok);
  g_assert_false (ok);
  g_bytes_unref (out);
  out = to_length_prefixed (lead, 4, 64, &ok);
  g_assert_false (ok);
  g_bytes_unref (out);

  /* A 297-byte NAL unit does not fit a 1-byte length. */
  memcpy (zeros, "\0\0\1\x65", 4);
  long_nal = g_bytes_new_take (zeros, 300);
  out = to_length_prefixed (long_nal, 1, 600, &ok);
  g_assert_false (ok);
  g_bytes_unref (out);
  out = to_length_prefixed (long_nal, 2, 600, &ok);
  g_assert_true (ok);
  g_assert_cmpuint (g_bytes_get_size (out), ==, 2 + 297);
  g_bytes_unref (out);

  g_bytes_unref (long_nal);
  g_bytes_unref (lead);
  g_bytes_unref (in);
}

/* Length-prefixed -> Annex B -> length-prefixed gives back every valid
 * access unit byte for byte, within the Annex B size bound. */
static void
test_round_trip (void)
{
  const gchar *units[] = {
    "0002 6742  0003 68ce3c  0005 6588840021",
    "0001 09  0000  0004 419a2438",
    "0000  0000  0000",
    "",
  };
  const guint sizes[] = { 1, 2, 4 };
  guint u, k;

  for (u = 0; u < G_N_ELEMENTS (units); u++) {
    for (k = 0; k < G_N_ELEMENTS (sizes); k++) {
      GBytes *two = hex_to_bytes (units[u]);
      GByteArray *lp = g_byte_array_new ();
      GByteArray *annex_b = g_byte_array_new ();
      const guint8 *d = g_bytes_get_data (two, NULL);
      gsize pos = 0, len = g_bytes_get_size (two);
      GBytes *annex_b_bytes, *back;
      gboolean ok;

      /* The same NAL units behind lengths of sizes[k] bytes. */
      while (pos + 2 <= len) {
        guint n = d[pos] << 8 | d[pos + 1];
        guint i;

        for (i = 0; i < sizes[k]; i++) {
          guint8 b = n >> (8 * (sizes[k] - 1 - i));

          g_byte_array_append (lp, &b, 1);
        }
        g_byte_array_append (lp, d + pos + 2, n);
        pos += 2 + n;
      }

      g_assert_true (gst_e2ee_nal_length_prefixed_to_annex_b (lp->data,
              lp->len, sizes[k], annex_b));
      g_assert_cmpuint (annex_b->len, <=,
          gst_e2ee_nal_annex_b_max_size (lp->len, sizes[k]));
      annex_b_bytes = g_bytes_new_static (annex_b->data, annex_b->len);
      back = to_length_prefixed (annex_b_bytes, sizes[k], lp->len, &ok);
      g_assert_true (ok);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back),
          lp->data, lp->len);

      g_bytes_unref (back);
      g_bytes_unref (annex_b_bytes);
      g_byte_array_unref (annex_b);
      g_byte_array_unref (lp);
      g_bytes_unref (two);
    }
  }
}

/* A length past the end of the access unit is refused. */
static void
test_length_overrun (void)
{
  GBytes *lp = hex_to_bytes ("0005 658884");
  GByteArray *annex_b = g_byte_array_new ();

  g_assert_false (gst_e2ee_nal_length_prefixed_to_annex_b
      (g_bytes_get_data (lp, NULL), g_bytes_get_size (lp), 2, annex_b));
  g_assert_false (gst_e2ee_nal_length_prefixed_to_annex_b
      (g_bytes_get_data (lp, NULL), 1, 2, annex_b));
  g_byte_array_unref (annex_b);
  g_bytes_unref (lp);
}

static GBytes *
parameter_sets_of (const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GBytes *sets;

  g_assert_nonnull (caps);
  sets = gst_e2ee_nal_parameter_sets_from_caps (gst_caps_get_structure (caps,
          0));
  gst_caps_unref (caps);
  return sets;
}

/* avcC: SPS then PPS; hvcC: VPS, SPS, PPS whatever the arrays' order. */
static void
test_parameter_sets_from_caps (void)
{
  GBytes *sets = parameter_sets_of ("video/x-h264,stream-format=avc,"
      "codec_data=(buffer)0142c01effe100046742c01e01000468ce3c80");

  assert_bytes (sets, "000000016742c01e0000000168ce3c80");
  g_bytes_unref (sets);

  /* 22 bytes of hvcC header, 3 arrays: PPS, VPS, SPS */
  sets = parameter_sets_of ("video/x-h265,stream-format=hvc1,"
      "codec_data=(buffer)01010160000000b00000000000f000fcfdf8f800000f03"
      "a20001000344010c" "a000010002400c" "a100010003420101");
  assert_bytes (sets, "00000001400c" "00000001420101" "0000000144010c");
  g_bytes_unref (sets);

  g_assert_null (parameter_sets_of ("video/x-h264,stream-format=avc"));
  g_assert_null (parameter_sets_of ("video/x-h264,stream-format=byte-stream,"
          "codec_data=(buffer)0142c01effe100046742c01e01000468ce3c80"));
  /* truncated: the PPS runs past the end */
  g_assert_null (parameter_sets_of ("video/x-h264,stream-format=avc,"
          "codec_data=(buffer)0142c01effe100046742c01e01000868ce3c80"));
}

static GByteArray *
array_of_hex (const gchar * hex)
{
  GBytes *bytes = hex_to_bytes (hex);
  GByteArray *array = g_byte_array_new ();

  g_byte_array_append (array, g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  g_bytes_unref (bytes);
  return array;
}

static void
assert_inserted (const gchar * au_hex, gboolean h265, const gchar * sets_hex,
    const gchar * expected_hex)
{
  GByteArray *au = array_of_hex (au_hex);
  GBytes *sets = hex_to_bytes (sets_hex);
  GBytes *result;

  g_assert_false (gst_e2ee_nal_has_parameter_sets (au->data, au->len, h265));
  gst_e2ee_nal_insert_parameter_sets (au, sets, h265);
  g_assert_true (gst_e2ee_nal_has_parameter_sets (au->data, au->len, h265));
  result = g_byte_array_free_to_bytes (au);
  assert_bytes (result, expected_hex);
  g_bytes_unref (result);
  g_bytes_unref (sets);
}

/* After the leading AUDs, before the first other NAL unit. */
static void
test_insert_parameter_sets (void)
{
  const gchar *sps_pps = "000000016742c01e0000000168ce3c80";

  assert_inserted ("00000001098000000001060501" "000000016588", FALSE,
      sps_pps, "0000000109800000000167" "42c01e0000000168ce3c80"
      "00000001060501" "000000016588");
  assert_inserted ("000000016588", FALSE, sps_pps,
      "000000016742c01e0000000168ce3c80000000016588");
  /* H.265: AUD 35 (0x46 0x01), then an IDR (0x26 0x01) */
  assert_inserted ("0000000146015000000001260188", TRUE,
      "00000001400c00000001420101", "000000014601500000000140"
      "0c00000001420101" "00000001260188");
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nal/find-start-code", test_find_start_code);
  g_test_add_func ("/nal/split-annex-b", test_split_annex_b);
  g_test_add_func ("/nal/has-leading-data", test_has_leading_data);
  g_test_add_func ("/nal/length-size-from-caps", test_length_size_from_caps);
  g_test_add_func ("/nal/annex-b-to-length-prefixed",
      test_annex_b_to_length_prefixed);
  g_test_add_func ("/nal/round-trip", test_round_trip);
  g_test_add_func ("/nal/length-overrun", test_length_overrun);
  g_test_add_func ("/nal/parameter-sets-from-caps",
      test_parameter_sets_from_caps);
  g_test_add_func ("/nal/insert-parameter-sets", test_insert_parameter_sets);
  return g_test_run ();
}
