// The pinned npm packages (package-lock.json), installed by tests/npm-ci.sh
// into the build tree, not next to these files: loaded from the directory
// that E2EE_NATIVE_NPM_DIR names (run-native-tests.sh sets it), through
// their CommonJS entry points (rtc-node's ESM entry re-exports those).
import { createRequire } from 'node:module';
import path from 'node:path';

const npmDir = process.env.E2EE_NATIVE_NPM_DIR;
if (!npmDir) throw new Error('E2EE_NATIVE_NPM_DIR is not set (the directory tests/npm-ci.sh installed package-lock.json into)');
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));

export const protocol = require('@livekit/protocol');
export const rtc = require('@livekit/rtc-node');
export const versions = Object.fromEntries(['@livekit/rtc-node', '@livekit/rtc-ffi-bindings', '@livekit/protocol']
  .map((name) => [name, require(path.join(path.resolve(npmDir), 'node_modules', name, 'package.json')).version]));
// What rtc-node does not re-export: the FFI's request messages and enums
// (KeyDerivationFunction, and SetKeyRequest for per-participant keys).
export const ffi = require('@livekit/rtc-ffi-bindings');
export const { WebSocketServer } = require('ws');
// rtc-node's FFI client, which its public API does not export (its package
// "exports" has only "."): a path inside the package is required directly,
// the same file rtc-node itself loads, so the same client.
export const ffiClient = require(path.join(path.dirname(require.resolve('@livekit/rtc-node')), 'ffi_client.cjs'));
