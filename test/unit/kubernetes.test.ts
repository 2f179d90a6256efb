// The Kubernetes manifests (issue 16, SPEC section 11): every object checked against the
// Kubernetes OpenAPI schema of its kind (kubernetes-models, ajv), then what this project
// needs of them: selectors that match, probes on /healthz and /readyz, a non-root restricted
// security context, the key as a file from the Secret, a ConfigMap mounted as a folder (so
// its symlink swap reaches the daemon), and a gateway.yaml that loads.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = join(ROOT, 'deploy/kubernetes');

type Obj = Record<string, any>;
interface Doc {
  readonly file: string;
  readonly obj: Obj;
}

const files = (readdirSync(DIR, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).sort();
const docs: Doc[] = files.flatMap((file) => {
  const parsed = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  return parsed.map((d) => {
    assert.deepEqual(d.errors, [], `${file} parses`);
    return { file, obj: d.toJS() as Obj };
  });
});
const objects = docs.filter((d) => d.obj.kind !== 'Kustomization');
const one = (kind: string, name: string): Obj => {
  const found = objects.filter((d) => d.obj.kind === kind && d.obj.metadata?.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name}`);
  return found[0]!.obj;
};
const deployment = one('Deployment', 'mcpgw');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: Obj) => c.name === 'mcpgw');
const configMap = one('ConfigMap', 'mcpgw-config');
const secret = one('Secret', 'mcpgw-secrets');
const postgres = one('StatefulSet', 'mcpgw-postgres');

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

test('every object is valid for the Kubernetes schema of its kind', async () => {
  assert.ok(objects.length >= 12, `${objects.length} objects`);
  for (const { file, obj } of objects) {
    assert.ok(obj.apiVersion && obj.kind && obj.metadata?.name, `${file}: apiVersion, kind, metadata.name`);
    const Model = (await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`))[obj.kind];
    assert.ok(Model, `${file}: a schema for ${obj.apiVersion} ${obj.kind}`);
    assert.doesNotThrow(() => new Model(obj).validate(), `${file}: ${obj.kind} ${obj.metadata.name}`);
    if (obj.kind !== 'Namespace') assert.equal(obj.metadata.namespace, 'mcpgw', `${file}: in the mcpgw namespace`);
    assert.equal(obj.metadata.labels?.['app.kubernetes.io/part-of'], 'mcpgw', `${file}: labelled part-of mcpgw`);
  }
});

test('each kustomization lists files that exist, every manifest beside it, and never a Secret', async () => {
  const kustomizations = docs.filter((d) => d.obj.kind === 'Kustomization');
  assert.deepEqual(
    kustomizations.map((k) => k.file),
    ['evaluation-postgres/kustomization.yaml', 'kustomization.yaml'],
  );
  for (const { file, obj } of kustomizations) {
    const folder = join(DIR, file, '..');
    const beside = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    assert.deepEqual([...obj.resources].sort(), beside.sort(), `${file}: resources are the manifests beside it`);
    for (const resource of obj.resources as string[]) {
      const kinds = objects.filter((d) => d.file === relative(DIR, join(folder, resource))).map((d) => d.obj.kind);
      assert.ok(kinds.length > 0, `${file}: ${resource} holds objects`);
      assert.ok(!kinds.includes('Secret'), `${file}: ${resource} would overwrite a Secret on apply`);
    }
  }
  // What `kubectl kustomize` builds, when kubectl is here (no cluster needed).
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) return;
  for (const [folder, expected] of [
    [
      '.',
      [
        'Namespace mcpgw',
        'ServiceAccount mcpgw',
        'ConfigMap mcpgw-config',
        'Deployment mcpgw',
        'Service mcpgw',
        'PodDisruptionBudget mcpgw',
      ],
    ],
    ['evaluation-postgres', ['ConfigMap mcpgw-postgres-init', 'Service mcpgw-postgres', 'StatefulSet mcpgw-postgres']],
  ] as const) {
    const { stdout } = await promisify(execFile)('kubectl', ['kustomize', join(DIR, folder)]);
    const built = parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
    assert.deepEqual(built.map((o) => `${o.kind} ${o.metadata.name}`).sort(), [...expected].sort(), `kubectl kustomize ${folder}`);
  }
});

