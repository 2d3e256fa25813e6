// POST /session/logout-all (Authorization: Bearer, optional): ends every session of the
// account, this one included, and clears the cookie.
import type { NextRequest } from "next/server";
import { end } from "@/lib/session-server";

export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return end(req, "/api/auth/logout-all");
}
