/**
 * The smallest Worker, for the workerd harness's own test (workerd-harness.test.ts): answers every request with
 * what it saw — the path, the method, its text bindings — and whether Node's globals are there (they are not,
 * without nodejs_compat). `/proxy` fetches `env.TARGET` instead and answers with its status and body (the outbound
 * network option).
 */
interface Env {
  readonly [name: string]: unknown;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/proxy') {
      try {
        const response = await fetch(String(env.TARGET));
        return Response.json({ status: response.status, body: await response.text() });
      } catch (err) {
        return Response.json({ error: String(err) });
      }
    }
    return Response.json({
      method: request.method,
      path: url.pathname,
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')),
      process: typeof (globalThis as { process?: unknown }).process,
      buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
    });
  },
};
