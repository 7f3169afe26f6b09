/* gst-e2ee
 * Copyright (C) 2026 gst-e2ee authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* e2ee-key: key files for gst-e2ee, from the command line. It makes key and
 * passphrase files (mode 0600, never over an existing file), prints a
 * fingerprint both ends of a call can compare without revealing the key,
 * ratchets a key file as LiveKit's ratchetKey does, and stores a key in the
 * Secret Service. Everything secret goes through libe2ee-keyring (guarded
 * memory, OpenSSL's KDFs and HMAC); this file only moves bytes between
 * files, the terminal and the library. */

#include <keyring/e2ee.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define KEY_BYTES 32
#define PASSPHRASE_BYTES 24     /* 32 characters of base64url: 192 bits */

/* The options every command that derives a key takes: they must be the
 * elements' (key-derivation, ratchet-salt, key-size) for fingerprints and
 * ratchets to match. */
static gboolean opt_passphrase = FALSE;
static gboolean opt_stdin = FALSE;
static gchar *opt_secret = NULL;
static gchar *opt_salt = NULL;
static gint opt_key_size = 128;
static gchar *opt_key_derivation = NULL;
static gint opt_steps = 1;
static gchar *opt_output = NULL;
static gchar *opt_label = NULL;

static const GOptionEntry passphrase_entry[] = {
  {"passphrase", 'p', 0, G_OPTION_ARG_NONE, &opt_passphrase,
      "The file (or secret) holds a passphrase, not raw key material", NULL},
  {NULL}
};

static const GOptionEntry derivation_entries[] = {
  {"key-derivation", 'd', 0, G_OPTION_ARG_STRING, &opt_key_derivation,
      "auto (default: PBKDF2 for a passphrase, HKDF for raw material), "
        "pbkdf2 or hkdf, as the elements' key-derivation", "KDF"},
  {"salt", 's', 0, G_OPTION_ARG_STRING, &opt_salt,
      "The ratchet salt, as the elements' ratchet-salt (default "
        E2EE_DEFAULT_RATCHET_SALT ")", "SALT"},
  {"key-size", 'k', 0, G_OPTION_ARG_INT, &opt_key_size,
      "AES key size in bits, 128 (default) or 256, as the elements' key-size",
      "BITS"},
  {NULL}
};

static const GOptionEntry new_entries[] = {
  {"stdin", 0, 0, G_OPTION_ARG_NONE, &opt_stdin,
      "Write what standard input holds (a passphrase you chose) instead of "
        "random bytes", NULL},
  {NULL}
};

static const GOptionEntry fingerprint_entries[] = {
  {"secret", 0, 0, G_OPTION_ARG_STRING, &opt_secret,
      "Read the key from the Secret Service item with these attributes "
        "instead of a file", "NAME=VALUE,..."},
  {NULL}
};

static const GOptionEntry ratchet_entries[] = {
  {"steps", 'n', 0, G_OPTION_ARG_INT, &opt_steps,
      "How many ratchet steps (default 1)", "N"},
  {"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Write the ratcheted key to this new file instead of replacing FILE "
        "(required for a passphrase file)", "OUT"},
  {NULL}
};

static const GOptionEntry store_entries[] = {
  {"label", 'l', 0, G_OPTION_ARG_STRING, &opt_label,
      "The item's label in the keyring (default: gst-e2ee key (ATTRIBUTES))",
      "TEXT"},
  {NULL}
};

static const gchar summary[] =
    "Commands:\n"
    "  new FILE                make a key file (32 random bytes as hex) or,\n"
    "                          with --passphrase, a passphrase file; mode 0600,\n"
    "                          never over an existing file\n"
    "  fingerprint FILE        print the key's fingerprint, which both ends\n"
    "                          compare (it reveals nothing of the key)\n"
    "  ratchet FILE            ratchet the key as LiveKit's ratchetKey does\n"
    "  store FILE NAME=VALUE,...  store the key in the Secret Service, for the\n"
    "                          elements' key-secret (passphrase-secret) property\n"
    "\n"
    "Run e2ee-key COMMAND --help for a command's options.\n"
    "\n"
    "The fingerprint is the first 16 bytes of HMAC-SHA256 keyed with the AES\n"
    "key the elements derive (so the derivation, salt and key size count),\n"
    "over the label \"" E2EE_KEY_FINGERPRINT_LABEL "\".";

