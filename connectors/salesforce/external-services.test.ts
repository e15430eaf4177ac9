/**
 * The Flow "Send SMS" document: valid OpenAPI 3.0 (against the OpenAPI Initiative's 3.0 schema, fixtures/
 * openapi-3.0.schema.json, from OAI/OpenAPI-Specification _archive_/schemas/v3.0/schema.yaml as JSON), within what
 * Salesforce External Services documents it supports, and describing a body the hub's send endpoint accepts.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SmsItemSchema } from '../../src/sending/requests.ts';
import { externalServicesDocument } from './external-services.ts';

const document = externalServicesDocument('https://hub.example.com/');

function openApi30Validator() {
  const schema = JSON.parse(readFileSync(new URL('./fixtures/openapi-3.0.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  // A draft-04 schema: Ajv 8 reads it once its `id` is `$id`, the draft-04 meta-schema reference is dropped and the
  // boolean exclusiveMinimum of draft 04 (with minimum) is written as draft 06's number.
  const { id, $schema: _draft, ...rest } = schema;
  const modern = JSON.parse(JSON.stringify(rest), (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || (value as { exclusiveMinimum?: unknown }).exclusiveMinimum !== true) return value;
    const { minimum, exclusiveMinimum: _flag, ...others } = value as Record<string, unknown>;
    return { ...others, exclusiveMinimum: minimum };
  }) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile({ $id: id as string, ...modern });
}

/** Every value of a JSON document with its path. */
function* walk(value: unknown, path: string[] = []): Generator<[string[], unknown]> {
  yield [path, value];
  if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) yield* walk(child, [...path, key]);
}

describe('External Services document (Flow "Send SMS")', () => {
  it('is valid OpenAPI 3.0, and the validator refuses a broken document', () => {
    const validate = openApi30Validator();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    const { info: _info, ...withoutInfo } = document;
    expect(validate(withoutInfo)).toBe(false);
    expect(validate({ ...document, paths: { '/v1/messages/sms': { post: { responses: 'none' } } } })).toBe(false);
  });

  it('stays within what External Services supports', () => {
    const operations = Object.values(document.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap((item) => Object.entries(item));
    expect(operations.map(([method, operation]) => [method, operation.operationId])).toEqual([['post', 'sendSms']]);
    for (const [path, value] of walk(document)) {
      const key = path.at(-1);
      // No composition keywords, discriminators, response headers or security objects.
      expect(['oneOf', 'anyOf', 'not', 'allOf', 'discriminator', 'security', 'securitySchemes'], path.join('.')).not.toContain(key);
      if (path.at(-2) === 'responses') expect(Object.keys(value as object), path.join('.')).not.toContain('headers');
      if (key === 'content') for (const media of Object.keys(value as object)) expect(['application/json', 'application/x-www-form-urlencoded', 'text/plain']).toContain(media);
      if (key === 'parameters') for (const parameter of value as { name?: string; in: string }[]) expect(parameter.name && ['header', 'query', 'path'].includes(parameter.in)).toBeTruthy();
      // "A property must include a value": every property has a type among the supported ones.
      if (key === 'properties') for (const property of Object.values(value as Record<string, { type?: string }>)) expect(['string', 'boolean', 'integer', 'number', 'object', 'array']).toContain(property.type);
    }
    expect(Buffer.byteLength(JSON.stringify(document))).toBeLessThan(10 * 1024 * 1024);
    expect(document.servers).toEqual([{ url: 'https://hub.example.com' }]);
  });

  it('describes a body the hub\'s send endpoint accepts', () => {
    const body = { to: '+33612345678', text: 'Votre devis est prêt.', category: 'transactional', sendAt: '2026-12-07T09:00:00.000Z' };
    const described = (document.paths as any)['/v1/messages/sms'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body).every((field) => field in described.properties)).toBe(true);
    expect(described.required.every((field: string) => field in body)).toBe(true);
    expect(SmsItemSchema.safeParse(body).success).toBe(true);
  });
});
