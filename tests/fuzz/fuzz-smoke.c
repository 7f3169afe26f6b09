/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Deterministic fuzz smoke test, run by every `meson test`: valid encrypted
 * frames of every codec, mutated with a fixed seed (bit flips, byte
 * changes, truncations, insertions of escape and start-code bytes,
 * deletions, duplicated chunks), go through the decryptor.
 *
 * Nothing may crash or read out of bounds (inputs are exact-size heap
 * copies: run it under ASan or valgrind to see overreads), and a mutated
 * frame may only decrypt if it is equivalent to the original: same clear
 * header, same sealed bytes once unescaped, and a key index naming the same
 * ring slot (escape bytes and KID + ring size are not authenticated, in
 * LiveKit's format as in ours), possibly behind leading H.26x parameter
 * sets, which the decryptor may skip. Then its plaintext must be the
 * original's.
 *
 * The same mutated frames, a tenth as many, also go through every function
 * of the frame format on its own, with the checks the libFuzzer target
 * fuzz-frame-format runs (frame-format-checks.h).
 *
 * E2EE_FUZZ_ITERATIONS sets the total number of mutated frames (default
 * 200000), spread over the codecs. */

#include <keyring/e2ee.h>
#include <keyring/e2ee-frame-format.h>
#include <string.h>

#include "frame-format-checks.h"

#define DEFAULT_ITERATIONS 200000
#define N_CODECS (E2EE_CODEC_H265 + 1)
#define MAX_MUTATIONS 4
#define GROWTH_ROOM 64

typedef struct
{
  E2eeFrameType frame_type;
  guint8 *plaintext;            /* what decrypt gives back */
  gsize plaintext_len;
  guint8 *encrypted;
  gsize encrypted_len;
} Seed;

typedef struct
{
  E2eeCodec codec;
  E2eeKeyProvider *provider;
  E2eeFrameCryptor *decryptor;
  GPtrArray *seeds;
  GRand *rand;
  /* results */
  guint unchanged;
  guint equivalent;
  guint refused;
  guint error_counts[E2EE_ERROR_INTERNAL + 1];
} Campaign;

static const gchar *codec_names[N_CODECS] = {
  "data", "audio", "vp8", "vp9", "av1", "h264", "h265"
};

static guint
total_iterations (void)
{
  const gchar *env = g_getenv ("E2EE_FUZZ_ITERATIONS");

  return env ? (guint) g_ascii_strtoull (env, NULL, 10) : DEFAULT_ITERATIONS;
}

/* Plaintexts */

static void
fill_payload (GRand * rand, guint8 * data, gsize len)
{
  gsize i;

  /* Zero-heavy, so that escaping is needed often. */
  for (i = 0; i < len; i++) {
    guint32 r = g_rand_int (rand);

    data[i] = (r & 3) == 0 ? 0 : (r & 4) ? (r >> 8) & 3 : r >> 8;
  }
}

/* H.264: AUD, SPS (3-byte start code), PPS, IDR; H.265: VPS, SPS, IDR. */
static gsize
make_nal_frame (GRand * rand, E2eeCodec codec, guint8 * frame, gsize len)
{
  static const guint8 h264[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67,
    0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, 0, 0, 0, 1, 0x65,
    0x88
  };
  static const guint8 h265[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1,
    0x42, 0x01, 0x01, 0, 0, 0, 1, 0x26, 0x01, 0xaf
  };
  const guint8 *prefix = codec == E2EE_CODEC_H264 ? h264 : h265;
  gsize prefix_len = codec == E2EE_CODEC_H264 ? sizeof (h264) : sizeof (h265);

  if (len < prefix_len + 4) {
    gsize i;

    /* Too short for the NAL units: no zero bytes, so no start code, and
     * both ends take LiveKit's VP8 fallback. (A fallback frame whose clear
     * bytes end in a start code is split by the receiver according to the
     * encrypted byte that follows it: see e2ee-frame-format.c.) */
    for (i = 0; i < len; i++)
      frame[i] = g_rand_int (rand) | 0x10;
    return len;
  }
  memcpy (frame, prefix, prefix_len);
  fill_payload (rand, frame + prefix_len, len - prefix_len);
  return len;
}

static void
make_plaintext (GRand * rand, E2eeCodec codec, guint8 * frame, gsize len)
{
  if (codec == E2EE_CODEC_H264 || codec == E2EE_CODEC_H265) {
    make_nal_frame (rand, codec, frame, len);
    return;
  }
  fill_payload (rand, frame, len);
}

static Seed *
make_seed (Campaign * campaign, E2eeFrameCryptor * encryptor, gsize len,
    E2eeFrameType frame_type)
{
  Seed *seed = g_new0 (Seed, 1);
  guint8 *plain = g_malloc (len);
  gsize size = e2ee_frame_cryptor_get_max_encrypted_size (encryptor, len);
  GError *error = NULL;
  gsize out_len;

  make_plaintext (campaign->rand, campaign->codec, plain, len);
  seed->frame_type = frame_type;
  seed->encrypted = g_malloc (size);
  g_assert_true (e2ee_frame_cryptor_encrypt (encryptor, plain, len,
          frame_type, seed->encrypted, size, &seed->encrypted_len, &error));
  g_assert_no_error (error);

  /* The unmutated frame decrypts; its output is the reference. */
  seed->plaintext = g_malloc (seed->encrypted_len);
  g_assert_true (e2ee_frame_cryptor_decrypt (campaign->decryptor,
          seed->encrypted, seed->encrypted_len, frame_type, seed->plaintext,
          seed->encrypted_len, &out_len, &error));
  g_assert_no_error (error);
  seed->plaintext_len = out_len;
  g_free (plain);
  return seed;
}

static void
seed_free (gpointer data)
{
  Seed *seed = data;

  g_free (seed->plaintext);
  g_free (seed->encrypted);
  g_free (seed);
}

/* With E2EE_FUZZ_CORPUS_DIR set, the seeds are also written there as a
 * starting corpus for fuzz-decrypt (same keys; first byte = codec | frame
 * type << 3, as fuzz-decrypt.c reads it). */
static void
write_corpus (Campaign * campaign)
{
  const gchar *dir = g_getenv ("E2EE_FUZZ_CORPUS_DIR");
  guint i;

  if (dir == NULL)
    return;
  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < campaign->seeds->len; i++) {
    const Seed *seed = g_ptr_array_index (campaign->seeds, i);
    gchar *name = g_strdup_printf ("%s/%s-%02u", dir,
        codec_names[campaign->codec], i);
    guint8 *data = g_malloc (seed->encrypted_len + 1);

    data[0] = campaign->codec | (seed->frame_type << 3);
    memcpy (data + 1, seed->encrypted, seed->encrypted_len);
    g_assert_true (g_file_set_contents (name, (const gchar *) data,
            seed->encrypted_len + 1, NULL));
    g_free (data);
    g_free (name);
  }
}

