import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Calls that start a process or a server (in this process or another). */
const STARTS =
  /\b(createOpenCxFakeServer|startSampleApp|spawnSampleApp|spawnFakeCli|startRedis|startRedisCluster|launchChromium|upstream|spawn|fork)\(|\.listen\(/;

/** Every `beforeAll`/`beforeEach` of `file` that starts something but gives no time-out, as `file:line`. */
function hooksWithoutTimeout(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      ['beforeAll', 'beforeEach'].includes(node.expression.text) &&
      node.arguments.length < 2 &&
      STARTS.test(node.arguments[0]?.getText(source) ?? '')
    ) {
      found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('hooks that start a process or a server', () => {
  it("give an explicit time-out, not jest's default 5 s, which a busy machine exceeds", () => {
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /^(libs|apps|test)\//.test(file));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(hooksWithoutTimeout)).toEqual([]);
  });
});
