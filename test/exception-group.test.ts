import assert from "node:assert/strict";
import { catchGroup, ExceptionGroup } from "../src/index.js";
import { describe, it } from "./harness.js";

describe("ExceptionGroup", () => {
  const a = new RangeError("a");
  const b = new TypeError("b");
  const c = new RangeError("c");
  const group = new ExceptionGroup("top", [a, new ExceptionGroup("nested", [b, c])], {
    cause: "root cause",
  });

  it("is an AggregateError whose errors are its exceptions", () => {
    assert.ok(group instanceof AggregateError);
    assert.deepEqual(group.errors, group.exceptions);
    assert.equal(group.name, "ExceptionGroup");
  });

  it("splits by class keeping the nesting, messages and cause", () => {
    const [match, rest] = group.split(RangeError);
    assert.ok(match && rest);
    assert.equal(match.exceptions[0], a);
    const nested = match.exceptions[1] as ExceptionGroup;
    assert.deepEqual(nested.exceptions, [c]);
    assert.equal(nested.message, "nested");
    assert.equal(match.cause, "root cause");
    assert.deepEqual(rest.leaves(), [b]);
  });

  it("splits by predicate, and gives undefined for an empty side", () => {
    const [all, none] = group.split(() => true);
    assert.equal(all, group);
    assert.equal(none, undefined);
    assert.equal(group.subgroup(SyntaxError), undefined);
    assert.deepEqual(group.subgroup((e) => e === b)?.leaves(), [b]);
  });

  it("refuses an empty or missing list", () => {
    assert.throws(() => new ExceptionGroup("x", []), TypeError);
    assert.throws(() => new ExceptionGroup("x", undefined as never), TypeError);
  });
});

describe("catchGroup", () => {
  it("gives the handler the matching leaves and rethrows the rest", () => {
    const seen: unknown[] = [];
    assert.throws(
      () =>
        catchGroup(
          new ExceptionGroup("g", [new RangeError("r"), new TypeError("t")]),
          RangeError,
          (m) => seen.push(...m.leaves()),
        ),
      (e: unknown) => e instanceof ExceptionGroup && e.leaves()[0] instanceof TypeError,
    );
    assert.equal(seen.length, 1);
  });

  it("handles a bare matching error as a group of one, and rethrows a bare other", () => {
    let count = 0;
    catchGroup(new RangeError("r"), RangeError, (m) => {
      count = m.exceptions.length;
    });
    assert.equal(count, 1);
    const other = new TypeError("t");
    assert.throws(
      () => catchGroup(other, RangeError, () => {}),
      (e) => e === other,
    );
  });

  it("rejects a matcher that is neither a class nor a function", () => {
    assert.throws(() => catchGroup(new Error("x"), 5 as never, () => {}), TypeError);
  });
});
