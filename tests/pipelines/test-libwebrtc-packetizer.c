/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Interop of our RTP layer with the way libwebrtc (browsers, LiveKit's
 * native SDKs) packetizes encrypted frames, in both directions.
 *
 * This file holds a small packetizer and depacketizer written the way
 * libwebrtc's RtpPacketizerVp8/Vp9/H264 and its Opus path work: they never
 * parse a frame beyond the NAL unit headers, cut frames into fragments of
 * about equal size (the larger ones last), and trim nothing.
 *
 * - libwebrtc sender -> GStreamer receiver: real encoder output, encrypted
 *   the LiveKit way by the core's E2eeFrameCryptor, packetized here, then
 *   pushed through the stock rtpvp8depay / rtpvp9depay / rtph264depay /
 *   rtpopusdepay into e2eedecrypt. What enters e2eedecrypt must equal the
 *   encrypted frame byte for byte, and what leaves it the plaintext.
 * - GStreamer sender -> libwebrtc receiver: e2eeencrypt followed by
 *   e2eertpvp8pay / e2eertpvp9pay / e2eertph264pay / rtpopuspay; the RTP
 *   packets are depacketized here and must equal the encrypted frames byte
 *   for byte, and the core's E2eeFrameCryptor must decrypt them to the
 *   plaintext. */

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <keyring/e2ee.h>

#define N_VIDEO_FRAMES 30
#define N_AUDIO_FRAMES 50
#define MTU 600
#define RTP_HEADER_SIZE 12
#define PASSPHRASE "gst-e2ee libwebrtc packetizer test"
#define SSRC 0x1234abcd

/* ------------------------------------------------------------------------
 * Splitting a payload the libwebrtc way: as few packets as the capacity
 * allows, of about equal size with the larger ones last; the first packet
 * may carry extra header bytes (VP9 scalability structure), which count
 * against its share.
 * ------------------------------------------------------------------------ */

static GArray *
split_about_equally (gsize payload_size, gsize capacity, gsize first_extra)
{
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize total = payload_size + first_extra;
  guint n_packets, n_larger, i;

  g_assert (capacity > first_extra + 1);
  n_packets = (total + capacity - 1) / capacity;
  n_larger = total % n_packets;
  for (i = 0; i < n_packets; i++) {
    gsize size = total / n_packets + (i >= n_packets - n_larger ? 1 : 0);

    if (i == 0)
      size -= first_extra;
    g_array_append_val (sizes, size);
  }
  return sizes;
}

/* ------------------------------------------------------------------------
 * Packetizer
 * ------------------------------------------------------------------------ */

typedef struct
{
  guint8 pt;
  guint16 seq;
  guint32 timestamp;
  guint16 picture_id;
  guint width;                  /* VP9 scalability structure */
  guint height;
  GPtrArray *packets;           /* GstBuffer */
} Packetizer;

static void
packetizer_init (Packetizer * p, guint8 pt, guint width, guint height)
{
  p->pt = pt;
  p->seq = 1000;
  p->timestamp = 90000;
  p->picture_id = 0x1234;
  p->width = width;
  p->height = height;
  p->packets = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
}

static void
packetizer_add (Packetizer * p, gboolean marker, const guint8 * header,
    gsize header_size, const guint8 * data, gsize size)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (header_size + size, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 *payload;

  fail_unless (RTP_HEADER_SIZE + header_size + size <= MTU);
  gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_payload_type (&rtp, p->pt);
  gst_rtp_buffer_set_seq (&rtp, p->seq++);
  gst_rtp_buffer_set_timestamp (&rtp, p->timestamp);
  gst_rtp_buffer_set_ssrc (&rtp, SSRC);
  gst_rtp_buffer_set_marker (&rtp, marker);
  payload = gst_rtp_buffer_get_payload (&rtp);
  memcpy (payload, header, header_size);
  memcpy (payload + header_size, data, size);
  gst_rtp_buffer_unmap (&rtp);
  g_ptr_array_add (p->packets, buffer);
}

/* VP8, RFC 7741: X=1, I=1, 15-bit picture ID, S=1 on the first packet,
 * PID 0, N=0; nothing of the frame is read. */
static void
packetize_vp8 (Packetizer * p, const guint8 * frame, gsize size,
    gboolean key_frame)
{
  guint8 descriptor[4];
  GArray *sizes = split_about_equally (size, MTU - RTP_HEADER_SIZE - 4, 0);
  gsize offset = 0;
  guint i;

  for (i = 0; i < sizes->len; i++) {
    gsize fragment = g_array_index (sizes, gsize, i);

    descriptor[0] = 0x80 | (i == 0 ? 0x10 : 0);
    descriptor[1] = 0x80;
    descriptor[2] = 0x80 | (p->picture_id >> 8);
    descriptor[3] = p->picture_id & 0xff;
    packetizer_add (p, i == sizes->len - 1, descriptor, 4, frame + offset,
        fragment);
    offset += fragment;
  }
  g_array_unref (sizes);
}

