/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* E2eeKeyProvider: the keys of one room in LiveKit's key rings, shared by
 * every frame cryptor and element that uses it. Each call is documented
 * in e2ee-key-provider.c (gtk-doc, and the SECTION block there for the
 * model); a line here says what a caller must know. Safe from any thread.
 * Key material is copied into guarded memory, wiped when replaced, and
 * never logged or readable through a property. */

#pragma once

#include <glib-object.h>
#include <keyring/e2ee-types.h>

G_BEGIN_DECLS

#define E2EE_TYPE_KEY_PROVIDER (e2ee_key_provider_get_type ())
E2EE_API
G_DECLARE_FINAL_TYPE (E2eeKeyProvider, e2ee_key_provider, E2EE, KEY_PROVIDER,
    GObject);

/**
 * E2EE_DEFAULT_RATCHET_SALT:
 *
 * LiveKit's default ratchet salt, also the salt of both key derivations.
 */
#define E2EE_DEFAULT_RATCHET_SALT "LKFrameEncryptionKey"

/**
 * E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES:
 *
 * The trailer that marks server-injected frames until the room sends its
 * own SIF trailer (the Swift and Android SDKs' default).
 */
#define E2EE_DEFAULT_UNCRYPTED_MAGIC_BYTES "LK-ROCKS"

/**
 * E2EE_DEFAULT_KEY_RING_SIZE:
 *
 * Number of key slots per ring (LiveKit's default).
 */
#define E2EE_DEFAULT_KEY_RING_SIZE 16

/**
 * E2EE_MAX_KEY_RING_SIZE:
 *
 * The largest key ring: the key index travels in one byte.
 */
#define E2EE_MAX_KEY_RING_SIZE 255

/* A provider with LiveKit's default options and no key. */
E2EE_API
E2eeKeyProvider *e2ee_key_provider_new          (void);

/* ---- Setting keys ----
 *
 * @participant_id NULL (or any, while shared-key is TRUE) is the shared
 * ring. A key goes to slot @key_index modulo key-ring-size, replacing
 * (and wiping) what was there and resetting its failure count;
 * @make_current makes encryptors use it from their next frame. FALSE with
 * @error set leaves the ring as it was. */

/* Raw key material, 1 to 1024 bytes (copied; HKDF with key-derivation
 * AUTO). */
E2EE_API
gboolean e2ee_key_provider_set_key              (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * material,
                                                 gsize material_len,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

/* A passphrase, its UTF-8 bytes the material (PBKDF2 with key-derivation
 * AUTO; tens of milliseconds). */
E2EE_API
gboolean e2ee_key_provider_set_passphrase       (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const gchar * passphrase,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

/* set_key and set_passphrase with E2eeKeyFlags (NOT_EXPORTABLE: export_key
 * and ratchet_key refuse the key); the plain calls set E2EE_KEY_FLAG_NONE. */
E2EE_API
gboolean e2ee_key_provider_set_key_full         (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * material,
                                                 gsize material_len,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 E2eeKeyFlags flags,
                                                 GError ** error);
E2EE_API
gboolean e2ee_key_provider_set_passphrase_full  (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const gchar * passphrase,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 E2eeKeyFlags flags,
                                                 GError ** error);

/* set_key with the material of a key file (bytes, or hex text), read
 * straight into guarded memory; warns if group or others may read it. */
E2EE_API
gboolean e2ee_key_provider_set_key_from_file    (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const gchar * path,
                                                 guint key_index,
                                                 gboolean make_current,
                                                 GError ** error);

/* ---- Using keys ---- */

/* Ratchets the key at @key_index one step in place and emits
 * "key-ratcheted"; returns the new 32-byte material (guarded memory,
 * wiped when freed), or NULL with @error set (MISSING_KEY: empty slot;
 * NOT_EXPORTABLE: refused, the key stays as it was). */
E2EE_API
GBytes *e2ee_key_provider_ratchet_key           (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

/* A copy of the material at @key_index (guarded memory, wiped when freed),
 * or NULL with @error set (MISSING_KEY: empty slot; NOT_EXPORTABLE: a key
 * set with E2EE_KEY_FLAG_NOT_EXPORTABLE, as element key properties set
 * them unless "element-keys-exportable" is TRUE). */
E2EE_API
GBytes *e2ee_key_provider_export_key            (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

/* Whether the slot of @key_index holds a key, valid or not. */
E2EE_API
gboolean e2ee_key_provider_has_key              (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index);

/* How many keys the provider holds, over all rings. */
E2EE_API
guint e2ee_key_provider_get_n_keys              (E2eeKeyProvider * provider);

/* The index encryptors of the ring use (modulo the ring size; 0 until
 * set). */
E2EE_API
guint e2ee_key_provider_get_current_key_index   (E2eeKeyProvider * provider,
                                                 const gchar * participant_id);

/* Makes encryptors use @key_index (modulo the ring size) from their next
 * frame and resets that slot's failure count; the slot may be empty.
 * Always TRUE. */
E2EE_API
gboolean e2ee_key_provider_set_current_key_index (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index,
                                                 GError ** error);

/* The room's server-injected-frame trailer (copied); NULL or empty falls
 * back to uncrypted-magic-bytes. Also the "sif-trailer" property. */
E2EE_API
void e2ee_key_provider_set_sif_trailer          (E2eeKeyProvider * provider,
                                                 const guint8 * trailer,
                                                 gsize trailer_len);

/* ---- Removing keys ----
 *
 * Each wipes the removed keys at once (with their precomputed ratchet
 * steps), whoever still holds them; from the next frame on, frames that
 * need them get MISSING_KEY. */

/* Empties slot @key_index (modulo the ring size) of the ring @participant_id
 * names (as set_key does). TRUE if it held a key. */
E2EE_API
gboolean e2ee_key_provider_remove_key           (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 guint key_index);

/* Drops @participant_id's own ring (never the shared one). TRUE if it had
 * one. */
E2EE_API
gboolean e2ee_key_provider_remove_participant   (E2eeKeyProvider * provider,
                                                 const gchar * participant_id);

/* Drops every ring; returns how many keys were removed. */
E2EE_API
guint e2ee_key_provider_clear_keys              (E2eeKeyProvider * provider);

/* ---- Data packets (LiveKit's EncryptedPacket) ---- */

/* Encrypts @data_len bytes of @data with the ring's current key. TRUE:
 * *@iv (12 bytes), *@key_index (if not NULL) and *@ciphertext (@data_len +
 * 16 bytes, tag last) are set. FALSE: @error set, no output set. */
E2EE_API
gboolean e2ee_key_provider_encrypt_data         (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * data,
                                                 gsize data_len,
                                                 GBytes ** iv,
                                                 guint * key_index,
                                                 GBytes ** ciphertext,
                                                 GError ** error);

/* Decrypts a packet (@iv_len must be 12; @ciphertext_len >= 16, tag
 * last), trying the ratchet window. Returns the payload, or NULL with
 * @error set: drop the packet, no plaintext was released. */
E2EE_API G_GNUC_WARN_UNUSED_RESULT
GBytes *e2ee_key_provider_decrypt_data          (E2eeKeyProvider * provider,
                                                 const gchar * participant_id,
                                                 const guint8 * iv,
                                                 gsize iv_len,
                                                 guint key_index,
                                                 const guint8 * ciphertext,
                                                 gsize ciphertext_len,
                                                 GError ** error);

G_END_DECLS
