import { describe, expect, it } from "vitest";
import { renderTemplate, resolveTemplates, type TemplateScope } from "./template.js";

const scope: TemplateScope = {
  input: { a: { b: 2 }, list: [10, 20], name: "Ada" },
  runInput: { z: "run" },
  nodes: { fetchUser: { status: "success", output: { body: { id: 7 } } } },
};

describe("templates", () => {
  it("keeps the type of a whole-string expression", () => {
    expect(renderTemplate("{{ $input.a.b }}", scope)).toBe(2);
    expect(renderTemplate("{{ $node.fetchUser.output.body.id }}", scope)).toBe(7);
    expect(renderTemplate("{{ $node.fetchUser.status }}", scope)).toBe("success");
    expect(renderTemplate("{{ $run.input.z }}", scope)).toBe("run");
    expect(renderTemplate("{{ $input.list[1] }}", scope)).toBe(20);
  });

  it("interpolates mixed strings; missing values become empty", () => {
    expect(renderTemplate("Hi {{ $input.name }} #{{ $input.a }} {{ $input.nope.deeper }}!", scope)).toBe('Hi Ada #{"b":2} !');
  });

  it("resolves nested objects and arrays without touching non-strings", () => {
    expect(resolveTemplates({ x: ["{{ $input.a.b }}", 1, null], y: { z: "{{ $run.input.z }}" } }, scope)).toEqual({
      x: [2, 1, null],
      y: { z: "run" },
    });
  });

  it.each([
    ["$input.__proto__", 'segment "__proto__" is forbidden'],
    ["$input.constructor.name", 'segment "constructor" is forbidden'],
    ["$input.a.prototype", 'segment "prototype" is forbidden'],
    ["process.exit()", "bad segment \"exit()\""],
    ["$input.a; globalThis", 'bad segment "a; globalThis"'],
    ["this.x", "must start with $input, $run.input, $node.<id> or $item"],
    ["$run.env", "$run only exposes input"],
    ["$node.x.secret", "use $node.<id>.output or $node.<id>.status"],
  ])("rejects %s", (expression, reason) => {
    expect(() => renderTemplate(`{{ ${expression} }}`, scope)).toThrowError(
      expect.objectContaining({ code: "TEMPLATE_INVALID", message: `[@atom/workflow-engine] template "{{ ${expression} }}" is invalid: ${reason}` }),
    );
  });

  it("reads own properties only", () => {
    expect(renderTemplate("{{ $input.toString }}", scope)).toBeUndefined();
    expect(renderTemplate("{{ $input.a.hasOwnProperty }}", scope)).toBeUndefined();
    expect(renderTemplate("{{ $node.toString.output }}", scope)).toBeUndefined();
  });

  it("keeps a JSON __proto__ key as data instead of swapping the prototype", () => {
    const value = resolveTemplates(JSON.parse('{"__proto__": {"polluted": true}}') as object, scope);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(["__proto__"]);
  });
});
