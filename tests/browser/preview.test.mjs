// The offline preview in a real Chromium: opened from file:// with every request that
// is not file: refused, it must make no request, show the banner, the preferences and
// every section heading in English, French and German, pass axe-core with no serious or
// critical violation, keep hostile policy text inert, and mark --since changes in place.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const consentry = process.env.CONSENTRY;
const sourceDir = process.env.SOURCE_DIR;
const axeSource = fs.readFileSync(path.join(sourceDir, "node_modules/axe-core/axe.min.js"), "utf8");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "consentry-preview-"));

const UI = {
  en: { accept: "Accept all", reject: "Reject all", choose: "Choose", preferences: "Privacy preferences", save: "Save my choices" },
  fr: { accept: "Tout accepter", reject: "Tout refuser", choose: "Choisir", preferences: "Préférences de confidentialité", save: "Enregistrer mes choix" },
  de: { accept: "Alle akzeptieren", reject: "Alle ablehnen", choose: "Auswählen", preferences: "Datenschutz-Einstellungen", save: "Meine Auswahl speichern" },
};

function preview(policyDir, name, extra = []) {
  const output = path.join(work, name + ".html");
  execFileSync(consentry, ["preview", policyDir, "-o", output, ...extra], { stdio: ["ignore", "ignore", "pipe"] });
  return output;
}

const policies = [["sample", path.join(sourceDir, "tests/fixtures/policies/sample")]];
const alopal = path.join(sourceDir, "policy-data/alopal");
if (fs.existsSync(path.join(alopal, "policy.json"))) policies.push(["alopal", alopal]);

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});
after(async () => {
  await browser?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Opens `file` offline; returns the page and what it tried to fetch and said. */
async function open(file, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ offline: true, viewport });
  const refused = [];
  const problems = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    refused.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error" || /Content Security Policy/.test(message.text())) problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("dialog", (dialog) => {
    problems.push("dialog: " + dialog.message());
    dialog.dismiss();
  });
  await page.goto("file://" + file);
  await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
  return { page, context, refused, requests, problems };
}

/** axe-core on one part of the page: its serious and critical violations, and how many rules passed. */
async function axe(page, selector) {
  // Evaluated by the harness, not injected as a <script>: the page's own CSP stays whole.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  return page.evaluate(async (sel) => {
    const results = await window.axe.run(document.querySelector(sel));
    return {
      serious: results.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
      passes: results.passes.length,
    };
  }, selector);
}

function headings(policy, language) {
  const out = [];
  const walk = (sections) => {
    for (const s of sections) {
      out.push(s.heading[language] ?? s.heading[policy.default_language]);
      walk(s.sections ?? []);
    }
  };
  walk(policy.notice.sections);
  return out;
}

const normalize = (text) => text.replace(/\s+/g, " ").trim();

