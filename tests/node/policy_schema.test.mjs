// The JSON Schema editors use (policy-data/schema/policy.schema.json, generated from
// the model's description) accepts the AloPal policy, and rejects the malformed
// fixtures a schema can judge at the place the linter names. The others (references,
// legal rules, dates, duplicates) are the linter's alone: the schema accepts them,
// which also shows that each fixture is wrong in one way only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

const source_dir = process.env.SOURCE_DIR ?? new URL('../..', import.meta.url).pathname;
const read_json = (...parts) => JSON.parse(readFileSync(join(source_dir, ...parts), 'utf8'));
const schema = read_json('policy-data', 'schema', 'policy.schema.json');
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** Where each schema error points, in the linter's terms: the member itself for an unknown one. */
function pointers(errors) {
  return errors.map((e) =>
    e.keyword === 'additionalProperties' ? `${e.instancePath}/${e.params.additionalProperty}` : e.instancePath);
}

/** The JSON pointers of the expected errors of a bad-policy fixture. */
function expected_pointers(name) {
  const expected = readFileSync(join(source_dir, 'tests', 'fixtures', 'bad-policies', name, 'expected.txt'), 'utf8');
  return expected.split('\n').filter(Boolean).map((line) => {
    const match = /^policy\.json(:[^ ]*)?: error: /u.exec(line);
    assert.ok(match, `not a finding line: ${line}`);
    // The linter writes control characters it quotes as \xNN (diagnostic.hpp); undo that.
    const pointer = match[1] ? match[1].slice(1) : '';
    return pointer.replace(/\\x([0-7][0-9a-f])/gu, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  });
}

const bad = (name) => read_json('tests', 'fixtures', 'bad-policies', name, 'policy.json');

test('the schema is draft 2020-12 and describes a policy document', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.ok(schema.$defs.policy && schema.$defs.purpose && schema.$defs.vendor);
});

test('policy-data/alopal/policy.json is valid against the schema', () => {
  const valid = validate(read_json('policy-data', 'alopal', 'policy.json'));
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects what it can judge, where the linter says', () => {
  const judged = ['wrong-type-integer', 'wrong-type-array', 'wrong-type-boolean', 'unknown-field',
    'unknown-field-suggestion', 'control-characters', 'missing-required', 'empty-required-string',
    'unknown-legal-basis', 'negative-integer', 'not-an-object'];
  for (const name of judged) {
    assert.equal(validate(bad(name)), false, `${name}: the schema accepts it`);
    const found = pointers(validate.errors);
    for (const pointer of expected_pointers(name)) {
      assert.ok(found.includes(pointer), `${name}: no schema error at "${pointer}"; found ${JSON.stringify(found)}`);
    }
  }
});

test('what only the linter can judge passes the schema', () => {
  const linter_only = ['dangling-purpose-vendor', 'dangling-vendor-purpose', 'dangling-purpose-category',
    'dangling-purpose-section', 'duplicate-purpose-id', 'invalid-date', 'consent-not-refusable',
    'special-category-plain-consent', 'missing-default-language-text', 'wrong-format-version', 'bad-host-name',
    'bad-url'];
  for (const name of linter_only) {
    assert.ok(validate(bad(name)), `${name}: the schema now rejects it too (${JSON.stringify(validate.errors)}); ` +
      'move it to the list above');
  }
});
