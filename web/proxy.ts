// Next 16's proxy (the renamed middleware): a Content-Security-Policy with a fresh nonce for
// every page, set by the app itself so it holds when the app is reached without nginx. Next
// reads the nonce from the request's CSP header and puts it on its own <script> tags; with
// 'strict-dynamic' the scripts they load are trusted too, and no inline script without the
// nonce runs ('unsafe-inline' is not allowed for scripts). Pages are therefore rendered per
// request (app/layout.tsx awaits connection()).
import { NextResponse, type NextRequest } from "next/server";

export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV !== "production"): string {
  return [
    "default-src 'self'",
    // 'unsafe-eval' only for `next dev` (React's dev tooling); never in a production build.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React sets style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function proxy(request: NextRequest) {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API (proxied to the gateway), the session handlers (JSON),
      // static files or images, and not prefetches (they reuse the page's policy).
      source: "/((?!api/|session/|_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
