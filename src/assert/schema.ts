// expect.schema: JSON Schema (draft 2020-12, with ajv-formats) for a whole JSON body. ajv is loaded
// synchronously on first use through require (it is CommonJS), so specs without a schema never pay for it.
import { createRequire } from "node:module";
import type { Ajv2020 as Ajv2020Type } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

const require = createRequire(import.meta.url);
let ajv: Ajv2020Type | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function instance(): Ajv2020Type {
  if (!ajv) {
    const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const addFormats = (require("ajv-formats") as { default: (a: Ajv2020Type) => void }).default;
    ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: false });
    addFormats(ajv);
  }
  return ajv;
}

function compile(schema: object | boolean): ValidateFunction {
  if (typeof schema === "boolean") return instance().compile(schema);
  let v = compiled.get(schema);
  if (!v) {
    v = instance().compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** undefined when the schema compiles; otherwise the first line of ajv's reason. */
export function userSchemaProblem(schema: object): string | undefined {
  try {
    compile(schema);
    return undefined;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

/** Validate a body; returns one message per violation, such as "/user/name must be string". */
export function checkSchema(schema: object | boolean, body: unknown): string[] {
  const v = compile(schema);
  if (v(body)) return [];
  return (v.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`);
}
