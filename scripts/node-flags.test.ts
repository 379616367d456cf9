import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from './node-flags.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('API node flags', () => {
  it('npm run api starts the API with them', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts.api).toBe(`node ${API_NODE_FLAGS.join(' ')} api/main.ts`);
  });

  it('the Docker image runs the API with them', () => {
    const cmd = /^CMD (.*)$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual(['node', ...API_NODE_FLAGS, 'api/main.ts']);
  });
});
