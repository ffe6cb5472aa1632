// The generated-client scenario in TypeScript: log in, read a roster, propose a substitution,
// written only against the types openapi-typescript generates from openapi/openapi.json.
// scripts/clients.sh type-checks it with `tsc --noEmit --strict` (it is not run: the Python
// client drives the same scenario against the service in tests/api/generated_client.rs).
// A field renamed or retyped in the spec breaks this file's type check.
import type { components, operations, paths } from "./dutydesk.js";

type Schemas = components["schemas"];
type Json<Op extends keyof operations, Status extends number> =
  operations[Op]["responses"] extends Record<Status, { content: { "application/json": infer B } }> ? B : never;

async function call<T>(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as T };
}

export async function scenario(base: string, center: string, employeeNo: string, password: string, rosterId: string, substituteId: string): Promise<Schemas["SubstitutionView"]> {
  const login: paths["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"] = {
    center_code: center,
    employee_no: employeeNo,
    password,
  };
  const tokens = await call<Json<"login", 200>>(base, "POST", "/api/v1/auth/login", null, login);
  if (tokens.status !== 200) throw new Error(`login: ${tokens.status}`);
  const token: string = tokens.body.access_token;
  const me: Schemas["Staff"] = tokens.body.user;

  const roster = await call<Json<"getRoster", 200>>(base, "GET", `/api/v1/rosters/${encodeURIComponent(rosterId)}`, token);
  if (roster.status !== 200) throw new Error(`roster: ${roster.status}`);
  const mine = roster.body.assignments.find((a: Schemas["AssignmentView"]) => a.staff_id === me.id);
  if (mine === undefined) throw new Error("no duty of mine in the roster");
  const day: string = mine.date;

  const proposal: Schemas["SubstitutionRequest"] = { assignment_id: mine.id, substitute_id: substituteId, reason: "家中有事" };
  const created = await call<Json<"proposeSubstitution", 201>>(base, "POST", "/api/v1/substitutions", token, proposal);
  if (created.status !== 201) throw new Error(`propose: ${created.status}`);
  const s = created.body;
  if (s.assignment_id !== mine.id || s.substitute_id !== substituteId) throw new Error(`unexpected substitution on ${day}`);
  return s;
}
