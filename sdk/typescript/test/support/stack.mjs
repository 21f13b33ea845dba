// Spawns tests/sdk/ts_stack.py (real gateway + real notify.slack worker + fake Slack on loopback) and reads its JSON.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

export async function startStack() {
  const python = process.env.WC_PYTHON ?? join(repo, ".venv", "bin", "python");
  const child = spawn(python, [join(repo, "tests", "sdk", "ts_stack.py")], {
    cwd: repo,
    env: { ...process.env, PYTHONPATH: repo },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise((resolveInfo, reject) => {
    const timer = setTimeout(() => reject(new Error("ts_stack.py did not start in 120 s")), 120_000);
    child.once("exit", (code) => reject(new Error(`ts_stack.py exited with ${code}`)));
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      clearTimeout(timer);
      resolveInfo(JSON.parse(line));
    });
  });
  const stop = () => new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once("exit", done);
    child.stdin.end();
    setTimeout(() => child.kill("SIGTERM"), 30_000).unref();
  });
  return { ...info, stop };
}
