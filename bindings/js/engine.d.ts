// Types of the Consentry core's JavaScript API (engine.js).

/** Request types, after the type options of Adblock Plus. */
export type RequestType =
  | 'other' | 'script' | 'image' | 'stylesheet' | 'object' | 'xmlhttprequest' | 'subdocument' | 'ping'
  | 'media' | 'font' | 'websocket' | 'document';

/** Also accepted: webRequest's names and short forms. */
export type RequestTypeAlias =
  | 'main_frame' | 'sub_frame' | 'beacon' | 'object_subrequest' | 'imageset' | 'csp_report' | 'speculative'
  | 'web_manifest' | 'manifest' | 'webbundle' | 'webtransport' | 'xhr' | 'fetch' | 'css' | 'frame' | 'iframe'
  | 'doc';

export type LegalBasis =
  | 'consent' | 'explicit_consent' | 'contract' | 'legal_obligation' | 'vital_interest' | 'legitimate_interest';

export type ImageErrorCode =
  | 'truncated' | 'bad_magic' | 'unsupported_version' | 'bad_checksum' | 'inconsistent' | 'misaligned';

export const REQUEST_TYPES: readonly RequestType[];
export const LEGAL_BASES: readonly LegalBasis[];
export const IMAGE_ERRORS: readonly ImageErrorCode[];

/** A rules image the core refused: rebuild it from its sources. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
}

export interface LoadOptions {
  /** The bytes of consentry-core.wasm; read beside engine.js in Node when absent. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the browser fetches consentry-core.wasm from. */
  locateFile?: (path: string, prefix: string) => string;
}

export function loadCore(options?: LoadOptions): Promise<Core>;

export class Core {
  /** Bytes of wasm memory in use. */
  readonly memoryBytes: number;
  /** Loads a compiled rules image (`consentry build`'s rules.bin); throws ImageError. */
  loadBlocker(image: Uint8Array): Blocker;
}

export interface Purpose {
  readonly id: string;
  readonly basis: LegalBasis;
}

export interface Vendor {
  readonly id: string;
  readonly name: string;
  /** Any one of these, granted, allows the vendor's requests. */
  readonly purposes: readonly string[];
}

export type Verdict =
  | { readonly verdict: 'allow'; readonly exception: boolean }
  | { readonly verdict: 'block'; readonly vendor: Vendor; readonly purposes: readonly string[] }
  | { readonly verdict: 'undisclosed'; readonly host: string };

/** Granted purposes, for `Blocker.allows`. */
export class PurposeSet {
  readonly low: number;
  readonly high: number;
}

export class Blocker {
  static load(core: Core, image: Uint8Array): Blocker;
  readonly purposes: readonly Purpose[];
  readonly vendors: readonly Vendor[];
  readonly filterCount: number;
  /** The verdict for a request of `type` to `url` made by the page at `page`. */
  match(url: string, type: RequestType | RequestTypeAlias, page: string): Verdict;
  /** Whether the request may go ahead with `granted` purposes; purposes not based on consent count as granted. */
  allows(url: string, type: RequestType | RequestTypeAlias, page: string, granted: PurposeSet | Iterable<string>): boolean;
  /** Whether a list or a vendor rule matches (blocked before any consent). */
  blocks(url: string, type: RequestType | RequestTypeAlias, page: string): boolean;
  purposeSet(ids?: Iterable<string>): PurposeSet;
  /** The deciding filter of the last verdict, in Adblock Plus syntax. */
  lastFilter(): string;
  dispose(): void;
}
