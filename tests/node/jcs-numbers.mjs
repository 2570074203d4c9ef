// Doubles for the RFC 8785 number tests: Node's String(x) is the ECMAScript
// Number::toString that RFC 8785 §3.2.2.3 prescribes, so it is the oracle.
import { randomBytes } from 'node:crypto';

const bits_of = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};

const next_up = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
};
const next_down = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
};

/** The edge cases: zeros, subnormals, the limits, the notation switches at 1e21 and
 *  1e-7, 2^53, and every power of two and of ten with its neighbours (a power of two
 *  has a narrower gap below it, where a shortest-digits algorithm is easiest to get wrong). */
export function edge_cases() {
  const out = [0, -0, Number.MIN_VALUE, 2.225073858507201e-308, 2.2250738585072014e-308, Number.MAX_VALUE,
    1e21, 999999999999999900000, 1e-7, 1e-6, 9.999999999999999e-7, 2 ** 53, 2 ** 53 + 2, 2 ** 53 - 1,
    Number.EPSILON, 0.1, 0.2, 0.3, 0.1 + 0.2, 1 / 3, 2 / 3, 1e23, 5e-7, 123456789012345680000, 4.35, 0.5, 1.5];
  for (let e = -1074; e <= 1023; ++e) out.push(2 ** e);
  for (let e = -323; e <= 308; ++e) out.push(Number(`1e${e}`), Number(`9.999999999999999e${e}`));
  const with_neighbours = [];
  for (const x of out.filter(Number.isFinite)) {
    with_neighbours.push(x);
    if (x > 0) {
      if (x < Number.MAX_VALUE) with_neighbours.push(next_up(x));
      if (x > Number.MIN_VALUE) with_neighbours.push(next_down(x));
    }
  }
  return [...with_neighbours, ...with_neighbours.map((x) => -x)];
}

/** `count` doubles from random 64-bit patterns, finite only. */
export function random_doubles(count) {
  const bytes = randomBytes(count * 8 + 4096);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let at = 0; out.length < count; at += 8) {
    if (at + 8 > bytes.byteLength) return out.concat(random_doubles(count - out.length));
    const x = view.getFloat64(at);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

/** `count` doubles that people write: up to 17 random digits times a power of ten
 *  near 1, where the plain and the exponent notations meet. */
export function short_decimals(count) {
  const bytes = randomBytes(count * 12);
  const out = [];
  for (let i = 0; i < count; ++i) {
    const digits = 1 + (bytes[12 * i] % 17);
    let mantissa = '';
    for (let d = 0; d < digits; ++d) mantissa += String(bytes[12 * i + 1 + (d % 11)] * (d + 1) % 10);
    const exponent = (bytes[12 * i + 11] % 61) - 30;
    out.push(Number(`${bytes[12 * i + 11] & 1 ? '-' : ''}${mantissa}e${exponent}`));
  }
  return out;
}

/** The test input and the expected output. Each number is written with 17 significant
 *  digits, which read back as the same double but are rarely its shortest form, so the
 *  canonicaliser has to find the digits itself; -0 is written "-0.0". */
export function number_document(values) {
  const input = '[' + values.map((x) => (Object.is(x, -0) ? '-0.0' : x.toExponential(16))).join(',\n') + ']';
  return { input, expected: JSON.stringify(values) };
}

/** Names the first few numbers where `actual` and `expected` (both arrays in canonical
 *  form) differ, with their bit patterns, so that a failure can be replayed. */
export function describe_difference(values, actual, expected) {
  const got = actual.slice(1, -1).split(',');
  const want = expected.slice(1, -1).split(',');
  const lines = [];
  if (got.length !== want.length) lines.push(`${got.length} numbers written, ${want.length} expected`);
  for (let i = 0; i < want.length && lines.length < 10; ++i) {
    if (got[i] !== want[i]) lines.push(`0x${bits_of(values[i])}: got ${got[i]}, String(x) is ${want[i]}`);
  }
  return lines.join('\n');
}
