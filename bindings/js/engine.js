// The JavaScript API of the Consentry core: a hand-written layer over the raw wasm
// exports (bindings/*.cpp), so that hot paths pass bytes, not strings, across the
// boundary, and callers get plain objects and exceptions. Types in engine.d.ts.
import createConsentryCore from './consentry-core.js';

/** Request types by their number in the core (consentry::request_type). */
export const REQUEST_TYPES = Object.freeze([
  'other', 'script', 'image', 'stylesheet', 'object', 'xmlhttprequest', 'subdocument', 'ping', 'media', 'font',
  'websocket', 'document',
]);

/** Legal bases by their number in the core (consentry::legal_basis), GDPR Art. 6(1). */
export const LEGAL_BASES = Object.freeze([
  'consent', 'explicit_consent', 'contract', 'legal_obligation', 'vital_interest', 'legitimate_interest',
]);

/** Why a rules image was refused (consentry::image_error_code). */
export const IMAGE_ERRORS = Object.freeze([
  'truncated', 'bad_magic', 'unsupported_version', 'bad_checksum', 'inconsistent', 'misaligned',
]);

/** A rules image the core refused; `code` is one of IMAGE_ERRORS. Rebuild the image. */
export class ImageError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ImageError';
    this.code = code;
  }
}

// Emscripten 3.1.6 exports each function through a wrapper that looks the wasm export up
// on every call until it has been called once; the hot path binds the export itself.
function direct(module, name) {
  const wrapper = module[name];
  if (typeof wrapper !== 'function') throw new Error(`the wasm module lacks ${name}`);
  const found = /\["asm"\]\["([^"]+)"\]/.exec(String(wrapper));
  return (found && module.asm && module.asm[found[1]]) || wrapper;
}

const isNode = typeof process === 'object' && process.versions != null && process.versions.node != null;

/**
 * Instantiates the wasm module. In Node the .wasm beside this file is read unless
 * `options.wasmBinary` is given; in a browser it is fetched beside this file.
 */
export async function loadCore(options = {}) {
  const settings = { ...options };
  if (settings.wasmBinary === undefined && isNode) {
    const { readFile } = await import('node:fs/promises');
    settings.wasmBinary = await readFile(new URL('./consentry-core.wasm', import.meta.url));
  }
  return new Core(await createConsentryCore(settings));
}

/** One instance of the wasm module: its memory holds the engines loaded into it. */
export class Core {
  constructor(module) {
    this.module = module;
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
  }

  /** The bytes of the module's memory (a new view after the memory grows). */
  get heap() {
    return this.module.HEAPU8;
  }

  /** Bytes of the wasm memory in use by everything this module holds. */
  get memoryBytes() {
    return this.module.HEAPU8.byteLength;
  }

  /** A UTF-8 string the core left at `pointer`. */
  string(pointer, length) {
    return this.decoder.decode(this.module.HEAPU8.subarray(pointer, pointer + length));
  }

  /** Loads a compiled rules image (`consentry build`'s rules.bin): one copy into wasm memory. */
  loadBlocker(image) {
    return Blocker.load(this, image);
  }
}

const ALLOW = Object.freeze({ verdict: 'allow', exception: false });
const ALLOW_EXCEPTION = Object.freeze({ verdict: 'allow', exception: true });

/**
 * The tracker engine over one rules image. `match` gives the verdict for a request;
 * `allows` applies the consent given (a set of granted purposes) to it.
 */
export class Blocker {
  static load(core, bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a rules image is a Uint8Array');
    const m = core.module;
    const pointer = m._consentry_alloc(bytes.length);
    if (!pointer) throw new RangeError('out of wasm memory for the rules image');
    m.HEAPU8.set(bytes, pointer);
    const handle = m._consentry_blocker_load(pointer, bytes.length);  // takes the copy over
    if (!handle) {
      const code = IMAGE_ERRORS[m._consentry_error_code() - 1] ?? 'inconsistent';
      throw new ImageError(code, core.string(m._consentry_error_data(), m._consentry_error_length()));
    }
    return new Blocker(core, handle);
  }

