// Validates an OpenAPI document with a real validator: node validate.mjs FILE
import { Validator } from '@seriousme/openapi-schema-validator';
import { readFileSync } from 'node:fs';

const validator = new Validator();
const result = await validator.validate(JSON.parse(readFileSync(process.argv[2], 'utf8')));
console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
process.exit(result.valid ? 0 : 1);