static void
die (const gchar * format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("e2ee-key: %s\n", text);
  g_free (text);
  exit (1);
}

static void
die_error (GError * error)
{
  die ("%s", error->message);
}

/* ---- writing secret files ---- */

/* Writes @len bytes to a new file @path, mode 0600; refuses an existing
 * file (or a symbolic link) rather than replace it. */
static void
write_new_file (const gchar * path, const guint8 * data, gsize len)
{
  gsize done = 0;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
      0600);

  if (fd < 0 && errno == EEXIST)
    die ("%s exists; refusing to overwrite it (remove it first)", path);
  if (fd < 0)
    die ("cannot create %s: %s", path, g_strerror (errno));
  /* The umask may have taken bits away; it must be exactly 0600. */
  if (fchmod (fd, 0600) != 0)
    die ("cannot chmod %s: %s", path, g_strerror (errno));
  while (done < len) {
    gssize n = write (fd, data + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int errsv = errno;

      close (fd);
      g_unlink (path);
      die ("cannot write %s: %s", path, g_strerror (errsv));
    }
    done += n;
  }
  if (fsync (fd) != 0 || close (fd) != 0)
    die ("cannot write %s: %s", path, g_strerror (errno));
}

/* Replaces @path by a file holding @data (mode 0600), atomically. */
static void
replace_file (const gchar * path, const guint8 * data, gsize len)
{
  gchar *tmp = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    die ("cannot create a file beside %s: %s", path, g_strerror (errno));
  close (fd);
  g_unlink (tmp);
  write_new_file (tmp, data, len);
  if (g_rename (tmp, path) != 0) {
    int errsv = errno;

    g_unlink (tmp);
    die ("cannot replace %s: %s", path, g_strerror (errsv));
  }
  g_free (tmp);
}

/* @material as hex text with a newline, in guarded memory. */
static GBytes *
hex_text (GBytes * material)
{
  gsize len = 0, i;
  const guint8 *data = g_bytes_get_data (material, &len);
  static const gchar digits[] = "0123456789abcdef";
  guint8 *text = g_malloc (len * 2 + 1);
  GBytes *result;

  for (i = 0; i < len; i++) {
    text[2 * i] = digits[data[i] >> 4];
    text[2 * i + 1] = digits[data[i] & 0xf];
  }
  text[len * 2] = '\n';
  result = e2ee_key_material_new (text, len * 2 + 1);
  explicit_bzero (text, len * 2 + 1);
  g_free (text);
  return result;
}

static GBytes *
random_material (gsize len)
{
  guint8 buf[64];
  GBytes *material;

  g_assert (len <= sizeof (buf));
  /* The kernel's CSPRNG; blocks only before it is seeded at boot. */
  if (getrandom (buf, len, 0) != (gssize) len)
    die ("no randomness from the kernel: %s", g_strerror (errno));
  material = e2ee_key_material_new (buf, len);
  explicit_bzero (buf, sizeof (buf));
  return material;
}

/* A random passphrase: base64url of PASSPHRASE_BYTES random bytes, and a
 * newline. */
static GBytes *
random_passphrase (void)
{
  GBytes *bytes = random_material (PASSPHRASE_BYTES);
  gchar *text = g_base64_encode (g_bytes_get_data (bytes, NULL),
      PASSPHRASE_BYTES);
  gsize len = strlen (text);
  GBytes *result;
  gsize i;

  for (i = 0; i < len; i++)
    text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
  text[len] = '\n';             /* the base64 of 24 bytes has no '=' */
  result = e2ee_key_material_new ((const guint8 *) text, len + 1);
  explicit_bzero (text, len);
  g_free (text);
  g_bytes_unref (bytes);
  return result;
}