  constructor(core, handle) {
    const m = core.module;
    this.core = core;
    this.handle = handle;
    this._match = direct(m, '_consentry_blocker_match');
    this._encoder = core.encoder;
    this._types = new Map();
    REQUEST_TYPES.forEach((name, index) => this._types.set(name, index));
    this._lastPage = null;
    this._capacity = 0;
    this._reserve(2048);

    const text = (which, index) => {
      m._consentry_blocker_string(handle, which, index);
      return core.string(m._consentry_blocker_text_data(handle), m._consentry_blocker_text_length(handle));
    };
    const purposeCount = m._consentry_blocker_purpose_count(handle);
    /** The policy's purposes, in the order of the image's purpose bits. */
    this.purposes = Object.freeze(Array.from({ length: purposeCount }, (_, i) => Object.freeze({
      id: text(2, i), basis: LEGAL_BASES[m._consentry_blocker_purpose_basis(handle, i)],
    })));
    this._defaultLow = m._consentry_blocker_default_granted(handle, 0) >>> 0;
    this._defaultHigh = m._consentry_blocker_default_granted(handle, 1) >>> 0;
    const vendorCount = m._consentry_blocker_vendor_count(handle);
    this._vendorLow = new Uint32Array(vendorCount);
    this._vendorHigh = new Uint32Array(vendorCount);
    this._vendorVerdicts = [];
    const vendors = [];
    for (let i = 0; i < vendorCount; i++) {
      this._vendorLow[i] = m._consentry_blocker_vendor_purposes(handle, i, 0) >>> 0;
      this._vendorHigh[i] = m._consentry_blocker_vendor_purposes(handle, i, 1) >>> 0;
      const purposes = Object.freeze(this.purposes.filter((_, bit) => this._hasBit(this._vendorLow[i], this._vendorHigh[i], bit))
        .map((p) => p.id));
      const vendor = Object.freeze({ id: text(0, i), name: text(1, i), purposes });
      vendors.push(vendor);
      this._vendorVerdicts.push(Object.freeze({ verdict: 'block', vendor, purposes }));
    }
    /** The policy's vendors: id, name, and the purposes any one of which allows them. */
    this.vendors = Object.freeze(vendors);
    this.filterCount = m._consentry_blocker_filter_count(handle);
  }

  _hasBit(low, high, bit) {
    return bit < 32 ? ((low >>> bit) & 1) === 1 : ((high >>> (bit - 32)) & 1) === 1;
  }

  _reserve(capacity) {
    const m = this.core.module;
    const pointer = m._consentry_blocker_buffer(this.handle, capacity);
    if (!pointer) throw new RangeError('out of wasm memory for a request');
    this._capacity = capacity;
    this._pointer = pointer;
    this._views();
    this._lastPage = null;  // growing forgets the page
  }

  _views() {
    const buffer = this.core.module.HEAPU8.buffer;
    this._urlView = new Uint8Array(buffer, this._pointer, this._capacity);
    this._pageView = new Uint8Array(buffer, this._pointer + this._capacity, this._capacity);
  }

  _type(type) {
    const code = this._types.get(type);
    if (code !== undefined) return code;
    const bytes = this._encoder.encode(String(type));
    const m = this.core.module;
    const pointer = m._consentry_alloc(bytes.length + 1);
    m.HEAPU8.set(bytes, pointer);
    const found = m._consentry_request_type(pointer, bytes.length);
    m._consentry_free(pointer);
    if (found < 0) throw new TypeError(`unknown request type "${type}"`);
    this._types.set(type, found);
    return found;
  }

