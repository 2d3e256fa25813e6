// A plain <a> on purpose: next/link here would add its runtime to every page's first-load JS.
export default function NotFound() {
  return (
    <main id="main" className="auth-page">
      <div className="card auth-card">
        <h1>Page not found</h1>
        <p>
          {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
          <a href="/">Go to your tasks</a>
        </p>
      </div>
    </main>
  );
}
