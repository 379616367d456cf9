// docker-compose.yml and the Dockerfile, read the way Docker reads them: the environment each
// container of the image ends up with (the image's ENV under the service's `environment`, with
// `${VAR:-default}` filled from the operator's .env) must load core/config.ts, and only a
// container that serves HTTP may keep the image's /healthz check. There is no Docker engine in
// CI, so the compose file is read by the small YAML reader below (the subset the file uses).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../core/config.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

/** Block mappings and sequences, flow lists, quoted scalars, anchors, aliases and `<<` merges. */
function parseYaml(text: string): YamlMap {
  const lines = text
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  const anchors = new Map<string, Yaml>();
  let i = 0;
  const scalar = (raw: string): Yaml => {
    if (raw.startsWith('*')) {
      const value = anchors.get(raw.slice(1));
      if (value === undefined) throw new Error(`unknown alias ${raw}`);
      return value;
    }
    return raw.startsWith('[') || raw.startsWith('"') ? JSON.parse(raw) : raw;
  };
  const block = (indent: number): Yaml => {
    if (lines[i].text.startsWith('- ')) {
      const items: Yaml[] = [];
      while (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('- ')) items.push(scalar(lines[i++].text.slice(2)));
      return items;
    }
    const own: YamlMap = {};
    let merged: YamlMap = {};
    while (i < lines.length && lines[i].indent === indent) {
      const m = /^([^:\s]+):(?: (.*))?$/.exec(lines[i].text);
      if (!m) throw new Error(`cannot read line ${JSON.stringify(lines[i].text)}`);
      i++;
      const [, key, rest = ''] = m;
      const anchor = /^&(\S+)$/.exec(rest);
      const value = rest === '' || anchor ? (i < lines.length && lines[i].indent > indent ? block(lines[i].indent) : '') : scalar(rest);
      if (anchor) anchors.set(anchor[1], value);
      if (key === '<<') merged = { ...merged, ...(value as YamlMap) };
      else own[key] = value;
    }
    // A merge key never overrides the mapping's own keys, wherever it stands.
    return { ...merged, ...own };
  };
  return block(0) as YamlMap;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` interpolation. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_, name: string, op: string | undefined, fallback = '') => {
    const set = env[name];
    if (op === ':-') return set ? set : fallback;
    if (op === '-') return set ?? fallback;
    return set ?? '';
  });
}

const IMAGE = 'porchlight:local';
const compose = parseYaml(read('docker-compose.yml'));
const services = compose.services as Record<string, YamlMap>;
const ofImage = Object.entries(services).filter(([, s]) => s.image === IMAGE);
/** `ENV NAME=value` lines of the Dockerfile's last stage (the image that runs). */
const imageEnv = Object.fromEntries(
  [...read('Dockerfile').split(/^FROM /m).at(-1)!.matchAll(/^ENV (\w+)=(\S+)$/gm)].map(([, k, v]) => [k, v]),
);

/** The environment a service's container gets: the image's, then the service's own, interpolated. */
function containerEnv(service: YamlMap, dotEnv: Record<string, string>): Record<string, string> {
  const own = Object.entries((service.environment ?? {}) as Record<string, string>).map(([k, v]) => [k, interpolate(v, dotEnv)]);
  return { ...imageEnv, ...Object.fromEntries(own) };
}

describe('docker compose', () => {
  it('reads the compose file: the API, the worker and the one-shot migration run the image', () => {
    expect(ofImage.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    expect(imageEnv.NODE_ENV).toBe('production');
  });

  it('with SESSION_SECRET in .env, every container of the image loads its configuration, on the same database', () => {
    // What the README asks of an operator before `docker compose up -d`.
    const dotEnv = { SESSION_SECRET: 'a-session-secret-of-at-least-32-characters' };
    const configs = ofImage.map(([name, service]) => {
      try {
        return loadConfig(containerEnv(service, dotEnv));
      } catch (err) {
        throw new Error(`the ${name} container would refuse to start: ${(err as Error).message}`);
      }
    });
    // The migration must migrate the database the API and the worker use.
    expect(new Set(configs.map((c) => c.DATABASE_URL)).size).toBe(1);
  });

  it('passes every variable set in .env to the containers, except the ones compose sets itself', () => {
    // The image has no .env (.dockerignore), so a variable reaches the app only if compose names it:
    // TRUST_PROXY behind a proxy, WEBHOOK_ALLOWED_HOSTS, DEFAULT_PHONE_COUNTRY… were ignored silently.
    const fixedByCompose = ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST'];
    const dotEnv = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, `from-dotenv-${name}`]));
    for (const [name, service] of ofImage) {
      const env = containerEnv(service, dotEnv);
      const passed = CONFIG_VARIABLES.filter((v) => env[v] === dotEnv[v]);
      expect({ name, passed }).toEqual({ name, passed: CONFIG_VARIABLES.filter((v) => !fixedByCompose.includes(v)) });
    }
    // And a real one takes effect: behind one reverse proxy, the API believes its X-Forwarded-For.
    const api = services.api;
    expect(loadConfig(containerEnv(api, { SESSION_SECRET: 'a-session-secret-of-at-least-32-characters', TRUST_PROXY: '1' })).TRUST_PROXY).toBe(1);
  });

  it('sets PORT and HOST itself: the API listens where the published port and the health check look, whatever .env says', () => {
    const dotEnv = { SESSION_SECRET: 'a-session-secret-of-at-least-32-characters', PORT: '3001', HOST: '127.0.0.1' };
    for (const [name, service] of ofImage) expect({ name, ...containerEnv(service, dotEnv) }).toMatchObject({ name, PORT: '3000', HOST: '0.0.0.0' });
    expect(services.api.ports).toEqual(['3000:3000']);
    expect(read('Dockerfile')).toMatch(/^HEALTHCHECK .*process\.env\.PORT\|\|3000/m);
  });

  it('counts postgres as healthy only once it accepts TCP connections, as the app makes them', () => {
    // The postgres image runs its first-start initialisation on a server with listen_addresses=''
    // (Unix socket only); pg_isready without -h asks that socket and says "ready" too early.
    const [kind, command] = (services.postgres.healthcheck as YamlMap).test as string[];
    expect(kind).toBe('CMD-SHELL');
    expect(command).toMatch(/^pg_isready .*-h 127\.0\.0\.1\b/);
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('health-checks /healthz only in the container that serves HTTP', () => {
    expect(read('Dockerfile')).toMatch(/^HEALTHCHECK .*\/healthz/m);
    for (const [name, service] of ofImage) {
      const command = service.command as string[];
      const servesHttp = command.includes('api/main.ts');
      const healthcheck = service.healthcheck as YamlMap | undefined;
      // The worker and the migration listen on no port: the image's check would mark them unhealthy.
      if (!servesHttp) expect({ name, healthcheck }).toEqual({ name, healthcheck: { disable: 'true' } });
      else expect({ name, healthcheck }).toEqual({ name, healthcheck: undefined });
    }
  });
});
