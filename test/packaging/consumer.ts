/**
 * A consumer of the published packages, made as a user's project would be: every publishable workspace
 * packed with `npm pack` (what `npm publish` uploads), the tarballs installed into a new folder outside the
 * repo with `--install-strategy=linked` (pnpm's layout: each package sees only what it declares, so an
 * undeclared import fails here as it would for a pnpm user) and the peers the app owns installed beside them.
 * Dependencies come from the npm registry (or npm's cache); @callmos/* come from the tarballs, also where
 * one callmos package depends on another (`overrides`), since they are not on the registry.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The publishable workspaces, by folder. */
export const PUBLISHED = ['packages/core', 'packages/node', 'packages/client', 'packages/server', 'models'] as const;

export interface PackedPackage {
  dir: string;
  name: string;
  version: string;
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

export interface Consumer {
  root: string;
  packed: PackedPackage[];
  /** Runs a command in the consumer folder; throws with its output when it fails. */
  run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string;
}

function rootManifest(): { devDependencies: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
}

function installedVersion(pkg: string): string {
  return JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

export function packAll(dest: string): PackedPackage[] {
  mkdirSync(dest, { recursive: true });
  return PUBLISHED.map((dir) => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
      cwd: path.join(repoRoot, dir),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [info] = JSON.parse(out) as Array<{
      name: string; version: string; filename: string; size: number; unpackedSize: number; files: Array<{ path: string }>;
    }>;
    return {
      dir,
      name: info.name,
      version: info.version,
      tarball: path.join(dest, info.filename),
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files.map((f) => f.path),
    };
  });
}

/** Packs, lays out and installs the consumer (about a minute from npm's cache). */
export function makeConsumer(extraDependencies: Record<string, string> = {}): Consumer {
  const base = mkdtempSync(path.join(tmpdir(), 'callmos-consumer-'));
  const packed = packAll(path.join(base, 'tarballs'));
  const root = path.join(base, 'app');
  cpSync(fileURLToPath(new URL('./fixture/', import.meta.url)), root, { recursive: true });
  const fromTarball = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
  const dev = rootManifest().devDependencies;
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify(
      {
        name: 'callmos-consumer',
        private: true,
        type: 'module',
        dependencies: {
          ...fromTarball,
          // the peers an app owns: the versions this repo is tested with
          mediasoup: installedVersion('mediasoup'),
          'prom-client': installedVersion('prom-client'),
          rxjs: installedVersion('rxjs'),
          typescript: dev.typescript,
          '@types/node': dev['@types/node'],
          ...extraDependencies,
        },
        overrides: fromTarball,
        // as the README tells users: mediasoup's worker is fetched by its own script where it can be
        // (not needed here: nothing starts a worker), onnxruntime-node's CUDA download is not wanted.
        allowScripts: { mediasoup: false, 'onnxruntime-node': false, protobufjs: false, esbuild: true },
      },
      null,
      2,
    ),
  );
  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string => {
    try {
      return execFileSync(cmd, args, {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${cmd} ${args.join(' ')} failed in ${root}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  };
  run('npm', ['install', '--install-strategy=linked', '--prefer-offline', '--no-audit', '--no-fund']);
  return { root, packed, run };
}
