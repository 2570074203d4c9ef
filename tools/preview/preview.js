// The offline preview's page script: instantiates the inlined wasm core, renders the
// banner, the preferences and the notice with it (as the browser package does), and
// shows lint findings and, with --since, the changes in place. No network: the module's
// bytes come from the page itself.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const status = $("preview-status");

  function base64Bytes(text) {
    const binary = atob(text.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function fail(error) {
    status.dataset.state = "error";
    status.textContent = "The preview could not start: " + (error && error.message ? error.message : String(error));
    if (error && error.diagnostics) {
      for (const d of error.diagnostics) status.append(document.createElement("br"), `${d.location}: ${d.message}`);
    }
  }

  function listItem(parts) {
    const li = document.createElement("li");
    for (const [text, className] of parts) {
      const span = document.createElement("span");
      if (className) span.className = className;
      span.textContent = text;
      li.append(span, " ");
    }
    return li;
  }

  const SELECTORS = { purpose: "purpose", vendor: "vendor", data_category: "category", section: "section" };

  function start(module) {
    const api = ConsentryRenderApi.wrap(module);
    const policyText = $("preview-policy").textContent;
    const policy = JSON.parse(policyText);
    const handle = api.load(policyText);
    const previousData = $("preview-previous");
    const diff = previousData ? api.diff(api.load(previousData.textContent), handle) : null;
    const bases = Object.fromEntries(policy.purposes.map((p) => [p.id, p.basis]));

    let language = $("preview-language").value;
    let choices = {};

    // Lint findings, written as text: messages quote the policy, which is outside input.
    const findings = $("preview-findings");
    const lint = api.lint(handle);
    if (lint.length === 0) findings.append(listItem([["No findings.", ""]]));
    for (const d of lint) {
      findings.append(listItem([[d.level, "preview-level-" + d.level], [d.location || "/", "preview-location"], [d.message, ""]]));
    }
    if (diff) {
      const list = $("preview-changes");
      if (diff.changes.length === 0) list.append(listItem([["No change.", ""]]));
      for (const c of diff.changes) {
        list.append(listItem([[c.classification, "preview-" + c.classification], [`${c.subject} ${c.kind}`, ""], [c.summary, ""]]));
      }
    }

    function highlight(container) {
      if (!diff) return;
      for (const c of diff.changes) {
        const attribute = SELECTORS[c.subject];
        if (!attribute || c.kind === "removed") continue;
        const selector = `[data-consentry-${attribute}="${CSS.escape(c.id)}"]`;
        for (const element of container.querySelectorAll(selector)) {
          if (element.tagName === "BUTTON") continue;  // the control's card is marked already
          element.classList.add("preview-changed", "preview-changed-" + c.classification);
          const badge = document.createElement("span");
          badge.className = "preview-change-badge";
          badge.textContent = `${c.classification} change: ${c.summary}`;
          element.prepend(badge);
        }
      }
    }

    const frames = { banner: $("preview-banner"), preferences: $("preview-preferences"), notice: $("preview-notice") };
    function render(focusId) {
      // The markup comes from the core, which escapes every string of the policy.
      frames.banner.innerHTML = api.render(handle, "banner", { language, choices });
      frames.preferences.innerHTML = api.render(handle, "preferences", { language, choices });
      frames.notice.innerHTML = api.render(handle, "notice", { language });
      for (const frame of Object.values(frames)) highlight(frame);
      if (focusId) document.getElementById(focusId)?.focus();
      document.documentElement.dataset.previewLanguage = language;
      const shown = api.languages(handle, language);
      status.textContent = `Rendered by the wasm core: interface in ${shown.ui}, policy text in ${shown.notice}` +
        (shown.notice === language ? "." : ` (the policy has no ${language}: its default language fills in).`);
    }

    function setAll(status) {
      for (const [id, basis] of Object.entries(bases)) {
        // Accept all never reaches explicit consent (GDPR Art. 9(2)(a)): that is its own act.
        if (basis === "consent") choices[id] = status;
        if (basis === "explicit_consent" && status === "denied") choices[id] = "denied";
      }
    }

    document.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target.closest("[data-consentry-action], [data-consentry-control]") : null;
      if (!target) return;
      const action = target.dataset.consentryAction;
      if (action === "accept-all") setAll("granted");
      if (action === "reject-all") setAll("denied");
      if (action === "choose") {
        $("preview-preferences-panel").scrollIntoView();
        document.getElementById("consentry-preferences-title")?.setAttribute("tabindex", "-1");
        document.getElementById("consentry-preferences-title")?.focus();
        return;
      }
      const control = target.dataset.consentryControl;
      const purpose = target.dataset.consentryPurpose;
      if (control && control !== "locked" && purpose) {
        const on = target.getAttribute("aria-checked") === "true";
        if (control === "object") choices[purpose] = on ? "not_asked" : "objected";
        else choices[purpose] = on ? "denied" : "granted";
      }
      render(target.id || null);
    });

    $("preview-language").addEventListener("change", (event) => {
      language = event.target.value;
      render(null);
    });
    for (const radio of document.querySelectorAll("input[name=preview-width]")) {
      radio.addEventListener("change", () => { $("preview-main").dataset.width = radio.value; });
    }

    render(null);
    document.documentElement.dataset.ready = "true";
  }

  try {
    createConsentryRender({ wasmBinary: base64Bytes($("preview-wasm").textContent) }).then(start).catch(fail);
  } catch (error) {
    fail(error);
  }
})();
