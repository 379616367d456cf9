import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ENV, API_NODE_FLAGS } from './node-flags.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('API node flags', () => {
  it('npm run api starts the API with them', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    const env = Object.entries(API_ENV).map(([k, v]) => `${k}=${v} `).join('');
    // `exec`: npm's shell becomes the API, so npm's SIGTERM reaches it (test/processes.int.test.ts).
    expect(scripts.api).toBe(`${env}exec node ${API_NODE_FLAGS.join(' ')} api/main.ts`);
  });

  it('the Docker image runs the API with them', () => {
    const cmd = /^CMD (.*)$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual(['node', ...API_NODE_FLAGS, 'api/main.ts']);
    for (const [k, v] of Object.entries(API_ENV)) expect(read('Dockerfile')).toMatch(new RegExp(`^ENV ${k}=${v}$`, 'm'));
  });

  it('docker compose runs the API with them', () => {
    const api = /^ {2}api:\n(?: {4}.*\n)*? {4}command: (.*)$/m.exec(read('docker-compose.yml'))?.[1];
    expect(api && JSON.parse(api)).toEqual(['node', ...API_NODE_FLAGS, 'api/main.ts']);
  });
});
