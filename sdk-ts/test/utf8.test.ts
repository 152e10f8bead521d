// The UTF-8 fallback QuickJS uses (it has no TextDecoder/TextEncoder) must
// agree with the WHATWG codec Node and StarlingMonkey have, byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8, encodeUtf8 } from '../src/utf8.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('the fallback decoder agrees with TextDecoder on valid and broken UTF-8', () => {
  const native = new TextDecoder();
  const cases: Uint8Array[] = [
    new TextEncoder().encode('plain ascii, {"login":"octocat"}'),
    new TextEncoder().encode('Zoë, 東京, emoji 🦀 and \u0000 nul'),
    bytes(0xc3), // truncated two-byte sequence at the end
    bytes(0xc0, 0x80), // overlong NUL
    bytes(0xe0, 0x80, 0x80), // overlong three-byte
    bytes(0xed, 0xa0, 0x80), // a UTF-16 surrogate encoded
    bytes(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
    bytes(0xf0, 0x9f, 0xa6, 0x41), // broken four-byte then 'A'
    bytes(0xff, 0xfe, 0x41), // bytes that never appear
    bytes(0xe2, 0x82), // truncated three-byte
  ];
  for (const c of cases) assert.equal(decodeUtf8(c), native.decode(c), `bytes ${[...c].map((b) => b.toString(16))}`);
  const big = new TextEncoder().encode('é🦀'.repeat(5000));
  assert.equal(decodeUtf8(big), native.decode(big), 'a body longer than one chunk');
});

test('the fallback encoder agrees with TextEncoder, lone surrogates included', () => {
  const native = new TextEncoder();
  for (const s of ['', 'ascii', 'Zoë 東京 🦀', '\ud800 lone high', 'lone low \udc00', '\ud83e\udd80']) {
    assert.deepEqual(encodeUtf8(s), native.encode(s), JSON.stringify(s));
  }
});