/* VP9, RFC 9628, non-flexible mode, one spatial layer: I=1 (15 bits),
 * P on delta frames, B/E on the first/last packet, and on the first packet
 * of a key frame a scalability structure N_S=0 Y=1 G=0 with the size. */
static void
packetize_vp9 (Packetizer * p, const guint8 * frame, gsize size,
    gboolean key_frame)
{
  guint8 header[8];
  gsize ss_size = key_frame ? 5 : 0;
  GArray *sizes = split_about_equally (size, MTU - RTP_HEADER_SIZE - 3,
      ss_size);
  gsize offset = 0;
  guint i;

  for (i = 0; i < sizes->len; i++) {
    gsize fragment = g_array_index (sizes, gsize, i);
    gboolean first = i == 0, last = i == sizes->len - 1;
    gboolean ss = first && key_frame;

    header[0] = 0x80 | (key_frame ? 0 : 0x40) | (first ? 0x08 : 0) |
        (last ? 0x04 : 0) | (ss ? 0x02 : 0);
    header[1] = 0x80 | (p->picture_id >> 8);
    header[2] = p->picture_id & 0xff;
    if (ss) {
      header[3] = 0x10;
      GST_WRITE_UINT16_BE (header + 4, p->width);
      GST_WRITE_UINT16_BE (header + 6, p->height);
    }
    packetizer_add (p, last, header, 3 + (ss ? ss_size : 0), frame + offset,
        fragment);
    offset += fragment;
  }
  g_array_unref (sizes);
}

typedef struct
{
  gsize offset;                 /* of the NAL unit header */
  gsize size;                   /* header included */
} NalUnit;

/* Finds the NAL units of an Annex B access unit the way libwebrtc's
 * H264::FindNaluIndices does: on 00 00 01, a zero byte right before it
 * belonging to a 4-byte start code. The last NAL unit runs to the end of
 * the frame, trailing zero bytes (the key index 0) included. */
static GArray *
find_nal_units (const guint8 * data, gsize size)
{
  GArray *nals = g_array_new (FALSE, FALSE, sizeof (NalUnit));
  gsize i;

  for (i = 0; i + 3 <= size; i++) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      NalUnit nal = { i + 3, 0 };
      gsize start_code = (i > 0 && data[i - 1] == 0) ? i - 1 : i;

      if (nals->len > 0) {
        NalUnit *prev = &g_array_index (nals, NalUnit, nals->len - 1);
        prev->size = start_code - prev->offset;
      }
      g_array_append_val (nals, nal);
      i += 2;
    }
  }
  if (nals->len > 0) {
    NalUnit *last = &g_array_index (nals, NalUnit, nals->len - 1);
    last->size = size - last->offset;
  }
  return nals;
}

#define H264_STAP_A 24
#define H264_FU_A 28
#define H264_NAL_TYPE(b) ((b) & 0x1f)

/* Aggregates NAL units from @first while they fit one STAP-A packet;
 * returns how many. */
static guint
h264_count_aggregatable (const GArray * nals, guint first, gsize capacity)
{
  gsize stap_size = 1;
  guint n = 0;

  while (first + n < nals->len) {
    gsize next = g_array_index (nals, NalUnit, first + n).size;

    if (stap_size + 2 + next > capacity)
      break;
    stap_size += 2 + next;
    n++;
  }
  return n;
}

static void
h264_add_stap_a (Packetizer * p, const guint8 * frame, const GArray * nals,
    guint first, guint n, gboolean marker)
{
  GByteArray *stap = g_byte_array_new ();
  guint8 header = (frame[g_array_index (nals, NalUnit, first).offset] & 0xe0)
      | H264_STAP_A;
  guint i;

  g_byte_array_append (stap, &header, 1);
  for (i = first; i < first + n; i++) {
    const NalUnit *nal = &g_array_index (nals, NalUnit, i);
    guint8 length[2];

    GST_WRITE_UINT16_BE (length, nal->size);
    g_byte_array_append (stap, length, 2);
    g_byte_array_append (stap, frame + nal->offset, nal->size);
  }
  packetizer_add (p, marker, NULL, 0, stap->data, stap->len);
  g_byte_array_unref (stap);
}

static void
h264_add_fu_a (Packetizer * p, const guint8 * frame, const NalUnit * nal,
    gboolean marker)
{
  guint8 nal_header = frame[nal->offset];
  GArray *sizes = split_about_equally (nal->size - 1,
      MTU - RTP_HEADER_SIZE - 2, 0);
  gsize offset = nal->offset + 1;
  guint i;

  for (i = 0; i < sizes->len; i++) {
    gsize fragment = g_array_index (sizes, gsize, i);
    gboolean first = i == 0, last = i == sizes->len - 1;
    guint8 fu[2];

    fu[0] = (nal_header & 0xe0) | H264_FU_A;
    fu[1] = (first ? 0x80 : 0) | (last ? 0x40 : 0) | H264_NAL_TYPE (nal_header);
    packetizer_add (p, marker && last, fu, 2, frame + offset, fragment);
    offset += fragment;
  }
  g_array_unref (sizes);
}