  // The hot path: URL and page into wasm memory with encodeInto, one call, one integer back.
  _run(url, type, page) {
    if (this.handle === 0) throw new Error('the blocker was disposed');
    const code = this._type(type);
    if (this._urlView.byteLength === 0) this._views();  // the memory grew: views detached
    let encoded = this._encoder.encodeInto(url, this._urlView);
    if (encoded.read < url.length) {
      this._reserve(Math.max(2 * this._capacity, 3 * url.length));
      encoded = this._encoder.encodeInto(url, this._urlView);
    }
    let pageLength = -1;
    if (page !== this._lastPage) {
      let written = this._encoder.encodeInto(page, this._pageView);
      if (written.read < page.length) {
        this._reserve(Math.max(2 * this._capacity, 3 * page.length));
        encoded = this._encoder.encodeInto(url, this._urlView);
        written = this._encoder.encodeInto(page, this._pageView);
      }
      pageLength = written.written;
      this._lastPage = page;
    }
    return this._match(this.handle, encoded.written, code, pageLength);
  }

  /**
   * The verdict for a request of `type` to `url` from the page at `page`:
   * `{verdict: 'allow', exception}`, `{verdict: 'block', vendor, purposes}` (a vendor of the
   * policy: any one of `purposes` granted allows it), or `{verdict: 'undisclosed', host}`
   * (a tracker the policy does not name: blocked whatever the consent).
   */
  match(url, type, page) {
    const packed = this._run(url, type, page);
    switch (packed & 3) {
      case 1:
        return this._vendorVerdicts[(packed >>> 3) - 1];
      case 2:
        return { verdict: 'undisclosed', host: this._host() };
      default:
        return (packed & 4) ? ALLOW_EXCEPTION : ALLOW;
    }
  }

  /** Whether the request may go ahead when `granted` (ids, or a purposeSet) are granted. */
  allows(url, type, page, granted) {
    const packed = this._run(url, type, page);
    const kind = packed & 3;
    if (kind === 0) return true;
    if (kind === 2) return false;
    const set = granted instanceof PurposeSet ? granted : this.purposeSet(granted);
    const vendor = (packed >>> 3) - 1;
    return ((this._vendorLow[vendor] & (set.low | this._defaultLow)) |
            (this._vendorHigh[vendor] & (set.high | this._defaultHigh))) !== 0;
  }

  /** Whether a request would be blocked whatever the consent or before any (no verdict object). */
  blocks(url, type, page) {
    return (this._run(url, type, page) & 3) !== 0;
  }

  /** A set of granted purposes, by id, for `allows`. Unknown ids are refused. */
  purposeSet(ids = []) {
    let low = 0;
    let high = 0;
    for (const id of ids) {
      const bit = this.purposes.findIndex((p) => p.id === id);
      if (bit < 0) throw new RangeError(`the policy has no purpose "${id}"`);
      if (bit < 32) low |= 1 << bit; else high |= 1 << (bit - 32);
    }
    return new PurposeSet(low >>> 0, high >>> 0);
  }

  /** The deciding filter of the last verdict, in Adblock Plus syntax (for reports). */
  lastFilter() {
    const m = this.core.module;
    m._consentry_blocker_describe(this.handle);
    return this.core.string(m._consentry_blocker_text_data(this.handle), m._consentry_blocker_text_length(this.handle));
  }

  _host() {
    const m = this.core.module;
    const offset = m._consentry_blocker_host_offset(this.handle);
    const length = m._consentry_blocker_host_length(this.handle);
    return this.core.string(this._pointer + offset, length);
  }

  /** Frees the engine and its image in wasm memory. */
  dispose() {
    if (this.handle !== 0) this.core.module._consentry_blocker_free(this.handle);
    this.handle = 0;
  }
}

/** Granted purposes as two 32-bit halves of the image's purpose bits. */
export class PurposeSet {
  constructor(low, high) {
    this.low = low;
    this.high = high;
    Object.freeze(this);
  }
}
