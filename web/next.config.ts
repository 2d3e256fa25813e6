import type { NextConfig } from "next";

// The browser only ever calls same-origin `/api/...`; Next proxies it to the gateway.
// NOTE: Next resolves rewrites at BUILD time (they are written to the routes
// manifest), so GATEWAY_URL must be set for `next build`; `next start` reuses it.
const gatewayUrl = (process.env.GATEWAY_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  // `next start` by default; the container image (Dockerfile) sets NEXT_OUTPUT=standalone.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  reactStrictMode: true,
  poweredByHeader: false,
  // Reached directly on :3000 (make run, or a deployment without nginx), pages still cannot be
  // framed or sniffed and send no full referrer. The pages' Content-Security-Policy (with a
  // nonce per request) is set by proxy.ts; nginx passes it through and sets the other areas'.
  async headers() {
    return [
      {
        source: "/((?!api/).*)",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
      {
        // The session handlers answer JSON only: nothing in them may be rendered or framed.
        source: "/session/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
  async rewrites() {
    return [
      { source: "/api/:path*", destination: `${gatewayUrl}/api/:path*` },
      // Browsers ask for /favicon.ico whatever the page declares; its 404 was a console error.
      { source: "/favicon.ico", destination: "/icon.svg" },
    ];
  },
};

export default nextConfig;