/* H.264, RFC 6184 packetization-mode 1, by NAL unit and nothing else:
 * single NAL unit packets, STAP-A for small neighbours, FU-A when too
 * large. */
static void
packetize_h264 (Packetizer * p, const guint8 * frame, gsize size,
    gboolean key_frame)
{
  GArray *nals = find_nal_units (frame, size);
  gsize capacity = MTU - RTP_HEADER_SIZE;
  guint i = 0;

  fail_unless (nals->len > 0);
  while (i < nals->len) {
    const NalUnit *nal = &g_array_index (nals, NalUnit, i);
    guint n;

    if (nal->size > capacity) {
      h264_add_fu_a (p, frame, nal, i == nals->len - 1);
      i++;
      continue;
    }
    n = h264_count_aggregatable (nals, i, capacity);
    if (n <= 1) {
      packetizer_add (p, i == nals->len - 1, NULL, 0, frame + nal->offset,
          nal->size);
      i++;
    } else {
      h264_add_stap_a (p, frame, nals, i, n, i + n == nals->len);
      i += n;
    }
  }
  g_array_unref (nals);
}

/* Opus: one frame per packet, as it is. */
static void
packetize_opus (Packetizer * p, const guint8 * frame, gsize size,
    gboolean key_frame)
{
  packetizer_add (p, FALSE, NULL, 0, frame, size);
}

typedef void (*PacketizeFunc) (Packetizer * p, const guint8 * frame,
    gsize size, gboolean key_frame);

/* ------------------------------------------------------------------------
 * Depacketizer: the receiving side of the same, with the checks a
 * libwebrtc receiver relies on (start/end flags, one picture ID per frame,
 * marker on the last packet).
 * ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *frames;            /* GBytes */
  GByteArray *current;
  gboolean in_frame;
  gint picture_id;
  gint last_picture_id;
  guint32 timestamp;
  guint n_packets;
} Depacketizer;

static void
depacketizer_init (Depacketizer * d)
{
  d->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  d->current = g_byte_array_new ();
  d->in_frame = FALSE;
  d->picture_id = -1;
  d->last_picture_id = -1;
  d->n_packets = 0;
}

static void
depacketizer_clear (Depacketizer * d)
{
  g_ptr_array_unref (d->frames);
  g_byte_array_unref (d->current);
}

static void
depacketizer_start_frame (Depacketizer * d, GstRTPBuffer * rtp, gint picture_id)
{
  fail_if (d->in_frame, "a frame started before the last one ended");
  d->in_frame = TRUE;
  d->timestamp = gst_rtp_buffer_get_timestamp (rtp);
  d->picture_id = picture_id;
  if (picture_id >= 0 && d->last_picture_id >= 0)
    fail_unless_equals_int (picture_id, (d->last_picture_id + 1) & 0x7fff);
}

static void
depacketizer_continue_frame (Depacketizer * d, GstRTPBuffer * rtp,
    gint picture_id)
{
  fail_unless (d->in_frame, "a frame without its first packet");
  fail_unless_equals_int (gst_rtp_buffer_get_timestamp (rtp), d->timestamp);
  fail_unless_equals_int (picture_id, d->picture_id);
}

static void
depacketizer_append (Depacketizer * d, const guint8 * data, gsize size,
    gboolean end_of_frame)
{
  fail_unless (size > 0);
  g_byte_array_append (d->current, data, size);
  if (!end_of_frame)
    return;
  g_ptr_array_add (d->frames, g_bytes_new (d->current->data, d->current->len));
  g_byte_array_set_size (d->current, 0);
  d->in_frame = FALSE;
  d->last_picture_id = d->picture_id;
}

static gint
read_picture_id (const guint8 * data, gsize size, gsize * offset)
{
  gint id;

  fail_unless (*offset < size);
  id = data[*offset] & 0x7f;
  if (data[(*offset)++] & 0x80) {
    fail_unless (*offset < size);
    id = (id << 8) | data[(*offset)++];
  }
  return id;
}

static void
depacketize_vp8 (Depacketizer * d, GstRTPBuffer * rtp)
{
  const guint8 *data = gst_rtp_buffer_get_payload (rtp);
  gsize size = gst_rtp_buffer_get_payload_len (rtp);
  gsize offset = 1;
  gint picture_id = -1;
  gboolean start;

  fail_unless (size >= 2);
  start = (data[0] & 0x10) && (data[0] & 0x07) == 0;
  if (data[0] & 0x80) {
    guint8 ext = data[offset++];

    if (ext & 0x80)
      picture_id = read_picture_id (data, size, &offset);
    if (ext & 0x40)
      offset++;
    if (ext & 0x30)
      offset++;
  }
  fail_unless (offset < size);
  if (start)
    depacketizer_start_frame (d, rtp, picture_id);
  else
    depacketizer_continue_frame (d, rtp, picture_id);
  depacketizer_append (d, data + offset, size - offset,
      gst_rtp_buffer_get_marker (rtp));
}

