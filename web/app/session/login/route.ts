// POST /session/login {email, password}: signs in at the gateway, keeps the refresh token in
// the HttpOnly cookie and answers the access token only (lib/session-server.ts).
import type { NextRequest } from "next/server";
import { accessOnly, crossSiteRefusal, deviceCookie, deviceCookies, errorJson, gateway, isTokens, json, passError, refreshCookie } from "@/lib/session-server";

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest): Promise<Response> {
  const refused = crossSiteRefusal(req);
  if (refused) return refused;
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return errorJson(422, "The request body is not valid JSON.", "VALIDATION_ERROR");
  }
  const up = await gateway(req, "/api/auth/login", { body, cookie: deviceCookies(req) });
  if (up instanceof Response) return up;
  const headers = new Headers();
  for (const c of up.res.headers.getSetCookie()) {
    const moved = deviceCookie(req, c);
    if (moved) headers.append("Set-Cookie", moved);
  }
  if (!up.res.ok) return passError(up, headers);
  if (!isTokens(up.body)) return errorJson(502, "The server gave an unusable answer.", "BAD_GATEWAY");
  headers.append("Set-Cookie", refreshCookie(req, up.body.refresh_token, up.body.refresh_expires_in));
  return json(200, accessOnly(up.body), headers);
}
