import { hostname } from "node:os";

/**
 * Where this process submits jobs from (`JobRow.origin`): the notebook's path when Jupyter
 * started this process as a notebook's kernel (it sets `JPY_SESSION_NAME`), else `host:pid`, which
 * no other process shares.
 */
export function submissionOrigin(env: NodeJS.ProcessEnv = process.env): string {
  const session = env.JPY_SESSION_NAME;
  return session !== undefined && session !== "" ? session : `${hostname()}:${process.pid}`;
}
