// The renderer's wasm module (build/wasm/dist/consentry-render.*) through its JS API,
// under Node: it loads policies, renders byte for byte what the native build renders
// (the golden files), lints, diffs, negotiates languages, and reports bad input.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";

const dist = process.env.CONSENTRY_WASM_DIST;
const source = process.env.SOURCE_DIR;
// dist/package.json makes its .js files ES modules (the engine's API); these two are
// CommonJS-or-classic scripts, so they are loaded as Node loads CommonJS.
const require = createRequire(import.meta.url);
const load = (name) => {
  const filename = path.join(dist, name);
  const module = { exports: {} };
  const wrapper = vm.compileFunction(fs.readFileSync(filename, "utf8"), ["module", "exports", "require", "__filename", "__dirname"], { filename });
  wrapper(module, module.exports, require, filename, dist);
  return module.exports;
};
const createConsentryRender = load("consentry-render.js");
const { wrap } = load("consentry-render-api.js");
const read = (...parts) => fs.readFileSync(path.join(source, ...parts), "utf8");

let api;
before(async () => {
  const module = await createConsentryRender({ wasmBinary: fs.readFileSync(path.join(dist, "consentry-render.wasm")) });
  api = wrap(module);
});

test("renders every layer as the native build does (the golden files)", () => {
  for (const name of ["sample", "hostile"]) {
    const handle = api.load(read("tests/fixtures/policies", name, "policy.json"));
    for (const language of ["en", "fr", "de"]) {
      const golden = (file) => read("tests/golden/render", name, file);
      assert.equal(api.render(handle, "banner", { language }) + "\n", golden(`banner.${language}.html`));
      assert.equal(api.render(handle, "preferences", { language }) + "\n", golden(`preferences.${language}.html`));
      assert.equal(api.render(handle, "notice", { language }) + "\n", golden(`notice.${language}.html`));
      assert.equal(api.render(handle, "markdown", { language }), golden(`notice.${language}.md`));
      assert.equal(api.render(handle, "text", { language }), golden(`notice.${language}.txt`));
    }
    api.free(handle);
  }
});

test("choices reach the switches", () => {
  const handle = api.load(read("tests/fixtures/policies/sample/policy.json"));
  const choices = { analytics: "granted", advertising: "denied", improvement: "objected", "health-matching": "granted" };
  assert.equal(api.render(handle, "preferences", { language: "en", choices }) + "\n",
               read("tests/golden/render/sample/preferences.chosen.en.html"));
});

test("strings of any script survive the trip through the heap", () => {
  const policy = JSON.parse(read("tests/fixtures/policies/sample/policy.json"));
  policy.summary.en = "Emoji 🍪, CJK 隐私, Arabic خصوصية, combining é, and a long one " + "ü".repeat(5000);
  const handle = api.load(JSON.stringify(policy));
  const html = api.render(handle, "banner", { language: "en" });
  assert.ok(html.includes("Emoji 🍪, CJK 隐私, Arabic خصوصية, combining é"));
  assert.equal(html.split("<wbr>").length - 1, Math.floor((5000 - 1) / 20));
});

test("lint, diff and languages answer in JSON", () => {
  const sample = read("tests/fixtures/policies/sample/policy.json");
  const before = api.load(sample);
  const changed = JSON.parse(sample);
  changed.purposes.find((p) => p.id === "improvement").basis = "consent";
  const after = api.load(JSON.stringify(changed));
  const diff = api.diff(before, after);
  assert.equal(diff.material, true);
  assert.equal(diff.changes.length, 1);
  assert.deepEqual(diff.changes[0].fields, ["basis"]);
  assert.deepEqual(api.lint(before), []);
  const hostile = api.load(read("tests/fixtures/policies/hostile/policy.json"));
  assert.ok(api.lint(hostile).every((d) => d.level === "warning" && d.location.startsWith("/notice/")));
  assert.deepEqual(api.languages(before, "de-CH, fr;q=0.5"), { notice: "de", ui: "de", available: ["en", "fr", "de"] });
  assert.deepEqual(api.languages(before, "es"), { notice: "en", ui: "en", available: ["en", "fr", "de"] });
});

test("bad input is a clear error, not a crash", () => {
  assert.throws(() => api.load("{ not json"), (error) => error.diagnostics.length === 1 && /^1:\d+$/.test(error.diagnostics[0].location));
  assert.throws(() => api.load('{"format": 1}'), (error) => error.diagnostics.some((d) => /missing required member/.test(d.message)));
  assert.throws(() => api.render(999, "banner"), /no policy with handle 999/);
  assert.throws(() => api.render(1, "poster"), /unknown layer/);
  const handle = api.load(read("tests/fixtures/policies/sample/policy.json"));
  // Choices that are not an object of strings count as no choice.
  assert.equal(api.render(handle, "banner", { choices: [1, 2] }), api.render(handle, "banner"));
});
