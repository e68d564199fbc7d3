// Checks real responses against the schemas an OpenAPI 3.1 document gives for them:
// node check-responses.mjs DOCUMENT SAMPLES, where SAMPLES is a JSON list of
// {operationId, status, contentType, body}; a sample with status "request" is checked against the
// operation's request body instead. Prints one line of JSON; exit 1 on any mismatch.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const document = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const samples = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The document's components, addressable as doc#/components/schemas/X.
const rewrite = (value) => JSON.parse(JSON.stringify(value).replaceAll('"#/components/', '"doc#/components/'));
ajv.addSchema({ $id: 'doc', components: rewrite(document.components) });

const operations = {};
for (const item of Object.values(document.paths))
  for (const operation of Object.values(item)) if (operation.operationId) operations[operation.operationId] = operation;

const failures = [];
for (const sample of samples) {
  const operation = operations[sample.operationId];
  const response = sample.status === 'request' ? operation?.requestBody : operation?.responses?.[String(sample.status)];
  const schema = response?.content?.[sample.contentType]?.schema;
  if (!schema) {
    failures.push({ ...sample, body: undefined, problem: 'no schema documented for this response' });
    continue;
  }
  const validate = ajv.compile(rewrite(schema));
  if (!validate(sample.body)) failures.push({ operationId: sample.operationId, status: sample.status, errors: validate.errors });
}
console.log(JSON.stringify({ checked: samples.length, failures }));
process.exit(failures.length ? 1 : 0);