static gsize
vp9_skip_scalability_structure (const guint8 * data, gsize size, gsize offset)
{
  guint n_s, i;
  gboolean y, g;

  fail_unless (offset < size);
  n_s = data[offset] >> 5;
  y = (data[offset] & 0x10) != 0;
  g = (data[offset] & 0x08) != 0;
  offset++;
  if (y)
    offset += 4 * (n_s + 1);
  if (g) {
    guint n_g;

    fail_unless (offset < size);
    n_g = data[offset++];
    for (i = 0; i < n_g; i++) {
      fail_unless (offset < size);
      offset += 1 + ((data[offset] >> 2) & 0x03);
    }
  }
  return offset;
}

static void
depacketize_vp9 (Depacketizer * d, GstRTPBuffer * rtp)
{
  const guint8 *data = gst_rtp_buffer_get_payload (rtp);
  gsize size = gst_rtp_buffer_get_payload_len (rtp);
  gsize offset = 1;
  gint picture_id = -1;
  gboolean p, l, f, b, e, v;

  fail_unless (size >= 2);
  p = (data[0] & 0x40) != 0;
  l = (data[0] & 0x20) != 0;
  f = (data[0] & 0x10) != 0;
  b = (data[0] & 0x08) != 0;
  e = (data[0] & 0x04) != 0;
  v = (data[0] & 0x02) != 0;
  if (data[0] & 0x80)
    picture_id = read_picture_id (data, size, &offset);
  if (l)
    offset += f ? 1 : 2;
  if (p && f) {
    while (offset < size && (data[offset++] & 0x01));
  }
  if (v)
    offset = vp9_skip_scalability_structure (data, size, offset);
  fail_unless (offset < size);
  /* one spatial layer: the marker bit and E agree */
  fail_unless_equals_int (e, gst_rtp_buffer_get_marker (rtp));
  if (b)
    depacketizer_start_frame (d, rtp, picture_id);
  else
    depacketizer_continue_frame (d, rtp, picture_id);
  depacketizer_append (d, data + offset, size - offset, e);
}

static const guint8 h264_start_code[] = { 0x00, 0x00, 0x00, 0x01 };

/* libwebrtc writes every NAL unit it receives as 00 00 00 01 + NAL unit. */
static void
depacketize_h264 (Depacketizer * d, GstRTPBuffer * rtp)
{
  const guint8 *data = gst_rtp_buffer_get_payload (rtp);
  gsize size = gst_rtp_buffer_get_payload_len (rtp);
  gboolean marker = gst_rtp_buffer_get_marker (rtp);
  guint type;

  fail_unless (size >= 2);
  type = H264_NAL_TYPE (data[0]);
  if (!d->in_frame)
    depacketizer_start_frame (d, rtp, -1);
  else
    depacketizer_continue_frame (d, rtp, -1);

  if (type == H264_STAP_A) {
    gsize offset = 1;

    while (offset + 2 <= size) {
      gsize nal_size = GST_READ_UINT16_BE (data + offset);

      offset += 2;
      fail_unless (nal_size > 0 && offset + nal_size <= size);
      g_byte_array_append (d->current, h264_start_code, 4);
      depacketizer_append (d, data + offset, nal_size,
          marker && offset + nal_size == size);
      offset += nal_size;
    }
    fail_unless_equals_int (offset, size);
  } else if (type == H264_FU_A) {
    gboolean start = (data[1] & 0x80) != 0;
    gboolean end = (data[1] & 0x40) != 0;

    fail_unless (size > 2);
    if (start) {
      guint8 nal_header = (data[0] & 0xe0) | (data[1] & 0x1f);

      g_byte_array_append (d->current, h264_start_code, 4);
      g_byte_array_append (d->current, &nal_header, 1);
    }
    fail_unless (!marker || end);
    depacketizer_append (d, data + 2, size - 2, marker);
  } else {
    fail_unless (type >= 1 && type <= 23);
    g_byte_array_append (d->current, h264_start_code, 4);
    depacketizer_append (d, data, size, marker);
  }
}

static void
depacketize_opus (Depacketizer * d, GstRTPBuffer * rtp)
{
  depacketizer_start_frame (d, rtp, -1);
  depacketizer_append (d, gst_rtp_buffer_get_payload (rtp),
      gst_rtp_buffer_get_payload_len (rtp), TRUE);
}

typedef void (*DepacketizeFunc) (Depacketizer * d, GstRTPBuffer * rtp);

/* ------------------------------------------------------------------------
 * Codecs
 * ------------------------------------------------------------------------ */

typedef struct
{
  const gchar *name;
  /* encoder pipeline, its last element named "sink" */
  const gchar *source;
  E2eeCodec codec;
  guint n_frames;
  guint8 pt;
  guint32 clock_rate;
  /* libwebrtc -> GStreamer: stock depayloader and its caps */
  const gchar *rtp_caps;
  const gchar *depayloader;
  PacketizeFunc packetize;
  /* GStreamer -> libwebrtc: our sender's payloader */
  const gchar *payloader;
  DepacketizeFunc depacketize;
} Codec;