static void
campaign_init (Campaign * campaign, E2eeCodec codec)
{
  static const gsize sizes[] = { 1, 2, 5, 10, 11, 31, 40, 64, 200, 1500 };
  E2eeFrameCryptor *encryptor;
  guint8 material[32];
  gsize i;
  guint k;

  memset (campaign, 0, sizeof (*campaign));
  campaign->codec = codec;
  campaign->rand = g_rand_new_with_seed (0xf022 + codec);
  campaign->provider = e2ee_key_provider_new ();
  /* A different key in every slot, so a changed KID names a wrong key. */
  for (k = 0; k < E2EE_DEFAULT_KEY_RING_SIZE; k++) {
    for (i = 0; i < sizeof (material); i++)
      material[i] = k * 17 + i;
    g_assert_true (e2ee_key_provider_set_key (campaign->provider, NULL,
            material, sizeof (material), k, k == 3, NULL));
  }
  encryptor = e2ee_frame_cryptor_new (campaign->provider, NULL, codec);
  campaign->decryptor = e2ee_frame_cryptor_new (campaign->provider, NULL,
      codec);
  campaign->seeds = g_ptr_array_new_with_free_func (seed_free);

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_ptr_array_add (campaign->seeds, make_seed (campaign, encryptor,
            sizes[i], E2EE_FRAME_TYPE_AUTO));
    g_ptr_array_add (campaign->seeds, make_seed (campaign, encryptor,
            sizes[i], i % 2 ? E2EE_FRAME_TYPE_KEY : E2EE_FRAME_TYPE_DELTA));
  }
  g_object_unref (encryptor);
  write_corpus (campaign);
}