for (const [name, dir] of policies) {
  describe(`preview of ${name}`, () => {
    const policy = JSON.parse(fs.readFileSync(path.join(dir, "policy.json"), "utf8"));
    // One page for the whole suite (the machine is small): every test below runs on it,
    // and the last checks that nothing, in all of them, was fetched or went wrong.
    let opened;
    before(async () => { opened = await open(preview(dir, name)); });
    after(async () => { await opened?.context.close(); });

    test("works offline from file:// once loaded", async () => {
      const { page, refused } = opened;
      assert.deepEqual(refused, []);
      assert.match(await page.textContent("#preview-status"), /wasm core/);
    });

    for (const language of ["en", "fr", "de"]) {
      test(`shows the banner, the preferences and every section heading in ${language}`, async () => {
        const { page } = opened;
        await page.selectOption("#preview-language", language);
        const ui = UI[language];
        const banner = page.locator("#preview-banner .consentry-banner");
        assert.ok(await banner.isVisible());
        assert.equal(await banner.getAttribute("lang"), language);
        const buttons = (await banner.locator("button").allTextContents()).map(normalize);
        assert.deepEqual(buttons, [ui.accept, ui.reject, ui.choose]);
        const preferences = page.locator("#preview-preferences .consentry-preferences");
        assert.ok(await preferences.isVisible());
        assert.equal(normalize(await preferences.locator("h2").textContent()), ui.preferences);
        assert.ok((await preferences.locator("[role=switch]").count()) > 0);
        assert.equal(await page.locator(`#preview-preferences button:has-text("${ui.save}")`).count(), 1);

        const noticeLanguage = policy.languages.includes(language) ? language : policy.default_language;
        const headingElements = page.locator("#preview-notice .consentry-section-heading");
        const shown = (await headingElements.allInnerTexts()).map(normalize);
        const expected = headings(policy, noticeLanguage).map(normalize);
        assert.deepEqual(shown, expected);
        for (const heading of await headingElements.all()) assert.ok(await heading.isVisible());
        assert.equal(await page.locator("#preview-notice .consentry-toc-link").count(), expected.length);
      });

      test(`axe-core finds no serious or critical violation in ${language}`, async () => {
        const { page } = opened;
        await page.selectOption("#preview-language", language);
        for (const selector of ["#preview-banner", "#preview-preferences", "#preview-notice"]) {
          const { serious, passes } = await axe(page, selector);
          assert.deepEqual(serious, [], `${selector} in ${language}`);
          assert.ok(passes > 5, `axe ran its rules on ${selector}`);
        }
      });
    }

    test("Accept all, Reject all and Choose weigh the same, and Accept all leaves explicit consent alone", async () => {
      const { page } = opened;
      const styles = await page.$$eval("#preview-banner button", (buttons) =>
        buttons.map((b) => {
          const s = getComputedStyle(b);
          const r = b.getBoundingClientRect();
          return [b.tagName, b.className, s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderTopWidth,
                  s.borderTopColor, Math.round(r.width), Math.round(r.height)].join("|");
        }));
      assert.equal(styles.length, 3);
      assert.equal(new Set(styles).size, 1, styles.join("\n"));

      const state = (role, id) => page.getAttribute(`#preview-preferences [role=${role}][data-consentry-purpose="${id}"]`, "aria-checked");
      await page.click("#preview-banner [data-consentry-action=accept-all]");
      const consent = policy.purposes.filter((p) => p.basis === "consent").map((p) => p.id);
      for (const id of consent) assert.equal(await state("switch", id), "true");
      for (const p of policy.purposes.filter((x) => x.basis === "explicit_consent")) {
        assert.equal(await state("checkbox", p.id), "false");
      }
      await page.click("#preview-banner [data-consentry-action=reject-all]");
      for (const id of consent) assert.equal(await state("switch", id), "false");
      if (consent.length) {
        await page.click(`#preview-preferences [role=switch][data-consentry-purpose="${consent[0]}"]`);
        assert.equal(await state("switch", consent[0]), "true");
      }
    });

    test("the phone width lays the banner out for a phone", async () => {
      const { page } = opened;
      await page.check("input[name=preview-width][value=phone]");
      await page.waitForFunction(() => document.querySelector("#preview-banner .consentry-banner").getBoundingClientRect().width <= 390);
      const boxes = await page.$$eval("#preview-banner button", (buttons) => buttons.map((b) => b.getBoundingClientRect()).map((r) => [r.x, r.y, r.width]));
      assert.equal(new Set(boxes.map((b) => Math.round(b[0]))).size, 1, "the buttons stack in one column");
      assert.ok(boxes[0][1] < boxes[1][1] && boxes[1][1] < boxes[2][1]);
      const overflow = await page.$$eval("#preview-main .consentry-root", (roots) => roots.some((r) => r.scrollWidth > r.clientWidth + 1));
      assert.equal(overflow, false, "nothing is wider than the phone");
    });

    test("made no request but the file itself, and raised no error or CSP violation", () => {
      const { refused, requests, problems } = opened;
      assert.deepEqual(refused, []);
      assert.deepEqual(requests.filter((u) => !u.startsWith("file:")), []);
      assert.equal(requests.length, 1, `only the file itself: ${requests.join(", ")}`);
      assert.deepEqual(problems, []);
    });
  });
}

