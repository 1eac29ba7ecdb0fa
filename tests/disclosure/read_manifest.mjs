// Reads the C2PA manifest of an MP4 with @contentauth/c2pa-wasm (the Content Authenticity
// Initiative's c2pa-rs compiled to WebAssembly) and checks what vmsg writes: exit 0 when the
// reader finds the manifest valid apart from the untrusted signer, 1 otherwise. Usage:
// node read_manifest.mjs VIDEO.mp4 [PHOTO_TITLE] (the ingredient's title; photo.jpg by default).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, WasmReader } from '@contentauth/c2pa-wasm';

// Failure codes allowed: a self-made certificate is not on any trust list.
const ALLOWED_FAILURES = new Set(['signingCredential.untrusted']);
const EXPECTED_SOURCE_TYPE =
  'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';

const require = createRequire(import.meta.url);
initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });

const bytes = new Uint8Array(readFileSync(process.argv[2]));
const store = JSON.parse((await WasmReader.fromBytes('video/mp4', bytes)).json());
const manifest = store.manifests[store.active_manifest];
const results = store.validation_results?.activeManifest ?? {};
console.log('active manifest:', store.active_manifest);
console.log('validation_state:', store.validation_state);
for (const kind of ['success', 'informational', 'failure']) {
  for (const s of results[kind] ?? []) console.log(`${kind}: ${s.code} ${s.explanation ?? ''}`);
}

const problems = [];
if (store.validation_state !== 'Valid') problems.push(`validation_state ${store.validation_state}`);
for (const s of results.failure ?? []) {
  if (!ALLOWED_FAILURES.has(s.code)) problems.push(`failure ${s.code}`);
}
const successes = new Set((results.success ?? []).map((s) => s.code));
for (const code of ['claimSignature.validated', 'assertion.hashedURI.match', 'assertion.bmffHash.match']) {
  if (!successes.has(code)) problems.push(`missing success ${code}`);
}
const actions = manifest?.assertions?.find((a) => a.label.startsWith('c2pa.actions'))?.data?.actions ?? [];
const created = actions.find((a) => a.action === 'c2pa.created');
if (created?.digitalSourceType !== EXPECTED_SOURCE_TYPE) problems.push('no c2pa.created with the digital source type');
if (!actions.some((a) => a.action === 'c2pa.placed')) problems.push('no c2pa.placed action');
const photoTitle = process.argv[3] ?? 'photo.jpg';
if (manifest?.ingredients?.[0]?.title !== photoTitle) problems.push(`no ingredient ${photoTitle}`);

// The reader must also see tampering: one changed byte near the end (in 'mdat').
const tampered = bytes.slice();
tampered[tampered.length - 10] ^= 0x01;
const tamperedStore = JSON.parse((await WasmReader.fromBytes('video/mp4', tampered)).json());
const tamperedFailures = (tamperedStore.validation_results?.activeManifest?.failure ?? []).map((s) => s.code);
console.log('one byte of mdat changed:', tamperedFailures.join(', '));
if (!tamperedFailures.includes('assertion.bmffHash.mismatch')) problems.push('tampering not detected');

if (problems.length > 0) {
  console.log('NOT VALID:', problems.join('; '));
  process.exit(1);
}
console.log('valid (signer untrusted, as expected for a self-made certificate)');