static const Codec vp8 = {
  "VP8",
  "videotestsrc num-buffers=30 pattern=snow ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=1000000 ! "
      "fakesink name=sink",
  E2EE_CODEC_VP8, N_VIDEO_FRAMES, 96, 90000,
  "application/x-rtp, media=video, clock-rate=90000, encoding-name=VP8, "
      "payload=96",
  "rtpvp8depay",
  packetize_vp8,
  "e2eertpvp8pay",
  depacketize_vp8,
};

static const Codec vp9 = {
  "VP9",
  "videotestsrc num-buffers=30 pattern=snow ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp9enc deadline=1 cpu-used=8 keyframe-max-dist=10 "
      "target-bitrate=1000000 ! " "fakesink name=sink",
  E2EE_CODEC_VP9, N_VIDEO_FRAMES, 98, 90000,
  "application/x-rtp, media=video, clock-rate=90000, encoding-name=VP9, "
      "payload=98",
  "rtpvp9depay",
  packetize_vp9,
  "e2eertpvp9pay",
  depacketize_vp9,
};

static const Codec h264 = {
  "H264",
  "videotestsrc num-buffers=30 pattern=snow ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
      "bitrate=1000 ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! "
      "fakesink name=sink",
  E2EE_CODEC_H264, N_VIDEO_FRAMES, 102, 90000,
  "application/x-rtp, media=video, clock-rate=90000, encoding-name=H264, "
      "packetization-mode=(string)1, payload=102",
  "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au",
  packetize_h264,
  "e2eertph264pay",
  depacketize_h264,
};

static const Codec opus = {
  "OPUS",
  "audiotestsrc num-buffers=50 samplesperbuffer=960 ! "
      "audio/x-raw,rate=48000,channels=2 ! opusenc ! fakesink name=sink",
  E2EE_CODEC_AUDIO, N_AUDIO_FRAMES, 111, 48000,
  "application/x-rtp, media=audio, clock-rate=48000, encoding-name=OPUS, "
      "payload=111",
  "rtpopusdepay",
  packetize_opus,
  "rtpopuspay",
  depacketize_opus,
};

/* ------------------------------------------------------------------------
 * Frames: real encoder output, and its LiveKit encryption by the core
 * ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *buffers;           /* GstBuffer, flags and timestamps kept */
  GstCaps *caps;
} EncodedStream;

static GstPadProbeReturn
keep_buffer_probe (GstPad * pad, GstPadProbeInfo * info, gpointer kept)
{
  g_ptr_array_add (kept, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
keep_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer caps)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *c;

    gst_event_parse_caps (event, &c);
    gst_caps_replace (caps, c);
  }
  return GST_PAD_PROBE_OK;
}

static void
encode (const Codec * codec, EncodedStream * stream)
{
  GstElement *pipeline = gst_parse_launch (codec->source, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  stream->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  stream->caps = NULL;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, keep_buffer_probe,
      stream->buffers, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      keep_caps_probe, &stream->caps, NULL);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (stream->buffers->len >= codec->n_frames);
  fail_unless (stream->caps != NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

static void
encoded_stream_clear (EncodedStream * stream)
{
  g_ptr_array_unref (stream->buffers);
  gst_caps_unref (stream->caps);
}

static gboolean
is_key_frame (GstBuffer * buffer)
{
  return !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
}

static GBytes *
buffer_to_bytes (GstBuffer * buffer)
{
  GstMapInfo map;
  GBytes *bytes;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return bytes;
}

static E2eeKeyProvider *
key_provider_new (guint key_index)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GError *error = NULL;

  fail_unless (e2ee_key_provider_set_passphrase (provider, NULL, PASSPHRASE,
          key_index, TRUE, &error), "%s", error ? error->message : "");
  return provider;
}

static GBytes *
cryptor_run (E2eeFrameCryptor * cryptor, gboolean encrypt, GBytes * frame,
    E2eeFrameType type)
{
  gsize size = g_bytes_get_size (frame), out_len = 0;
  gsize out_size = e2ee_frame_cryptor_get_max_encrypted_size (cryptor, size);
  guint8 *out = g_malloc (out_size);
  GError *error = NULL;
  gboolean ok;

  if (encrypt)
    ok = e2ee_frame_cryptor_encrypt (cryptor, g_bytes_get_data (frame, NULL),
        size, type, out, out_size, &out_len, &error);
  else
    ok = e2ee_frame_cryptor_decrypt (cryptor, g_bytes_get_data (frame, NULL),
        size, type, out, out_size, &out_len, &error);
  fail_unless (ok, "%s", error ? error->message : "");
  return g_bytes_new_take (out, out_len);
}

static guint
count_key_frames (EncodedStream * stream)
{
  guint i, n = 0;

  for (i = 0; i < stream->buffers->len; i++)
    n += is_key_frame (g_ptr_array_index (stream->buffers, i));
  return n;
}

/* What a LiveKit receiver gets back: the frame, except that for H.264 the
 * clear header (everything up to the first slice NAL unit header) comes
 * with 4-byte start codes, since the sender normalises them there before
 * using the header as additional data. */
static GBytes *
expected_decryption (const Codec * codec, GBytes * plain)
{
  const guint8 *data = g_bytes_get_data (plain, NULL);
  gsize size = g_bytes_get_size (plain), i, copied = 0;
  GByteArray *out;

  if (codec->codec != E2EE_CODEC_H264)
    return g_bytes_ref (plain);

  out = g_byte_array_new ();
  for (i = 0; i + 3 < size; i++) {
    guint type;

    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1)
      continue;
    g_byte_array_append (out, data + copied, i - copied);
    if (i == 0 || data[i - 1] != 0)
      g_byte_array_append (out, (const guint8 *) "\0", 1);
    copied = i;
    type = H264_NAL_TYPE (data[i + 3]);
    if (type == 1 || type == 5)
      break;
    i += 2;
  }
  g_byte_array_append (out, data + copied, size - copied);
  return g_byte_array_free_to_bytes (out);
}

