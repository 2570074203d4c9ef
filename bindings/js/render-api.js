// The JavaScript face of the renderer's raw wasm exports (bindings/render_exports.cpp):
// strings go into the wasm heap with TextEncoder.encodeInto and come back as UTF-8 bytes.
// A classic script (it defines globalThis.ConsentryRenderApi) and a CommonJS module alike,
// so that the offline preview can inline it and Node can require it.
(function (root) {
  "use strict";

  const LAYERS = { banner: 0, preferences: 1, notice: 2, markdown: 3, text: 4 };

  /** Wraps an instantiated module (from createConsentryRender({wasmBinary})). */
  function wrap(module) {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();

    // Copies `text` into freshly allocated heap memory; the caller frees it.
    function put(text) {
      const s = String(text ?? "");
      const capacity = s.length * 3 + 1;  // UTF-8 needs at most 3 bytes per UTF-16 unit
      const pointer = module._consentry_alloc(capacity);
      const { written } = encoder.encodeInto(s, module.HEAPU8.subarray(pointer, pointer + capacity));
      return [pointer, written];
    }
    function output() {
      const pointer = module._consentry_output_data();
      const size = module._consentry_output_size();
      return decoder.decode(module.HEAPU8.subarray(pointer, pointer + size));
    }
    function call(fn, strings, before = [], after = []) {
      const args = [];
      const owned = [];
      for (const s of strings) {
        const [pointer, size] = put(s);
        owned.push(pointer);
        args.push(pointer, size);
      }
      try {
        return fn(...before, ...args, ...after);
      } finally {
        for (const pointer of owned) module._consentry_free(pointer);
      }
    }

    return {
      /** Loads a policy (JSON text): a handle, or throws with the loader's diagnostics. */
      load(policyJson) {
        const handle = call(module._consentry_policy_load, [policyJson]);
        if (!handle) {
          const error = new Error("the policy does not load");
          error.diagnostics = JSON.parse(output());
          throw error;
        }
        return handle;
      },
      free(handle) { module._consentry_policy_free(handle); },
      /** layer: banner, preferences, notice, markdown or text; choices: {purpose: status}. */
      render(handle, layer, { language = "", choices = {} } = {}) {
        if (!(layer in LAYERS)) throw new Error(`unknown layer ${layer}`);
        const ok = call((l, ls, c, cs) => module._consentry_render(handle, LAYERS[layer], l, ls, c, cs),
                        [language, JSON.stringify(choices)]);
        if (!ok) throw new Error(`no policy with handle ${handle}`);
        return output();
      },
      lint(handle) {
        if (!module._consentry_lint(handle)) throw new Error(`no policy with handle ${handle}`);
        return JSON.parse(output());
      },
      diff(before, after) {
        if (!module._consentry_diff(before, after)) throw new Error("unknown policy handle");
        return JSON.parse(output());
      },
      languages(handle, acceptLanguage = "") {
        const ok = call((a, as) => module._consentry_languages(handle, a, as), [acceptLanguage]);
        if (!ok) throw new Error(`no policy with handle ${handle}`);
        return JSON.parse(output());
      },
    };
  }

  const api = { wrap, LAYERS };
  root.ConsentryRenderApi = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
