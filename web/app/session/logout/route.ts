// POST /session/logout (Authorization: Bearer, optional): ends this session, clears the cookie.
import type { NextRequest } from "next/server";
import { end } from "@/lib/session-server";

export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return end(req, "/api/auth/logout");
}
