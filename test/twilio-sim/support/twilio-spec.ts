import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Twilio's official OpenAPI description, kept beside the repository (never copied into it). */
export const SPEC_PATH = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'twilio-oai', 'twilio_conversations_v1.json');

type Json = Record<string, unknown>;
const SPEC_ID = 'twilio_conversations_v1';

/** Twilio documents no error schema; this is the shape every Twilio error body has. */
const ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message', 'more_info', 'status'],
  properties: {
    code: { type: 'integer' },
    message: { type: 'string', minLength: 1 },
    more_info: { type: 'string', format: 'uri' },
    status: { type: 'integer' },
  },
};

/** Validators built from the spec's own schemas (OpenAPI 3.0 `nullable`, `$ref`s into components). */
export class TwilioSpec {
  readonly document: Json;
  private readonly ajv: Ajv;

  constructor() {
    this.document = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.ajv.addFormat('int64', true);
    // Links are objects; the spec calls them a "uri-map": every value an absolute URI.
    this.ajv.addFormat('uri-map', true);
    const components = this.document.components as Json;
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas: components.schemas } });
  }

  /** The 200 JSON schema of an operation, e.g. response('/v1/Services/{ChatServiceSid}/Users'). */
  response(pathKey: string, method: 'get' | 'post' = 'get'): ValidateFunction {
    const operation = ((this.document.paths as Json)[pathKey] as Json)[method] as Json;
    const ok = (operation.responses as Json)['200'] as Json;
    const schema = (((ok.content as Json)['application/json'] as Json).schema as Json);
    return this.ajv.compile(rebase(schema));
  }

  /** A component schema, optionally made exact: every property required and no others allowed. */
  component(name: string, exact = false): ValidateFunction {
    const schema = structuredClone(((this.document.components as Json).schemas as Json)[name]) as Json;
    if (exact) {
      schema.additionalProperties = false;
      schema.required = Object.keys(schema.properties as Json);
    }
    return this.ajv.compile(rebase(schema));
  }

  error(): ValidateFunction {
    return this.ajv.compile(ERROR_SCHEMA);
  }

  /** Names of the form parameters an operation's request body takes. */
  formParameters(pathKey: string, method: 'post'): string[] {
    const operation = ((this.document.paths as Json)[pathKey] as Json)[method] as Json;
    const form = ((operation.requestBody as Json).content as Json)['application/x-www-form-urlencoded'] as Json;
    return Object.keys((form.schema as Json).properties as Json);
  }

  /** Property names of a component schema, in the spec's order. */
  properties(name: string): string[] {
    return Object.keys((((this.document.components as Json).schemas as Json)[name] as Json).properties as Json);
  }
}

/** Local `#/components/...` refs point into the registered components document. */
function rebase(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, `"$ref":"${SPEC_ID}#/components/`)) as Json;
}

export function explain(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors?.slice(0, 5) ?? []);
}