static GBytes *
read_stdin (void)
{
  guint8 buf[E2EE_KEY_FILE_MAX_SIZE + 1];
  gsize len = 0;
  GBytes *material;

  while (len < sizeof (buf)) {
    gssize n = read (STDIN_FILENO, buf + len, sizeof (buf) - len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die ("cannot read standard input: %s", g_strerror (errno));
    if (n == 0)
      break;
    len += n;
  }
  if (len == 0 || len > E2EE_KEY_FILE_MAX_SIZE)
    die ("standard input must hold 1 to %d bytes", E2EE_KEY_FILE_MAX_SIZE);
  material = e2ee_key_material_new (buf, len);
  explicit_bzero (buf, sizeof (buf));
  return material;
}

/* ---- reading keys into a provider ---- */

static E2eeKeyDerivation
key_derivation (void)
{
  if (opt_key_derivation == NULL || g_str_equal (opt_key_derivation, "auto"))
    return E2EE_KEY_DERIVATION_AUTO;
  if (g_str_equal (opt_key_derivation, "pbkdf2"))
    return E2EE_KEY_DERIVATION_PBKDF2;
  if (g_str_equal (opt_key_derivation, "hkdf"))
    return E2EE_KEY_DERIVATION_HKDF;
  die ("--key-derivation must be auto, pbkdf2 or hkdf, not %s",
      opt_key_derivation);
}

static E2eeKeyProvider *
new_provider (void)
{
  if (opt_key_size != 128 && opt_key_size != 256)
    die ("--key-size must be 128 or 256, not %d", opt_key_size);
  return g_object_new (E2EE_TYPE_KEY_PROVIDER, "key-derivation",
      key_derivation (), "ratchet-salt", opt_salt ? opt_salt :
      E2EE_DEFAULT_RATCHET_SALT, "key-size", opt_key_size, NULL);
}

/* The key or passphrase of @path (or of --secret), as the elements'
 * key-file / passphrase-file (key-secret / passphrase-secret) read it. */
static GBytes *
read_material (const gchar * path)
{
  GError *error = NULL;
  GBytes *material;
  guint mode = 0;

  if (opt_secret != NULL)
    material = opt_passphrase ?
        e2ee_key_material_new_from_passphrase_secret (opt_secret, &error) :
        e2ee_key_material_new_from_secret (opt_secret, &error);
  else if (opt_passphrase)
    material = e2ee_key_material_new_from_passphrase_file (path, &mode,
        &error);
  else
    material = e2ee_key_material_new_from_file (path, &mode, &error);
  if (material == NULL)
    die_error (error);
  if (mode & (S_IRGRP | S_IROTH))
    g_printerr ("e2ee-key: warning: %s is readable by group or others "
        "(mode %04o); restrict it with: chmod 600 %s\n", path, mode, path);
  return material;
}

static void
set_material (E2eeKeyProvider * provider, GBytes * material)
{
  GError *error = NULL;
  gboolean ok;

  if (opt_passphrase)
    ok = e2ee_key_provider_set_passphrase (provider, NULL,
        g_bytes_get_data (material, NULL), 0, TRUE, &error);
  else
    ok = e2ee_key_provider_set_key (provider, NULL,
        g_bytes_get_data (material, NULL), g_bytes_get_size (material), 0,
        TRUE, &error);
  if (!ok)
    die_error (error);
}

/* ---- commands ---- */

static int
cmd_new (gchar ** args)
{
  GBytes *material, *text;

  if (g_strv_length (args) != 1)
    die ("new: one FILE, please (see e2ee-key new --help)");
  if (opt_stdin)
    text = read_stdin ();
  else if (opt_passphrase)
    text = random_passphrase ();
  else {
    material = random_material (KEY_BYTES);
    text = hex_text (material);
    g_bytes_unref (material);
  }
  write_new_file (args[0], g_bytes_get_data (text, NULL),
      g_bytes_get_size (text));
  g_bytes_unref (text);

  /* Read it back as the elements will: a --stdin file must be one. */
  material = read_material (args[0]);
  g_bytes_unref (material);
  g_print ("wrote %s (%s, mode 0600)\n", args[0], opt_passphrase ?
      (opt_stdin ? "passphrase from standard input" :
          "random passphrase, 192 bits") : (opt_stdin ?
          "key material from standard input" : "32 random bytes as hex"));
  return 0;
}

static int
cmd_fingerprint (gchar ** args)
{
  E2eeKeyProvider *provider;
  GError *error = NULL;
  GBytes *material;
  gchar *fingerprint;

  if (g_strv_length (args) != (opt_secret ? 0 : 1))
    die ("fingerprint: one FILE, or --secret and no FILE");
  material = read_material (args[0]);
  provider = new_provider ();
  set_material (provider, material);
  g_bytes_unref (material);
  fingerprint = e2ee_key_provider_dup_key_fingerprint (provider, NULL, 0,
      &error);
  if (fingerprint == NULL)
    die_error (error);
  g_print ("%s\n", fingerprint);
  g_free (fingerprint);
  g_object_unref (provider);
  return 0;
}

static int
cmd_ratchet (gchar ** args)
{
  E2eeKeyProvider *provider;
  GBytes *material = NULL, *text;
  GError *error = NULL;
  gint i;

  if (g_strv_length (args) != 1)
    die ("ratchet: one FILE, please (see e2ee-key ratchet --help)");
  if (opt_steps < 1)
    die ("--steps must be 1 or more");
  if (opt_passphrase && opt_output == NULL)
    die ("ratchet: a ratcheted passphrase is raw key material, not a "
        "passphrase: give --output NEW_KEY_FILE");
  provider = new_provider ();
  material = read_material (args[0]);
  set_material (provider, material);
  g_clear_pointer (&material, g_bytes_unref);
  for (i = 0; i < opt_steps; i++) {
    g_clear_pointer (&material, g_bytes_unref);
    material = e2ee_key_provider_ratchet_key (provider, NULL, 0, &error);
    if (material == NULL)
      die_error (error ? error : g_error_new_literal (E2EE_ERROR,
              E2EE_ERROR_INTERNAL, "the ratchet returned no material"));
  }

  text = hex_text (material);
  if (opt_output != NULL)
    write_new_file (opt_output, g_bytes_get_data (text, NULL),
        g_bytes_get_size (text));
  else
    replace_file (args[0], g_bytes_get_data (text, NULL),
        g_bytes_get_size (text));
  g_bytes_unref (text);
  g_bytes_unref (material);
  g_object_unref (provider);

  g_print ("ratcheted %s %d step%s%s%s\n", args[0], opt_steps,
      opt_steps == 1 ? "" : "s", opt_output ? " into " : "",
      opt_output ? opt_output : "");
  /* LiveKit derives from ratcheted material as from the original. */
  if (opt_passphrase && key_derivation () == E2EE_KEY_DERIVATION_AUTO)
    g_print ("note: the new key file comes from a passphrase: use it with "
        "key-derivation=pbkdf2 (e2ee-key fingerprint -d pbkdf2 %s)\n",
        opt_output);
  return 0;
}

static int
cmd_store (gchar ** args)
{
  GBytes *material, *stored;
  GError *error = NULL;

  if (g_strv_length (args) != 2)
    die ("store: FILE and NAME=VALUE,... please (see e2ee-key store --help)");
  material = read_material (args[0]);
  /* A key goes in as hex text (as a key file holds it; readable in the
   * keyring's browser), a passphrase as it is. */
  stored = opt_passphrase ? g_bytes_ref (material) : hex_text (material);
  if (!e2ee_key_material_store_secret (args[1], opt_label, stored, &error))
    die_error (error);
  g_bytes_unref (stored);
  g_bytes_unref (material);
  g_print ("stored %s in the Secret Service as %s; use it with %s=\"%s\"\n",
      args[0], args[1], opt_passphrase ? "passphrase-secret" : "key-secret",
      args[1]);
  return 0;
}

typedef struct
{
  const gchar *name;
  const gchar *parameters;
  const gchar *description;
  int (*run) (gchar ** args);
  const GOptionEntry *entries[3];
} Command;

static const Command commands[] = {
  {"new", "FILE", "Make a key file (32 random bytes as hex text) or, with "
        "--passphrase, a passphrase file (a random 32-character passphrase, "
        "or standard input's with --stdin). The file is created mode 0600; "
        "an existing file is never replaced.", cmd_new,
      {passphrase_entry, new_entries, NULL}},
  {"fingerprint", "FILE", "Print the fingerprint of the key in FILE (or "
        "--secret): both ends of a call print it and compare; equal "
        "fingerprints mean the same AES key. It reveals nothing of the key. "
        "Give the elements' key-derivation, ratchet-salt and key-size if "
        "they are not the defaults.", cmd_fingerprint,
      {passphrase_entry, derivation_entries, fingerprint_entries}},
  {"ratchet", "FILE", "Ratchet the key in FILE as LiveKit's ratchetKey "
        "does (new material = the key derivation of the old, with the "
        "ratchet salt), and write it back as hex (or to --output).",
        cmd_ratchet, {passphrase_entry, derivation_entries, ratchet_entries}},
  {"store", "FILE NAME=VALUE,...", "Store the key (or, with --passphrase, "
        "the passphrase) of FILE in the Secret Service under these "
        "attributes, for the elements' key-secret (passphrase-secret) "
        "property.", cmd_store, {passphrase_entry, store_entries, NULL}},
};

static const Command *
find_command (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

static int
usage (int status)
{
  GOptionContext *context = g_option_context_new ("COMMAND [ARGS...]");
  gchar *help;

  g_option_context_set_summary (context,
      "Key files for gst-e2ee's e2eeencrypt and e2eedecrypt.");
  g_option_context_set_description (context, summary);
  help = g_option_context_get_help (context, TRUE, NULL);
  (status == 0 ? g_print : g_printerr) ("%s", help);
  g_free (help);
  g_option_context_free (context);
  return status;
}

int
main (int argc, char **argv)
{
  const Command *command;
  GOptionContext *context;
  GError *error = NULL;
  gchar *parameter;
  gchar **args;
  int status;
  guint i;

  g_set_prgname ("e2ee-key");
  if (argc < 2)
    return usage (1);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    return usage (0);
  command = find_command (argv[1]);
  if (command == NULL) {
    g_printerr ("e2ee-key: unknown command \"%s\"\n\n", argv[1]);
    return usage (1);
  }

  parameter = g_strdup_printf ("%s %s", command->name, command->parameters);
  context = g_option_context_new (parameter);
  g_free (parameter);
  g_option_context_set_summary (context, command->description);
  for (i = 0; i < G_N_ELEMENTS (command->entries); i++)
    if (command->entries[i] != NULL)
      g_option_context_add_main_entries (context, command->entries[i], NULL);

  /* argv without the command, for the option parser. */
  args = g_new0 (gchar *, argc);
  args[0] = g_strdup ("e2ee-key");
  for (i = 2; i < (guint) argc; i++)
    args[i - 1] = g_strdup (argv[i]);
  if (!g_option_context_parse_strv (context, &args, &error)) {
    g_printerr ("e2ee-key %s: %s\n", command->name, error->message);
    return 1;
  }
  g_option_context_free (context);

  status = command->run (args + 1);
  g_strfreev (args);
  return status;
}
