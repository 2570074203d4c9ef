// The peer engines of the benchmark, set up alike: npm @gorhill/ubo-core and
// npm @ghostery/adblocker, each given requests in its own type vocabulary.
import fs from 'node:fs';

const publicSuffixList = '/usr/share/publicsuffix/public_suffix_list.dat';

// ubo-core 0.1.30 ships a Public Suffix List selfie its own code cannot read (every
// getDomain() is ''), which makes every subdomain third-party. It is given the list our
// engine compiles in (Debian's), so the two judge third-party alike.
let uboModule = null;
async function ubo() {
  if (uboModule === null) {
    uboModule = await import('@gorhill/ubo-core');
    uboModule.pslInit(fs.readFileSync(publicSuffixList, 'utf8'));
  }
  return uboModule;
}

let uboInstance = null;

/**
 * ubo-core's static network filtering engine with `lists` ({name, raw}). ubo-core allows
 * one instance: each call replaces the lists of that one.
 */
export async function createUbo(lists) {
  const { StaticNetFilteringEngine } = await ubo();
  if (uboInstance === null) uboInstance = await StaticNetFilteringEngine.create({ noPSL: true });
  await uboInstance.useLists(lists);
  return uboInstance;
}

export async function uboEngineClass() {
  return (await ubo()).StaticNetFilteringEngine;
}

// The corpus names types as webRequest and devtools do; each engine gets its own names.
const uboTypes = { xhr: 'xmlhttprequest', fetch: 'xmlhttprequest', document: 'main_frame', subdocument: 'sub_frame' };
export function uboType(type) {
  return uboTypes[type] ?? type;
}

const ghosteryTypes = { xhr: 'xmlhttprequest', fetch: 'xmlhttprequest', document: 'main_frame', subdocument: 'sub_frame' };
export function ghosteryType(type) {
  return ghosteryTypes[type] ?? type;
}

export async function ghostery() {
  return import('@ghostery/adblocker');
}