static void
campaign_clear (Campaign * campaign)
{
  g_ptr_array_unref (campaign->seeds);
  g_object_unref (campaign->decryptor);
  g_object_unref (campaign->provider);
  g_rand_free (campaign->rand);
}

/* Mutations, on a buffer with GROWTH_ROOM spare bytes */

static void
insert_bytes (guint8 * frame, gsize * len, gsize pos, const guint8 * bytes,
    gsize n)
{
  memmove (frame + pos + n, frame + pos, *len - pos);
  memcpy (frame + pos, bytes, n);
  *len += n;
}

static void
mutate_once (GRand * rand, guint8 * frame, gsize * len, gsize capacity)
{
  /* Escape and start-code bytes, a trailer byte, and whole H.264 SPS and
   * H.265 VPS NAL units (which the decryptor may skip in front). */
  static const guint8 specials[][8] = {
    {0, 0, 3}, {0, 0, 1}, {0, 0, 0, 1}, {3}, {0}, {12}, {0xff},
    {0, 0, 0, 1, 0x67, 0x42, 0x80}, {0, 0, 0, 1, 0x40, 0x01, 0x80}
  };
  static const guint8 special_len[] = { 3, 3, 4, 1, 1, 1, 1, 7, 7 };
  guint kind = g_rand_int_range (rand, 0, 8);
  gsize pos = *len ? g_rand_int_range (rand, 0, *len) : 0;
  /* Drawn once: MIN () evaluates its arguments twice. */
  gsize small = g_rand_int_range (rand, 1, 9);

  switch (kind) {
    case 0:                    /* bit flip */
      if (*len)
        frame[pos] ^= 1u << g_rand_int_range (rand, 0, 8);
      break;
    case 1:                    /* byte change, often near the trailer */
      if (*len) {
        if (g_rand_boolean (rand))
          pos = *len - 1 - MIN (*len - 1, small * 2);
        frame[pos] = g_rand_int (rand);
      }
      break;
    case 2:                    /* truncate the end */
      *len = pos;
      break;
    case 3:                    /* cut the start */
      memmove (frame, frame + pos, *len - pos);
      *len -= pos;
      break;
    case 4:{                   /* insert a special sequence */
      guint s = g_rand_int_range (rand, 0, G_N_ELEMENTS (specials));

      if (small == 1)           /* in front, now and then */
        pos = 0;

      if (*len + special_len[s] <= capacity)
        insert_bytes (frame, len, pos, specials[s], special_len[s]);
      break;
    }
    case 5:{                   /* insert random bytes */
      guint8 bytes[8];
      gsize n = g_rand_int_range (rand, 1, sizeof (bytes));
      gsize i;

      for (i = 0; i < n; i++)
        bytes[i] = g_rand_int (rand);
      if (*len + n <= capacity)
        insert_bytes (frame, len, pos, bytes, n);
      break;
    }
    case 6:{                   /* delete a few bytes */
      gsize n = MIN (*len - pos, small / 2 + 1);

      memmove (frame + pos, frame + pos + n, *len - pos - n);
      *len -= n;
      break;
    }
    default:{                  /* duplicate a chunk */
      gsize n = MIN (*len - pos, small);

      if (*len + n <= capacity) {
        guint8 chunk[8];

        memcpy (chunk, frame + pos, n);
        insert_bytes (frame, len, pos, chunk, n);
      }
      break;
    }
  }
}