test('selectors match the pods; the Service, probes and Ingress use the named port', () => {
  assert.equal(deployment.spec.replicas, 3);
  const labels = deployment.spec.template.metadata.labels;
  assert.ok(matches(deployment.spec.selector.matchLabels, labels), 'Deployment selector');
  assert.ok(matches(one('Service', 'mcpgw').spec.selector, labels), 'Service selector');
  assert.ok(matches(one('PodDisruptionBudget', 'mcpgw').spec.selector.matchLabels, labels), 'PDB selector');
  assert.ok(matches(pod.topologySpreadConstraints[0].labelSelector.matchLabels, labels), 'spread selector');
  assert.ok(matches(postgres.spec.selector.matchLabels, postgres.spec.template.metadata.labels), 'StatefulSet selector');
  const pgService = one('Service', postgres.spec.serviceName);
  assert.equal(pgService.spec.clusterIP, 'None', 'the StatefulSet’s governing Service is headless');
  assert.ok(matches(pgService.spec.selector, postgres.spec.template.metadata.labels), 'postgres Service selector');

  const port = container.ports.find((p: Obj) => p.name === 'http');
  assert.equal(port.containerPort, 8750);
  assert.equal(one('Service', 'mcpgw').spec.ports[0].targetPort, 'http');
  assert.equal(one('Ingress', 'mcpgw').spec.rules[0].http.paths[0].backend.service.name, 'mcpgw');
  assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
  assert.deepEqual(container.startupProbe.httpGet, { path: '/healthz', port: 'http' });
  assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    assert.ok(postgres.spec.template.spec.containers[0][probe]?.exec, `postgres ${probe}`);
  }
  assert.ok(one('PodDisruptionBudget', 'mcpgw').spec.maxUnavailable === 1);
});

