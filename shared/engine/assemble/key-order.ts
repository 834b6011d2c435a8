/**
 * The key order of a JSON value, apart from its canonical bytes: what the saved assembly memo keeps
 * so a pack parsed back from its canonical bytes (keys sorted) is the object a full assembly built,
 * key order included (render.ts writes the data block with JSON.stringify, so order is bytes).
 *
 * A pack is mostly objects whose keys are already sorted (every entry of its 10,000-entry lists): the
 * order of those is what parsing the canonical bytes gives, and they are recorded as nothing (`0`).
 * Only objects in another order are recorded, with the order of their keys. So the order of a pack
 * is a few hundred bytes, where a second copy of the pack as built (what the memo saved before) is as
 * large as the pack.
 *
 * Pure (no Node APIs).
 */

/**
 * `0`: the value reads back in this order from canonical JSON (a primitive, or keys sorted all the way
 * down). An object in another order: its keys in order, with the order of each value. An array with
 * an element not `0`: the order of each element.
 */
export type KeyOrder = 0 | { readonly keys: readonly string[]; readonly values: readonly KeyOrder[] } | { readonly items: readonly KeyOrder[] };

/** Keys JSON.parse and the engine order numerically first, whatever order they were written in. */
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** The key order of `value`, a JSON value (what `canonicalJson` accepts). */
export function keyOrderOf(value: unknown): KeyOrder {
  if (typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) {
    let items: KeyOrder[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const order = keyOrderOf(value[i]);
      if (order !== 0 && items === undefined) items = new Array<KeyOrder>(i).fill(0);
      items?.push(order);
    }
    return items === undefined ? 0 : { items };
  }
  const record = value as Record<string, unknown>;
  // for-in, not Object.keys: a sorted entry (most of a pack) allocates nothing. Same order for a
  // plain object (own keys, index-like ones first); canonicalJson refuses anything else.
  let previous: string | undefined;
  let sorted = true;
  let values: KeyOrder[] | undefined;
  let count = 0;
  for (const key in record) {
    if (sorted && (indexLike(key) || (previous !== undefined && !(previous < key)))) sorted = false;
    previous = key;
    const order = keyOrderOf(record[key]);
    if (order !== 0 && values === undefined) values = new Array<KeyOrder>(count).fill(0);
    values?.push(order);
    count += 1;
  }
  if (sorted && values === undefined) return 0;
  return { keys: Object.keys(record), values: values ?? new Array<KeyOrder>(count).fill(0) };
}

/** An index-like key is always recorded: the order the engine gives it is not the sorted one. */
function indexLike(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && INDEX_LIKE.test(key);
}

/**
 * `value` (parsed from canonical JSON) with the key order `order` recorded: new objects where the
 * order differs, the parsed ones where it does not. Throws when the two do not fit each other (a key
 * or an item the order does not have): the caller treats that as a damaged memo.
 */
export function withKeyOrder(value: unknown, order: KeyOrder): unknown {
  if (order === 0) return value;
  if ('items' in order) {
    if (!Array.isArray(value) || value.length !== order.items.length) throw new Error('key order: array length differs');
    return value.map((item, i) => withKeyOrder(item, order.items[i] as KeyOrder));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('key order: object expected');
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length !== order.keys.length) throw new Error('key order: keys differ');
  const out: Record<string, unknown> = {};
  order.keys.forEach((key, i) => {
    if (!Object.hasOwn(record, key)) throw new Error('key order: keys differ');
    // defineProperty: a "__proto__" key stays a key, as JSON.parse made it.
    Object.defineProperty(out, key, { value: withKeyOrder(record[key], order.values[i] as KeyOrder), enumerable: true, writable: true, configurable: true });
  });
  return out;
}

/** True when `raw` (parsed from a memo file) has the shape of a KeyOrder. */
export function isKeyOrder(raw: unknown): raw is KeyOrder {
  if (raw === 0) return true;
  if (typeof raw !== 'object' || raw === null) return false;
  const o = raw as Record<string, unknown>;
  if (Array.isArray(o.items)) return Object.keys(o).length === 1 && o.items.every(isKeyOrder);
  return (
    Object.keys(o).length === 2 &&
    Array.isArray(o.keys) &&
    Array.isArray(o.values) &&
    o.keys.length === o.values.length &&
    o.keys.every((k) => typeof k === 'string') &&
    new Set(o.keys).size === o.keys.length &&
    o.values.every(isKeyOrder)
  );
}