/* Equivalence: what the decryptor authenticates is the same */

static GBytes *
canonical_form (E2eeCodec codec, E2eeFrameType frame_type,
    const guint8 * frame, gsize len)
{
  E2eeFrameSplit split = e2ee_frame_format_split (codec, frame_type, frame,
      len);
  guint8 *out = g_malloc (len + 1);
  gsize out_len;

  memcpy (out, frame, split.header_len);
  if (split.nal_processing)
    out_len = split.header_len + e2ee_frame_format_unescape (frame +
        split.header_len, len - split.header_len, out + split.header_len);
  else {
    memcpy (out + split.header_len, frame + split.header_len,
        len - split.header_len);
    out_len = len;
  }
  if (out_len > 0)
    out[out_len - 1] %= E2EE_DEFAULT_KEY_RING_SIZE;
  return g_bytes_new_take (out, out_len);
}

/* Also accepted for H.264/H.265: the original behind a prefix, which the
 * decryptor may skip when it is made of whole parameter sets (what
 * rtph264depay/rtph265depay prepend); only the original is released. */
static gboolean
has_suffix (GBytes * bytes, GBytes * suffix)
{
  gsize len, suffix_len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  const guint8 *end = g_bytes_get_data (suffix, &suffix_len);

  return len >= suffix_len
      && memcmp (data + len - suffix_len, end, suffix_len) == 0;
}

static gboolean
is_equivalent (E2eeCodec codec, const Seed * seed, const guint8 * frame,
    gsize len)
{
  GBytes *a = canonical_form (codec, seed->frame_type, seed->encrypted,
      seed->encrypted_len);
  GBytes *b = canonical_form (codec, seed->frame_type, frame, len);
  gboolean same = g_bytes_equal (a, b)
      || ((codec == E2EE_CODEC_H264 || codec == E2EE_CODEC_H265)
      && has_suffix (b, a));

  g_bytes_unref (a);
  g_bytes_unref (b);
  return same;
}

static void
check_refusal (Campaign * campaign, const GError * error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == E2EE_ERROR);
  g_assert_true (error->code == E2EE_ERROR_MALFORMED_FRAME
      || error->code == E2EE_ERROR_DECRYPTION_FAILED
      || error->code == E2EE_ERROR_MISSING_KEY);
  campaign->error_counts[error->code]++;
  campaign->refused++;
}

static void
run_one (Campaign * campaign, guint8 * work, gsize capacity)
{
  const Seed *seed = g_ptr_array_index (campaign->seeds,
      g_rand_int_range (campaign->rand, 0, campaign->seeds->len));
  guint n_mutations = g_rand_int_range (campaign->rand, 1, MAX_MUTATIONS + 1);
  gsize len = seed->encrypted_len;
  guint8 *input, *out;
  GError *error = NULL;
  gsize out_len;
  gboolean ok;
  guint m;

  memcpy (work, seed->encrypted, len);
  for (m = 0; m < n_mutations; m++)
    mutate_once (campaign->rand, work, &len, capacity);

  /* Exact-size copies: any read or write past them is a bug. */
  input = g_memdup2 (work, MAX (len, 1));
  out = g_malloc (MAX (len, 1));
  ok = e2ee_frame_cryptor_decrypt (campaign->decryptor, input, len,
      seed->frame_type, out, len, &out_len, &error);

  if (len == 0) {
    g_assert_true (ok);         /* empty frames pass through */
    campaign->unchanged++;
  } else if (ok) {
    /* Accepted: only an equivalent frame, only the original plaintext. */
    g_assert_true (is_equivalent (campaign->codec, seed, input, len));
    g_assert_cmpmem (out, out_len, seed->plaintext, seed->plaintext_len);
    if (len == seed->encrypted_len
        && memcmp (input, seed->encrypted, len) == 0)
      campaign->unchanged++;
    else
      campaign->equivalent++;
  } else {
    check_refusal (campaign, error);
    g_clear_error (&error);
  }
  g_free (input);
  g_free (out);
}

