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
  // framed or sniffed and send no full referrer. nginx sets its own per-area policies in front.
  async headers() {
    return [
      {
        source: "/((?!api/).*)",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
    ];
  },
  async rewrites() {
    return [{ source: "/api/:path*", destination: `${gatewayUrl}/api/:path*` }];
  },
};

export default nextConfig;
