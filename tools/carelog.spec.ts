import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildDist,
  distDir,
  distPath,
  PLATFORM_SERVICES,
  RUNTIME_TOOLS,
} from '@carelog/local-infra';
import { entryPoint, services, TOOLS } from './carelog';

describe('the image entry point (dist/tools/carelog.js)', () => {
  beforeAll(async () => {
    await buildDist({ incremental: true });
  });

  it('runs every platform service and every operator tool the build compiles, by name', () => {
    expect(services(distDir)).toEqual(expect.arrayContaining(PLATFORM_SERVICES.map((s) => s.name)));
    for (const { name } of PLATFORM_SERVICES)
      expect(entryPoint(name, distDir)).toBe(distPath(`services/${name}/src/main.ts`));
    const tools = Object.entries(RUNTIME_TOOLS).filter(([name]) => name !== 'carelog');
    expect(Object.keys(TOOLS).sort()).toEqual(tools.map(([name]) => name).sort());
    for (const [name, source] of tools) {
      expect(entryPoint(name, distDir)).toBe(distPath(source));
      expect(existsSync(distPath(source))).toBe(true);
    }
    expect(entryPoint('no-such-thing', distDir)).toBeUndefined();
  });

  it('passes a tool its own arguments, and refuses an unknown name with the list', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(distDir, 'tools', 'carelog.js'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, CARELOG_SERVICE: '' },
      });
    const roles = run('db-roles', '--print');
    expect(roles.status).toBe(0);
    expect(roles.stdout).toContain('CREATE ROLE');
    const unknown = run('no-such-thing');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('record-api');
    expect(unknown.stderr).toContain('audit-verify');
  });
});