/* ------------------------------------------------------------------------
 * libwebrtc sender -> stock depayloader -> e2eedecrypt
 * ------------------------------------------------------------------------ */

static GstPadProbeReturn
record_frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer frames)
{
  g_ptr_array_add (frames, buffer_to_bytes (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

/* A harness around the bin described by @desc: @provider is set on its
 * element @keyed, and every frame entering element @recorded is added to
 * @frames. */
static GstHarness *
harness_new_from_bin (const gchar * desc, const gchar * keyed,
    E2eeKeyProvider * provider, const gchar * recorded, GPtrArray * frames)
{
  GError *error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  GstElement *element;
  GstPad *pad;
  GstHarness *h;

  fail_unless (bin != NULL && error == NULL, "%s: %s", desc,
      error ? error->message : "");
  element = gst_bin_get_by_name (GST_BIN (bin), keyed);
  g_object_set (element, "key-provider", provider, NULL);
  gst_object_unref (element);
  element = gst_bin_get_by_name (GST_BIN (bin), recorded);
  pad = gst_element_get_static_pad (element, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_frame_probe,
      frames, NULL);
  gst_object_unref (pad);
  gst_object_unref (element);

  gst_object_ref_sink (bin);
  h = gst_harness_new_with_element (bin, "sink", "src");
  gst_object_unref (bin);
  return h;
}

static GstHarness *
receiver_new (const Codec * codec, E2eeKeyProvider * provider,
    GPtrArray * depayloaded)
{
  gchar *desc = g_strdup_printf ("%s ! e2eedecrypt name=dec",
      codec->depayloader);
  GstHarness *h = harness_new_from_bin (desc, "dec", provider, "dec",
      depayloaded);

  gst_harness_set_src_caps_str (h, codec->rtp_caps);
  g_free (desc);
  return h;
}

static guint
caps_get_int (const GstCaps * caps, const gchar * field)
{
  gint value = 0;

  gst_structure_get_int (gst_caps_get_structure (caps, 0), field, &value);
  return value;
}

static void
check_libwebrtc_to_gstreamer (const Codec * codec)
{
  E2eeKeyProvider *provider = key_provider_new (0);
  E2eeFrameCryptor *cryptor = e2ee_frame_cryptor_new (provider, NULL,
      codec->codec);
  GPtrArray *plain = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  GPtrArray *encrypted = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  GPtrArray *depayloaded = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  EncodedStream stream;
  Packetizer p;
  GstHarness *h;
  guint i, n_packets = 0;

  encode (codec, &stream);
  packetizer_init (&p, codec->pt,
      caps_get_int (stream.caps, "width"),
      caps_get_int (stream.caps, "height"));
  h = receiver_new (codec, provider, depayloaded);

  for (i = 0; i < stream.buffers->len; i++) {
    GstBuffer *buffer = g_ptr_array_index (stream.buffers, i);
    gboolean key = is_key_frame (buffer);
    GBytes *frame = buffer_to_bytes (buffer);
    GBytes *sealed = cryptor_run (cryptor, TRUE, frame,
        key ? E2EE_FRAME_TYPE_KEY : E2EE_FRAME_TYPE_DELTA);
    guint j;

    g_ptr_array_add (plain, frame);
    g_ptr_array_add (encrypted, sealed);
    codec->packetize (&p, g_bytes_get_data (sealed, NULL),
        g_bytes_get_size (sealed), key);
    for (j = 0; j < p.packets->len; j++) {
      GstBuffer *packet = gst_buffer_ref (g_ptr_array_index (p.packets, j));

      GST_BUFFER_PTS (packet) = GST_BUFFER_PTS (buffer);
      fail_unless_equals_int (gst_harness_push (h, packet), GST_FLOW_OK);
    }
    n_packets += p.packets->len;
    g_ptr_array_set_size (p.packets, 0);
    p.timestamp += codec->clock_rate / 30;
    p.picture_id = (p.picture_id + 1) & 0x7fff;
  }

  /* every frame came out of the stock depayloader as it went in, and out
   * of e2eedecrypt as it was encoded */
  fail_unless_equals_int (depayloaded->len, encrypted->len);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), plain->len);
  for (i = 0; i < plain->len; i++) {
    GstBuffer *out = gst_harness_pull (h);
    GBytes *decrypted = buffer_to_bytes (out);
    GBytes *expected = expected_decryption (codec,
        g_ptr_array_index (plain, i));

    fail_unless (g_bytes_equal (g_ptr_array_index (depayloaded, i),
            g_ptr_array_index (encrypted, i)),
        "%s frame %u changed in the depayloader", codec->name, i);
    fail_unless (g_bytes_equal (decrypted, expected),
        "%s frame %u did not decrypt to its plaintext", codec->name, i);
    g_bytes_unref (expected);
    g_bytes_unref (decrypted);
    gst_buffer_unref (out);
  }
  GST_INFO ("libwebrtc -> %s: %u frames (%u key) in %u packets, byte-exact",
      codec->depayloader, plain->len, count_key_frames (&stream), n_packets);

  gst_harness_teardown (h);
  g_ptr_array_unref (p.packets);
  g_ptr_array_unref (plain);
  g_ptr_array_unref (encrypted);
  g_ptr_array_unref (depayloaded);
  encoded_stream_clear (&stream);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

GST_START_TEST (test_libwebrtc_vp8_to_rtpvp8depay)
{
  check_libwebrtc_to_gstreamer (&vp8);
}

GST_END_TEST;

GST_START_TEST (test_libwebrtc_vp9_to_rtpvp9depay)
{
  check_libwebrtc_to_gstreamer (&vp9);
}

GST_END_TEST;

GST_START_TEST (test_libwebrtc_h264_to_rtph264depay)
{
  check_libwebrtc_to_gstreamer (&h264);
}

GST_END_TEST;

GST_START_TEST (test_libwebrtc_opus_to_rtpopusdepay)
{
  check_libwebrtc_to_gstreamer (&opus);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * e2eeencrypt -> our payloader -> libwebrtc depacketizer
 * ------------------------------------------------------------------------ */

#define SENDER_KEY_INDEX 5

static GstHarness *
sender_new (const Codec * codec, E2eeKeyProvider * provider,
    GPtrArray * encrypted)
{
  gchar *desc = g_strdup_printf ("e2eeencrypt name=enc key-index=%d ! "
      "%s name=pay mtu=%d pt=%u", SENDER_KEY_INDEX, codec->payloader, MTU,
      codec->pt);
  GstHarness *h = harness_new_from_bin (desc, "enc", provider, "pay",
      encrypted);

  g_free (desc);
  return h;
}

static void
depacketize_all (const Codec * codec, GstHarness * h, Depacketizer * d)
{
  GstBuffer *packet;

  while ((packet = gst_harness_try_pull (h))) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

    fail_unless (gst_buffer_get_size (packet) <= MTU);
    fail_unless (gst_rtp_buffer_map (packet, GST_MAP_READ, &rtp));
    fail_unless_equals_int (gst_rtp_buffer_get_payload_type (&rtp), codec->pt);
    codec->depacketize (d, &rtp);
    d->n_packets++;
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_unref (packet);
  }
}

static void
check_gstreamer_to_libwebrtc (const Codec * codec)
{
  E2eeKeyProvider *provider = key_provider_new (SENDER_KEY_INDEX);
  E2eeFrameCryptor *cryptor = e2ee_frame_cryptor_new (provider, NULL,
      codec->codec);
  GPtrArray *encrypted = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  EncodedStream stream;
  Depacketizer d;
  GstHarness *h;
  guint i;

  encode (codec, &stream);
  depacketizer_init (&d);
  h = sender_new (codec, provider, encrypted);
  gst_harness_set_src_caps (h, gst_caps_ref (stream.caps));

  for (i = 0; i < stream.buffers->len; i++) {
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (stream.buffers, i))),
        GST_FLOW_OK);
    depacketize_all (codec, h, &d);
  }

  /* the depacketized frames are the encrypted ones, byte for byte, and the
   * core decrypts them to what the encoder made */
  fail_unless_equals_int (encrypted->len, stream.buffers->len);
  fail_unless_equals_int (d.frames->len, encrypted->len);
  fail_if (d.in_frame, "the last frame did not end");
  for (i = 0; i < encrypted->len; i++) {
    GstBuffer *buffer = g_ptr_array_index (stream.buffers, i);
    GBytes *sealed = g_ptr_array_index (encrypted, i);
    GBytes *frame = buffer_to_bytes (buffer);
    GBytes *plain = expected_decryption (codec, frame);
    GBytes *opened;
    const guint8 *trailer;

    fail_unless (g_bytes_equal (g_ptr_array_index (d.frames, i), sealed),
        "%s frame %u changed in the payloader", codec->name, i);
    trailer = g_bytes_get_data (sealed, NULL);
    fail_unless_equals_int (trailer[g_bytes_get_size (sealed) - 1],
        SENDER_KEY_INDEX);
    opened = cryptor_run (cryptor, FALSE, sealed, is_key_frame (buffer) ?
        E2EE_FRAME_TYPE_KEY : E2EE_FRAME_TYPE_DELTA);
    fail_unless (g_bytes_equal (opened, plain),
        "%s frame %u did not decrypt to its plaintext", codec->name, i);
    g_bytes_unref (opened);
    g_bytes_unref (plain);
    g_bytes_unref (frame);
  }
  GST_INFO ("%s -> libwebrtc: %u frames (%u key) in %u packets, byte-exact",
      codec->payloader, encrypted->len, count_key_frames (&stream),
      d.n_packets);

  gst_harness_teardown (h);
  depacketizer_clear (&d);
  g_ptr_array_unref (encrypted);
  encoded_stream_clear (&stream);
  g_object_unref (cryptor);
  g_object_unref (provider);
}

