/**
 * Typed attributes: `typedAttribute`, `TypedAttribute`, `TypedAttributeProvider`.
 *
 * A stream (or listener) describes itself through *typed attributes*: marker objects such as
 * `FileStreamAttribute.path`, looked up with `stream.extra(FileStreamAttribute.path)`. Wrappers
 * pass their wrapped stream's attributes through, so the socket under a TLS stream under a
 * buffered stream can still be asked for its remote address. The marker carries the value's
 * type, so the lookup is typed without a cast.
 *
 * @module
 */
import { TypedAttributeLookupError } from "../core/errors.js";

declare const valueType: unique symbol;

/**
 * A marker for one typed attribute; make it with {@link typedAttribute}. Compared by identity:
 * two markers with the same name are different attributes.
 *
 * @example
 * ```ts
 * import { TypedAttribute, typedAttribute } from "anyio-ts";
 * const remotePort: TypedAttribute<number> = typedAttribute<number>("remotePort");
 * console.assert(remotePort instanceof TypedAttribute && String(remotePort) === "TypedAttribute(remotePort)");
 * ```
 */
export class TypedAttribute<T> {
  /** @internal Carries `T` for the type checker; never set. */
  declare readonly [valueType]: T;
  /** The name given at creation, used in error messages. */
  readonly name: string;

  /** @internal Use {@link typedAttribute}. */
  constructor(name: string) {
    this.name = name;
  }

  /** `TypedAttribute(path)` */
  toString(): string {
    return `TypedAttribute(${this.name})`;
  }
}

/**
 * Makes a new typed attribute marker whose values have type `T`.
 *
 * @param name A name for messages, such as `"remoteAddress"`.
 * @throws {TypeError} If `name` is not a string.
 * @example
 * ```ts
 * import { typedAttribute } from "anyio-ts";
 * const userName = typedAttribute<string>("userName");
 * console.assert(userName.name === "userName");
 * ```
 */
export function typedAttribute<T>(name: string): TypedAttribute<T> {
  if (typeof name !== "string") {
    throw new TypeError(`typedAttribute() needs a name string, got ${String(name)}`);
  }
  return new TypedAttribute<T>(name);
}

/**
 * What a provider offers: for each attribute, a function that reads its current value. Give the
 * map's types when the attributes' value types differ.
 *
 * @example
 * ```ts
 * import { type ExtraAttributes, type TypedAttribute, typedAttribute } from "anyio-ts";
 * const host = typedAttribute<string>("host");
 * const port = typedAttribute<number>("port");
 * const attributes: ExtraAttributes = new Map<TypedAttribute<unknown>, () => unknown>([
 *   [host, () => "localhost"],
 *   [port, () => 8080],
 * ]);
 * console.assert(attributes.get(port)?.() === 8080);
 * ```
 */
export type ExtraAttributes = ReadonlyMap<TypedAttribute<unknown>, () => unknown>;

/** @internal The attributes of something that has none. */
export const NO_ATTRIBUTES: ExtraAttributes = new Map();

/**
 * Looks `attribute` up in `attributes`: the getter's value, else the default if one was given
 * (`rest` holds it), else `TypedAttributeLookupError`. A getter that throws propagates as is.
 * @internal
 */
export function lookupAttribute(
  attributes: ExtraAttributes,
  attribute: TypedAttribute<unknown>,
  rest: readonly unknown[],
): unknown {
  const getter = attributes.get(attribute);
  if (getter !== undefined) return getter();
  if (rest.length > 0) return rest[0];
  throw new TypedAttributeLookupError(
    attribute instanceof TypedAttribute ? attribute.name : String(attribute),
  );
}

/**
 * Something that offers typed attributes: subclasses override `extraAttributes`; callers use
 * `extra()`. Every stream and listener of the library is one.
 *
 * @example
 * ```ts
 * import { type ExtraAttributes, TypedAttributeProvider, typedAttribute } from "anyio-ts";
 * const colour = typedAttribute<string>("colour");
 * class Paint extends TypedAttributeProvider {
 *   override get extraAttributes(): ExtraAttributes {
 *     return new Map([[colour, () => "blue"]]);
 *   }
 * }
 * console.assert(new Paint().extra(colour) === "blue");
 * ```
 */
export abstract class TypedAttributeProvider {
  /**
   * The attributes offered, each mapped to a function that reads its value. Empty unless
   * overridden; a wrapper returns its wrapped resource's map, merged with its own.
   */
  get extraAttributes(): ExtraAttributes {
    return NO_ATTRIBUTES;
  }

  /**
   * The value of `attribute`, or `defaultValue` if it is not offered.
   *
   * @throws {TypedAttributeLookupError} If the attribute is not offered and no default is
   *   given (an explicit `undefined` default counts as given).
   * @throws Whatever the attribute's getter throws.
   */
  extra<A>(attribute: TypedAttribute<A>): A;
  extra<A, D>(attribute: TypedAttribute<A>, defaultValue: D): A | D;
  extra(attribute: TypedAttribute<unknown>, ...defaultValue: unknown[]): unknown {
    return lookupAttribute(this.extraAttributes, attribute, defaultValue);
  }
}
