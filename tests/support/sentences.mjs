// Sentence check shared by the command-line tests: every sentence of a source text
// must appear, in order, in a rendered notice. The same splitting as
// tests/unit/alopal_policy_test.cpp: by line, then after ". ", "? ", "! " and "; ".
//
//   node sentences.mjs SOURCE RENDERED [--format text|markdown|html]
// Exits 0 when every sentence is found, 1 naming the first that is not.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Runs of white space become one space; the ends are trimmed. */
export function normalize(text) {
  return text.replace(/\s+/gu, ' ').trim();
}

/** The sentences of `text`, in order, each normalised; empty lines give none. */
export function split_sentences(text) {
  const sentences = [];
  for (const line of text.split(/\r?\n/u)) {
    for (const piece of line.split(/(?<=[.?!;]) /u)) {
      const sentence = normalize(piece);
      if (sentence) sentences.push(sentence);
    }
  }
  return sentences;
}

/** The readable text of a rendering: Markdown escapes and HTML tags and entities undone. */
export function plain_text(rendered, format) {
  if (format === 'markdown') return rendered.replace(/\\([\\`*_[\]<>#|])/gu, '$1');
  if (format === 'html') {
    const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
    // Block boundaries become line breaks so that two paragraphs never run together.
    return rendered
      .replace(/<\/(p|li|h[1-6]|section|nav|footer)>|<(ul|ol)>/gu, '\n')
      .replace(/<[^>]*>/gu, '')
      .replace(/&(amp|lt|gt|quot|#39);/gu, (entity) => entities[entity]);
  }
  return rendered;
}

/** The first sentence of `source` not found in `rendered` after the previous one, or null. */
export function first_missing(source, rendered) {
  const haystack = normalize(rendered);
  let from = 0;
  for (const [index, sentence] of split_sentences(source).entries()) {
    const at = haystack.indexOf(sentence, from);
    if (at < 0) return { index, sentence };
    from = at + sentence.length;
  }
  return null;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [source_path, rendered_path, flag, format = 'text'] = process.argv.slice(2);
  if (!source_path || !rendered_path || (flag !== undefined && flag !== '--format')) {
    console.error('usage: node sentences.mjs SOURCE RENDERED [--format text|markdown|html]');
    process.exit(2);
  }
  const source = readFileSync(source_path, 'utf8');
  const rendered = plain_text(readFileSync(rendered_path, 'utf8'), format);
  const count = split_sentences(source).length;
  const missing = first_missing(source, rendered);
  if (missing) {
    console.error(`sentence ${missing.index + 1} of ${count} is missing or out of order in the ${format} rendering: "${missing.sentence}"`);
    process.exit(1);
  }
  console.log(`all ${count} sentences found in order in the ${format} rendering`);
}
