/**
 * `{{name}}` and `{{env.NAME}}` substitution. A template is parsed once, at validation, so an
 * unknown variable or a malformed reference is reported before any request is sent. Values are
 * inserted as they are (no encoding); in `json` bodies substitution happens inside string values
 * only, so a value can never change the JSON structure.
 */

/** A reference in a template. */
export type TemplateRef = { readonly kind: 'var'; readonly name: string } | { readonly kind: 'env'; readonly name: string };
export type TemplatePart = string | TemplateRef;

const REFERENCE = /\{\{([^{}]*)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for a variable name usable in `{{name}}` and as a capture target. */
export function isVariableName(name: string): boolean {
  return NAME.test(name);
}

/** Splits a template into text and references. @throws Error for a malformed `{{...}}`. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const inner = (match[1] ?? '').trim();
    let ref: TemplateRef;
    if (inner.startsWith('env.') && NAME.test(inner.slice(4))) ref = { kind: 'env', name: inner.slice(4) };
    else if (NAME.test(inner)) ref = { kind: 'var', name: inner };
    else throw new Error(`expected {{name}} or {{env.NAME}} (letters, digits, _), found ${JSON.stringify(match[0].slice(0, 60))}`);
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(ref);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** The references of a parsed template. */
export function templateRefs(parts: readonly TemplatePart[]): TemplateRef[] {
  return parts.filter((part): part is TemplateRef => typeof part !== 'string');
}

/** Renders a parsed template; `lookup` returns the value of a reference or throws. */
export function renderTemplate(parts: readonly TemplatePart[], lookup: (ref: TemplateRef) => string): string {
  return parts.map((part) => (typeof part === 'string' ? part : lookup(part))).join('');
}

/** How a reference is written, for messages. */
export function refText(ref: TemplateRef): string {
  return ref.kind === 'env' ? `{{env.${ref.name}}}` : `{{${ref.name}}}`;
}
