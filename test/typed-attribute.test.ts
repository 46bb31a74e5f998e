import assert from "node:assert/strict";
import {
  AsyncResource,
  ByteReceiveStream,
  EndOfStream,
  type ExtraAttributes,
  isAnyioError,
  ObjectReceiveStream,
  TypedAttribute,
  TypedAttributeLookupError,
  TypedAttributeProvider,
  typedAttribute,
} from "../src/index.js";
import { describe, it } from "./harness.js";

const colour = typedAttribute<string>("colour");
const size = typedAttribute<number>("size");
const missing = typedAttribute<boolean>("missing");

class Paint extends TypedAttributeProvider {
  override get extraAttributes(): ExtraAttributes {
    return new Map<TypedAttribute<unknown>, () => unknown>([
      [colour, () => "blue"],
      [
        size,
        () => {
          throw new RangeError("no size yet");
        },
      ],
    ]);
  }
}

describe("typedAttribute", () => {
  it("makes distinct markers even for the same name", () => {
    const a = typedAttribute<string>("x");
    const b = typedAttribute<string>("x");
    assert.notEqual(a, b);
    assert.ok(a instanceof TypedAttribute);
    assert.equal(a.name, "x");
    assert.equal(String(a), "TypedAttribute(x)");
  });

  it("rejects a name that is not a string", () => {
    assert.throws(() => typedAttribute(5 as unknown as string), TypeError);
  });
});

describe("TypedAttributeProvider", () => {
  it("returns the value of an offered attribute", () => {
    const colourOf: string = new Paint().extra(colour);
    assert.equal(colourOf, "blue");
  });

  it("raises TypedAttributeLookupError for a missing attribute without a default", () => {
    assert.throws(
      () => new Paint().extra(missing),
      (e: unknown) =>
        e instanceof TypedAttributeLookupError &&
        isAnyioError(e, "ANYIO_TYPED_ATTRIBUTE_LOOKUP") &&
        e.attribute === "missing" &&
        e.message === 'Attribute "missing" not found',
    );
  });

  it("returns the default for a missing attribute, even an explicit undefined", () => {
    assert.equal(new Paint().extra(missing, "fallback"), "fallback");
    assert.equal(new Paint().extra(missing, undefined), undefined);
  });

  it("lets an error thrown by a getter propagate as is", () => {
    assert.throws(() => new Paint().extra(size), RangeError);
    assert.throws(() => new Paint().extra(size, 0), RangeError);
  });

  it("offers nothing by default", () => {
    class Plain extends TypedAttributeProvider {}
    assert.equal(new Plain().extraAttributes.size, 0);
    assert.equal(new Plain().extra(colour, null), null);
  });
});

describe("AsyncResource", () => {
  it("closes at the end of an await using block", async () => {
    let closed = 0;
    class Resource extends AsyncResource {
      async close(): Promise<void> {
        closed++;
      }
    }
    {
      await using _ = new Resource();
    }
    assert.equal(closed, 1);
  });
});

describe("ObjectReceiveStream", () => {
  class Countdown extends ObjectReceiveStream<number> {
    constructor(public n: number) {
      super();
    }
    async receive(): Promise<number> {
      if (this.n === 0) throw new EndOfStream();
      return this.n--;
    }
    async close(): Promise<void> {}
  }

  it("iterates until EndOfStream", async () => {
    const got: number[] = [];
    for await (const n of new Countdown(3)) got.push(n);
    assert.deepEqual(got, [3, 2, 1]);
  });

  it("does not close the stream when the loop breaks, and can iterate again", async () => {
    const stream = new Countdown(3);
    for await (const n of stream) {
      assert.equal(n, 3);
      break;
    }
    const rest: number[] = [];
    for await (const n of stream) rest.push(n);
    assert.deepEqual(rest, [2, 1]);
  });

  it("lets other errors out of the loop", async () => {
    class Failing extends ObjectReceiveStream<number> {
      async receive(): Promise<number> {
        throw new RangeError("broken");
      }
      async close(): Promise<void> {}
    }
    await assert.rejects(async () => {
      for await (const _ of new Failing()) assert.fail("no items");
    }, RangeError);
  });

  it("offers no typed attributes unless told", () => {
    assert.equal(new Countdown(0).extra(colour, "none"), "none");
  });
});

describe("ByteReceiveStream", () => {
  it("iterates its chunks until EndOfStream", async () => {
    class Chunks extends ByteReceiveStream {
      constructor(readonly chunks: Uint8Array[]) {
        super();
      }
      async receive(): Promise<Uint8Array> {
        const chunk = this.chunks.shift();
        if (chunk === undefined) throw new EndOfStream();
        return chunk;
      }
      async close(): Promise<void> {}
    }
    let total = 0;
    for await (const chunk of new Chunks([new Uint8Array(2), new Uint8Array(3)]))
      total += chunk.length;
    assert.equal(total, 5);
  });
});

describe("typed attribute types", () => {
  it("type the value by the attribute, and the default into the result", () => {
    const paint = new Paint();
    const c: string = paint.extra(colour);
    const orNull: string | null = paint.extra(colour, null);
    // @ts-expect-error: a string attribute's value is not a number
    const wrong: number = paint.extra(colour);
    // @ts-expect-error: with a default, the result may be the default's type
    const notNull: string = paint.extra(colour, null);
    assert.deepEqual([c, orNull, wrong, notNull], ["blue", "blue", "blue", "blue"]);
  });
});
