// Test inputs: real photos from Debian's dlib examples, and files made from them.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FACES = '/usr/share/doc/libdlib19.1/examples/faces';
export const ONE_PERSON = join(FACES, 'Tom_Cruise_avp_2014_4.jpg');

const scratch = mkdtempSync(join(tmpdir(), 'vmsg-e2e-files-'));

export function scratchFile(name, bytes) {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

// A real JPEG followed by padding up to `bytes`: decoders ignore data after the image, so
// only its size makes it unacceptable.
export function oversizedPhoto(bytes) {
  const jpeg = readFileSync(ONE_PERSON);
  return scratchFile('big-photo.jpg', Buffer.concat([jpeg, Buffer.alloc(bytes - jpeg.length)]));
}

// Speech made by the server itself (a system voice), as a WAV file: a real recording to make
// a custom voice from.
export async function synthesizedSpeech(baseUrl, text, voiceId = 'default_male') {
  const res = await fetch(`${baseUrl}/api/voice/synthesize`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text, voice_id: voiceId, prosody: 'neutral' }),
  });
  if (!res.ok) throw new Error(`synthesize: HTTP ${res.status} ${await res.text()}`);
  return scratchFile(`speech-${voiceId}.wav`, Buffer.from(await res.arrayBuffer()));
}
