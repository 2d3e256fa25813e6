// POST /session/refresh: exchanges the HttpOnly refresh cookie for a new access token (and a new
// refresh cookie: the token is single-use). No cookie: 401 NO_SESSION. A refused token clears it.
import type { NextRequest } from "next/server";
import {
  accessOnly,
  clearRefreshCookie,
  crossSiteRefusal,
  errorJson,
  isTokens,
  json,
  passError,
  REFRESH_COOKIE,
  refreshAtGateway,
  refreshCookie,
} from "@/lib/session-server";

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest): Promise<Response> {
  const refused = crossSiteRefusal(req);
  if (refused) return refused;
  const token = req.cookies.get(REFRESH_COOKIE)?.value;
  // Not signed in is an answer, not an error (a 4xx would be logged in the browser's console on
  // every visit to the sign-in page): 204, no token.
  if (!token) return json(204, undefined);
  const up = await refreshAtGateway(req, token);
  if (up instanceof Response) return up;
  if (up.res.status === 401 || up.res.status === 422) {
    // Expired, ended, or already used: this cookie will never work again.
    return passError(up, new Headers({ "Set-Cookie": clearRefreshCookie(req) }));
  }
  if (!up.res.ok) return passError(up); // 429, 5xx: keep the cookie and try again later
  if (!isTokens(up.body)) return errorJson(502, "The server gave an unusable answer.", "BAD_GATEWAY");
  return json(200, accessOnly(up.body), { "Set-Cookie": refreshCookie(req, up.body.refresh_token, up.body.refresh_expires_in) });
}