GST_START_TEST (test_e2eertpvp8pay_to_libwebrtc)
{
  check_gstreamer_to_libwebrtc (&vp8);
}

GST_END_TEST;

GST_START_TEST (test_e2eertpvp9pay_to_libwebrtc)
{
  check_gstreamer_to_libwebrtc (&vp9);
}

GST_END_TEST;

GST_START_TEST (test_e2eertph264pay_to_libwebrtc)
{
  check_gstreamer_to_libwebrtc (&h264);
}

GST_END_TEST;

GST_START_TEST (test_rtpopuspay_to_libwebrtc)
{
  check_gstreamer_to_libwebrtc (&opus);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * The test's own packetizer and depacketizer agree with each other, on
 * frames made to trip parsers: trailing zero bytes, start-code-like runs.
 * ------------------------------------------------------------------------ */

static void
check_self_round_trip (const Codec * codec, const guint8 * frame, gsize size,
    gboolean key_frame)
{
  Packetizer p;
  Depacketizer d;
  guint i;

  packetizer_init (&p, codec->pt, 640, 360);
  depacketizer_init (&d);
  codec->packetize (&p, frame, size, key_frame);
  for (i = 0; i < p.packets->len; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

    gst_rtp_buffer_map (g_ptr_array_index (p.packets, i), GST_MAP_READ, &rtp);
    codec->depacketize (&d, &rtp);
    gst_rtp_buffer_unmap (&rtp);
  }
  fail_unless_equals_int (d.frames->len, 1);
  fail_unless (g_bytes_get_size (g_ptr_array_index (d.frames, 0)) == size);
  fail_unless (memcmp (g_bytes_get_data (g_ptr_array_index (d.frames, 0),
              NULL), frame, size) == 0);
  g_ptr_array_unref (p.packets);
  depacketizer_clear (&d);
}

static void
check_h264_access_unit (const guint8 * slice_data, gsize slice_size)
{
  static const guint8 sps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e };
  static const guint8 pps[] = { 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80 };
  static const guint8 slice_start[] = { 0, 0, 0, 1, 0x65 };
  static const guint8 key_index_0[] = { 0x00 };
  GByteArray *au = g_byte_array_new ();

  g_byte_array_append (au, sps, sizeof (sps));
  g_byte_array_append (au, pps, sizeof (pps));
  g_byte_array_append (au, slice_start, sizeof (slice_start));
  g_byte_array_append (au, slice_data, slice_size);
  g_byte_array_append (au, key_index_0, sizeof (key_index_0));
  check_self_round_trip (&h264, au->data, au->len, TRUE);
  g_byte_array_unref (au);
}

