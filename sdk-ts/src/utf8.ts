// UTF-8 between bodies (bytes) and strings. StarlingMonkey and Node have
// TextDecoder/TextEncoder; QuickJS (jco's `--backend qjs`) has neither, so the
// SDK falls back to the small codec below, which decodes like
// `new TextDecoder()` (not fatal: each invalid sequence becomes U+FFFD).

const native = {
  decoder: typeof TextDecoder === 'function' ? new TextDecoder() : undefined,
  encoder: typeof TextEncoder === 'function' ? new TextEncoder() : undefined,
};

/** Bytes to a string; invalid UTF-8 replaced by U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return native.decoder ? native.decoder.decode(bytes) : decodeUtf8(bytes);
}

/** A string to UTF-8 bytes (lone surrogates become U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  return native.encoder ? native.encoder.encode(text) : encodeUtf8(text);
}

/** The fallback decoder (exported for tests against TextDecoder). */
export function decodeUtf8(bytes: Uint8Array): string {
  const out: string[] = [];
  let chunk: number[] = [];
  const push = (cp: number) => {
    chunk.push(cp);
    if (chunk.length >= 4096) {
      out.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      push(b);
      i += 1;
      continue;
    }
    // Lead byte: sequence length and the valid range of the second byte
    // (WHATWG: no overlongs, no surrogates, nothing above U+10FFFF).
    let need = 0;
    let cp = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2; cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3; cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      push(0xfffd);
      i += 1;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const c = bytes[j];
      if (j >= bytes.length || c < lo || c > hi) { ok = false; break; }
      cp = (cp << 6) | (c & 0x3f);
      lo = 0x80;
      hi = 0xbf;
    }
    // A broken sequence yields one U+FFFD and resumes at the offending byte.
    push(ok ? cp : 0xfffd);
    i = j;
  }
  out.push(String.fromCodePoint(...chunk));
  return out.join('');
}

/** The fallback encoder (exported for tests against TextEncoder). */
export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}
