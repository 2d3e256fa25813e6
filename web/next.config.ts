import type { NextConfig } from "next";

// The browser only ever calls same-origin `/api/...`; Next proxies it to the gateway.
// Rewrites are resolved when the server starts, so GATEWAY_URL can be set for
// `next build` and/or `next start` (see README).
const gatewayUrl = (process.env.GATEWAY_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  async rewrites() {
    return [{ source: "/api/:path*", destination: `${gatewayUrl}/api/:path*` }];
  },
};

export default nextConfig;