GST_START_TEST (test_packetizer_self_check)
{
  guint8 frame[2000];
  guint i;

  for (i = 0; i < sizeof (frame); i++)
    frame[i] = (i * 13) & 0xff;
  frame[sizeof (frame) - 1] = 0x00;
  check_self_round_trip (&vp8, frame, sizeof (frame), TRUE);
  check_self_round_trip (&vp8, frame, 1, FALSE);
  check_self_round_trip (&vp9, frame, sizeof (frame), TRUE);
  check_self_round_trip (&vp9, frame, 585, FALSE);
  check_self_round_trip (&opus, frame, 200, FALSE);

  /* SPS, PPS and a slice ending in 00: the slice larger than the MTU
   * (STAP-A + FU-A), then small enough for one STAP-A */
  check_h264_access_unit (frame, 1500);
  check_h264_access_unit (frame, 100);
}

GST_END_TEST;

static Suite *
libwebrtc_packetizer_suite (void)
{
  Suite *s = suite_create ("libwebrtc-packetizer");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_packetizer_self_check);
  tcase_add_test (tc, test_libwebrtc_vp8_to_rtpvp8depay);
  tcase_add_test (tc, test_libwebrtc_vp9_to_rtpvp9depay);
  tcase_add_test (tc, test_libwebrtc_h264_to_rtph264depay);
  tcase_add_test (tc, test_libwebrtc_opus_to_rtpopusdepay);
  tcase_add_test (tc, test_e2eertpvp8pay_to_libwebrtc);
  tcase_add_test (tc, test_e2eertpvp9pay_to_libwebrtc);
  tcase_add_test (tc, test_e2eertph264pay_to_libwebrtc);
  tcase_add_test (tc, test_rtpopuspay_to_libwebrtc);
  return s;
}

GST_CHECK_MAIN (libwebrtc_packetizer);