static void
test_mutated_frames (gconstpointer data)
{
  E2eeCodec codec = GPOINTER_TO_UINT (data);
  guint iterations = total_iterations () / N_CODECS;
  Campaign campaign;
  guint8 *work;
  gsize capacity = 0;
  guint i;

  campaign_init (&campaign, codec);
  for (i = 0; i < campaign.seeds->len; i++) {
    const Seed *seed = g_ptr_array_index (campaign.seeds, i);

    capacity = MAX (capacity, seed->encrypted_len);
  }
  capacity += MAX_MUTATIONS * GROWTH_ROOM;
  work = g_malloc (capacity);

  for (i = 0; i < iterations; i++)
    run_one (&campaign, work, capacity);

  g_test_message ("%s: %u mutated frames: %u refused (malformed %u, "
      "authentication %u, missing key %u), %u unchanged or emptied, "
      "%u equivalent accepted (escape bytes, KID + ring size, or a "
      "parameter-set prefix)",
      codec_names[codec], iterations, campaign.refused,
      campaign.error_counts[E2EE_ERROR_MALFORMED_FRAME],
      campaign.error_counts[E2EE_ERROR_DECRYPTION_FAILED],
      campaign.error_counts[E2EE_ERROR_MISSING_KEY], campaign.unchanged,
      campaign.equivalent);
  /* The mutations are not all no-ops. */
  if (iterations >= 100)
    g_assert_cmpuint (campaign.refused, >, iterations / 2);

  g_free (work);
  campaign_clear (&campaign);
}

/* Mutated frames of every codec through the frame format's own checks;
 * a failed check aborts. */
static void
test_frame_format (gconstpointer data)
{
  E2eeCodec codec = GPOINTER_TO_UINT (data);
  guint iterations = total_iterations () / N_CODECS / 10;
  Campaign campaign;
  guint8 *work;
  gsize capacity = 0;
  guint i, m;

  campaign_init (&campaign, codec);
  for (i = 0; i < campaign.seeds->len; i++) {
    const Seed *seed = g_ptr_array_index (campaign.seeds, i);

    capacity = MAX (capacity, seed->encrypted_len);
    check_frame_format (seed->encrypted, seed->encrypted_len);
    check_frame_format (seed->plaintext, seed->plaintext_len);
  }
  capacity += MAX_MUTATIONS * GROWTH_ROOM;
  work = g_malloc (capacity);

  for (i = 0; i < iterations; i++) {
    const Seed *seed = g_ptr_array_index (campaign.seeds,
        g_rand_int_range (campaign.rand, 0, campaign.seeds->len));
    gsize len = seed->encrypted_len;
    guint n_mutations = g_rand_int_range (campaign.rand, 1,
        MAX_MUTATIONS + 1);

    memcpy (work, seed->encrypted, len);
    for (m = 0; m < n_mutations; m++)
      mutate_once (campaign.rand, work, &len, capacity);
    check_frame_format (work, len);
  }
  g_test_message ("%s: %u mutated frames through the frame format checks",
      codec_names[codec], iterations);

  g_free (work);
  campaign_clear (&campaign);
}

int
main (int argc, char **argv)
{
  E2eeCodec codec;

  g_test_init (&argc, &argv, NULL);

  for (codec = E2EE_CODEC_DATA; codec < N_CODECS; codec++) {
    gchar *path = g_strdup_printf ("/fuzz/smoke/%s", codec_names[codec]);

    g_test_add_data_func (path, GUINT_TO_POINTER (codec),
        test_mutated_frames);
    g_free (path);
  }
  for (codec = E2EE_CODEC_DATA; codec < N_CODECS; codec++) {
    gchar *path = g_strdup_printf ("/fuzz/smoke/frame-format/%s",
        codec_names[codec]);

    g_test_add_data_func (path, GUINT_TO_POINTER (codec), test_frame_format);
    g_free (path);
  }
  return g_test_run ();
}