describe("preview --since", () => {
  test("lists the changes and marks them where they show", async () => {
    const dir = path.join(sourceDir, "tests/fixtures/policies/sample");
    const changed = path.join(work, "changed");
    fs.mkdirSync(changed, { recursive: true });
    const policy = JSON.parse(fs.readFileSync(path.join(dir, "policy.json"), "utf8"));
    policy.vendors.push({ id: "added-vendor", name: "Added Vendor", purposes: ["analytics"], hosts: ["added.example"],
                          privacy_policy_url: "https://added.example/privacy", transfer_country: "US" });
    policy.purposes.find((p) => p.id === "analytics").vendors.push("added-vendor");
    policy.notice.sections[0].blocks[0].text.en = "This notice, reworded, explains what we collect.";
    fs.writeFileSync(path.join(changed, "policy.json"), JSON.stringify(policy));
    const file = preview(changed, "since", ["--since", dir]);
    const { page, context, problems, refused } = await open(file);
    const changes = (await page.locator("#preview-changes li").allInnerTexts()).map(normalize);
    assert.equal(changes.length, 2, changes.join("\n"));
    assert.ok(changes.some((c) => c.startsWith("material vendor added")));
    assert.ok(changes.some((c) => c.startsWith("editorial section changed")));
    assert.equal(await page.locator('#preview-preferences .preview-changed-material[data-consentry-vendor="added-vendor"]').count(), 1);
    assert.equal(await page.locator('#preview-notice .preview-changed-editorial[data-consentry-section="about"]').count(), 1);
    // The marks survive a re-render in another language.
    await page.selectOption("#preview-language", "fr");
    assert.equal(await page.locator('#preview-notice .preview-changed-editorial[data-consentry-section="about"]').count(), 1);
    assert.deepEqual(problems, []);
    assert.deepEqual(refused, []);
    await context.close();
  });
});

describe("preview of the hostile policy", () => {
  test("renders every payload as text: nothing runs, no element is injected", async () => {
    const file = preview(path.join(sourceDir, "tests/fixtures/policies/hostile"), "hostile");
    const { page, context, problems, refused } = await open(file);
    for (const language of ["en", "fr", "de"]) {
      await page.selectOption("#preview-language", language);
      await page.click("#preview-banner [data-consentry-action=accept-all]");
      await page.hover("#preview-notice .consentry-section-heading >> nth=1");
      const found = await page.evaluate(() => ({
        pwned: window.__consentryPwned ?? null,
        injected: document.querySelectorAll("#preview-main :is(script, img, svg, iframe, object, embed, style, animate)").length,
        handlers: [...document.querySelectorAll("#preview-main *")].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on")).length,
        links: [...document.querySelectorAll("#preview-main a[href]")].map((a) => a.getAttribute("href")).filter((h) => !/^(https?:|mailto:|#consentry-)/.test(h)),
        findings: document.querySelectorAll("#preview-findings li").length,
      }));
      assert.deepEqual(found.pwned, null);
      assert.equal(found.injected, 0);
      assert.equal(found.handlers, 0);
      assert.deepEqual(found.links, []);
      assert.ok(found.findings > 0, "lint warnings about the repeated headings are shown, as text");
    }
    await page.waitForTimeout(300);  // an <animate onbegin> or a failed <img> would have fired by now
    assert.equal(await page.evaluate(() => window.__consentryPwned ?? null), null);
    assert.deepEqual(problems, []);
    assert.deepEqual(refused, []);
    await context.close();
  });
});
