import { z } from "zod";

/**
 * Free-text fields that end up in Kubernetes objects, checked the way the API server checks them, so a
 * stack that renders is a stack the cluster accepts. The rules are apimachinery's (facts only):
 * - pkg/util/validation/validation.go: IsDNS1123Label (63), IsDNS1123Subdomain (253), IsQualifiedName
 *   (optional DNS-subdomain prefix, "/", a name of at most 63 alphanumerics, '-', '_', '.'), and
 *   IsValidLabelValue (at most 63, empty allowed);
 * - pkg/api/validation/objectmeta.go: annotation keys are qualified names, and all annotations of an
 *   object together at most TotalAnnotationSizeLimitB = 256 KiB;
 * - pkg/api/resource/quantity.go: a quantity is a decimal number with a binary (Ki..Ei), decimal
 *   (n, u, m, k, M..E) or exponent (e3) suffix.
 * Each check offers the nearest valid value as its fix.
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUANTITY = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

export const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;

export const isDnsLabel = (s: string) => s.length <= 63 && LABEL.test(s);
export const isDnsSubdomain = (s: string) => s.length <= 253 && SUBDOMAIN.test(s);
export const isLabelValue = (s: string) => s === "" || (s.length <= 63 && NAME_PART.test(s));
export function isQualifiedName(s: string): boolean {
  const parts = s.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  return name.length <= 63 && NAME_PART.test(name) && (prefix === undefined || isDnsSubdomain(prefix));
}
export const isQuantity = (s: string) => QUANTITY.test(s);

const trimTo = (s: string, max: number, ends: RegExp) => s.slice(0, max).replace(ends, "");

/** The nearest DNS-1123 subdomain: lowercase, other characters as '-', alphanumeric at both ends. */
export function toDnsSubdomain(value: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .split(".")
    .map((p) => p.replace(/^-+|-+$/g, ""))
    .filter((p) => p !== "")
    .join(".");
  return trimTo(s, 253, /[-.]+$/) || "glm";
}

function toNamePart(value: string, fallback: string): string {
  const s = value.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return trimTo(s, 63, /[^A-Za-z0-9]+$/) || fallback;
}

export function toQualifiedName(value: string): string {
  const i = value.lastIndexOf("/");
  const name = toNamePart(i < 0 ? value : value.slice(i + 1), "key");
  return i < 0 ? name : `${toDnsSubdomain(value.slice(0, i))}/${name}`;
}

export const toLabelValue = (value: string) => (value === "" ? "" : toNamePart(value, ""));

/** "16 GiB" -> "16Gi", "512MB" -> "512M", "2t" -> "2T": the quantity the user most likely meant. */
export function toQuantity(value: string): string {
  const m = /^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return "16Gi";
  const unit = m[2]!;
  const binary = /^([kKmMgGtTpPeE])i[bB]?$/.exec(unit);
  if (binary) return `${m[1]}${binary[1]!.toUpperCase()}i`;
  const decimal = /^([kKMgGtTpPeE])[bB]?$/.exec(unit);
  if (decimal) return `${m[1]}${decimal[1] === "k" || decimal[1] === "K" ? "k" : decimal[1]!.toUpperCase()}`;
  return m[1]!;
}

function checked(test: (s: string) => boolean, allowed: string, fixed: (s: string) => string) {
  return z.string().superRefine((value, ctx) => {
    if (!test(value))
      ctx.addIssue({
        code: "custom",
        message: allowed,
        params: { fix: `set {path} to ${JSON.stringify(fixed(value))}` },
      });
  });
}

export const dnsSubdomain = checked(
  isDnsSubdomain,
  "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters",
  toDnsSubdomain,
);

export const quantity = checked(isQuantity, 'a Kubernetes quantity such as "32", "500m", "16Gi" or "2Ti"', toQuantity);

const LABEL_KEY_ALLOWED =
  "a qualified name: an optional DNS-subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric";

/** Label maps: qualified-name keys and label values, each fix naming the nearest valid text. */
export const labelMap = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `keys that are ${LABEL_KEY_ALLOWED}`,
        params: { fix: `rename the key ${JSON.stringify(key)} to ${JSON.stringify(toQualifiedName(key))}` },
      });
    if (!isLabelValue(value))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          "a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
        params: { fix: `set {path} to ${JSON.stringify(toLabelValue(value))}` },
      });
  }
});

/** Annotation maps: qualified-name keys, and all of them together under the API server's 256 KiB. */
export const annotationMap = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
    if (!isQualifiedName(key))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `keys that are ${LABEL_KEY_ALLOWED}`,
        params: { fix: `rename the key ${JSON.stringify(key)} to ${JSON.stringify(toQualifiedName(key))}` },
      });
  }
  if (total > ANNOTATIONS_LIMIT_BYTES)
    ctx.addIssue({
      code: "custom",
      message: `annotations of at most ${ANNOTATIONS_LIMIT_BYTES} bytes together (the API server's limit); these have ${total}`,
      params: { fix: "shorten or remove annotations of {path}" },
    });
});