test('pods run non-root with a read-only root, no capabilities, seccomp, and resources', () => {
  for (const [name, spec] of [
    ['mcpgw', pod],
    ['postgres', postgres.spec.template.spec],
  ] as const) {
    assert.equal(spec.automountServiceAccountToken, false, `${name}: no API token`);
    assert.equal(spec.securityContext.runAsNonRoot, true, `${name}: runAsNonRoot`);
    assert.ok(spec.securityContext.runAsUser > 0, `${name}: a non-root uid`);
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault', `${name}: seccomp`);
    for (const c of spec.containers as Obj[]) {
      const sc = c.securityContext;
      assert.equal(sc.readOnlyRootFilesystem, true, `${name}/${c.name}: readOnlyRootFilesystem`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${name}/${c.name}: allowPrivilegeEscalation`);
      assert.deepEqual(sc.capabilities.drop, ['ALL'], `${name}/${c.name}: drop ALL`);
      assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
      for (const kind of ['requests', 'limits']) assert.ok(c.resources[kind].cpu && c.resources[kind].memory, `${name}/${c.name}: ${kind}`);
    }
  }
  // With a read-only root, everything written goes to a volume.
  const mounts = new Map<string, string>(container.volumeMounts.map((m: Obj) => [m.mountPath, m.name]));
  for (const path of ['/data', '/tmp', '/home/node']) {
    const volume = pod.volumes.find((v: Obj) => v.name === mounts.get(path));
    assert.ok(volume?.emptyDir, `${path} is an emptyDir`);
  }
});

test('secrets are files from the Secret, the ConfigMap a folder mount; the image reads what is mounted', () => {
  const env = new Map<string, Obj>(container.env.map((e: Obj) => [e.name, e]));
  assert.ok(!env.has('OAUTH_ENCRYPTION_KEY'), 'the key never in the environment');
  assert.ok(
    container.env.every((e: Obj) => !e.valueFrom?.secretKeyRef),
    'no Secret value in the environment (a same-uid stdio server can read it)',
  );
  assert.deepEqual(container.envFrom ?? [], []);
  const volumeOf = (path: string) => {
    const mount = container.volumeMounts.find((m: Obj) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${path} is on a volume`);
    assert.equal(mount.subPath, undefined, `${path}: no subPath (it would get no updates)`);
    return { mount, volume: pod.volumes.find((v: Obj) => v.name === mount.name) };
  };
  const secretFile = (path: string) => {
    const { mount, volume } = volumeOf(path);
    assert.equal(volume.secret?.secretName, 'mcpgw-secrets', `${path} comes from the Secret`);
    assert.equal(mount.readOnly, true);
    const key = relative(mount.mountPath, path);
    assert.ok(Object.hasOwn(secret.stringData, key), `the Secret template has ${key}`);
  };
  secretFile(env.get('OAUTH_ENCRYPTION_KEY_FILE')!.value);
  // Readable by the pod's group only: 0440 (written in decimal: YAML 1.1 and 1.2 read 0440 differently).
  assert.equal(pod.volumes.find((v: Obj) => v.secret).secret.defaultMode, 0o440);
  assert.equal(pod.securityContext.fsGroup, pod.securityContext.runAsGroup);

  const configPath: string = env.get('MCPGW_CONFIG')!.value;
  const { volume } = volumeOf(configPath);
  assert.equal(volume.configMap?.name, 'mcpgw-config');
  assert.ok(Object.hasOwn(configMap.data, relative(volumeOf(configPath).mount.mountPath, configPath)));
  assert.equal(env.get('MCPGW_DATA_DIR')!.value, '/data');

  // Every $<file:> the config reads is a key of the Secret.
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
  const read = strings(parse(configMap.data['gateway.yaml'])).flatMap((v) => [...v.matchAll(/\$<file:([^>]+)>/g)].map((m) => m[1]!));
  assert.ok(read.length >= 3, read.join(' '));
  for (const path of read) secretFile(path);
});

/** gateway.yaml as a pod sees it: the Secret's files in a temp folder instead of /etc/mcpgw/secrets. */
function podConfig(transform: (doc: Obj) => void = () => undefined): { text: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-k8s-'));
  for (const key of Object.keys(secret.stringData)) {
    // The store URL is checked for its scheme; every other Secret value is an opaque key.
    const value =
      key === 'database-url' ? 'postgresql://mcpgw:pw@mcpgw-postgres:5432/mcpgw' : `${key}-value-0123456789abcdef0123456789abcdef`;
    writeFileSync(join(dir, key), `${value}\n`);
  }
  const doc = parse(configMap.data['gateway.yaml'].replaceAll('/etc/mcpgw/secrets', dir)) as Obj;
  transform(doc);
  return { text: stringify(doc), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the ConfigMap’s gateway.yaml loads as in a pod, store and session key included', () => {
  const text: string = configMap.data['gateway.yaml'];
  const doc = parse(text) as Obj;
  assert.deepEqual(doc.gateway.store, { type: 'postgres', url: '$<file:/etc/mcpgw/secrets/database-url>' });
  assert.equal(doc.gateway.sessionKey, '$<file:/etc/mcpgw/secrets/session-key>');
  assert.equal(doc.gateway.listen, `0.0.0.0:${container.ports[0].containerPort}`);
  assert.equal(new URL(doc.gateway.publicUrl).host, one('Ingress', 'mcpgw').spec.rules[0].host, 'publicUrl is the Ingress host');

  const { text: resolved, cleanup } = podConfig();
  try {
    const result = loadConfig('/config/gateway.yaml', { text: resolved, env: {} });
    assert.deepEqual(
      result.findings.filter((f) => f.severity === 'error').map((f) => `${f.path}: ${f.message}`),
      [],
    );
    assert.ok(result.model);
    // validate --no-secrets, as a CI without the Secret runs it.
    const offline = loadConfig('/config/gateway.yaml', { text, noSecrets: true, env: {} });
    assert.ok(offline.model, JSON.stringify(offline.findings));
  } finally {
    cleanup();
  }
});

test('the evaluation PostgreSQL is marked as such, and its role and URL agree with the gateway’s Secret', () => {
  for (const d of objects.filter((o) => o.file.startsWith('evaluation-postgres/') || o.file === 'templates/postgres-secret.yaml')) {
    assert.equal(d.obj.metadata.labels['mcpgw.dev/evaluation-only'], 'true', `${d.file} labelled evaluation-only`);
    assert.match(readFileSync(join(DIR, d.file), 'utf8'), /FOR EVALUATION ONLY/, `${d.file} says so`);
  }
  const url = new URL(secret.stringData['database-url']);
  assert.equal(url.hostname, postgres.spec.serviceName);
  assert.equal(Number(url.port), one('Service', postgres.spec.serviceName).spec.ports[0].port);
  const script: string = one('ConfigMap', 'mcpgw-postgres-init').data['10-mcpgw-role.sh'];
  assert.match(script, new RegExp(`CREATE ROLE ${url.username} LOGIN PASSWORD .* NOSUPERUSER NOCREATEDB NOCREATEROLE`));
  assert.match(script, new RegExp(`CREATE DATABASE ${url.pathname.slice(1)} OWNER ${url.username}`));
  const pgEnv = new Map<string, Obj>(postgres.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e]));
  assert.equal(pgEnv.get('MCPGW_DB_PASSWORD')!.valueFrom.secretKeyRef.name, one('Secret', 'mcpgw-postgres').metadata.name);
  assert.match(readFileSync(join(DIR, 'README.md'), 'utf8'), /CloudNativePG/);
});
