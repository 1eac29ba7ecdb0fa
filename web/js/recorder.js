// Records the microphone with MediaRecorder into one audio Blob (WebM/Opus where the browser
// has it, MP4/AAC on Safari): the reference recording for a custom voice.
const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg;codecs=opus'];

export function recordingSupported() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

export class Recorder {
  constructor() {
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
    this.startedAt = 0;
  }

  get recording() {
    return !!this.recorder && this.recorder.state === 'recording';
  }

  // Asks for the microphone and starts. Rejects with the browser's error (NotAllowedError
  // when permission is refused, NotFoundError without a microphone).
  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: true },
    });
    const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.chunks = [];
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size > 0) this.chunks.push(e.data);
    });
    this.recorder.start();
    this.startedAt = performance.now();
  }

  elapsedSeconds() {
    return this.recording ? (performance.now() - this.startedAt) / 1000 : 0;
  }

  // Stops and resolves to {blob, seconds}.
  stop() {
    return new Promise((resolve) => {
      const seconds = this.elapsedSeconds();
      this.recorder.addEventListener(
        'stop',
        () => {
          const type = (this.recorder.mimeType || 'audio/webm').split(';')[0];
          const blob = new Blob(this.chunks, { type });
          for (const track of this.stream.getTracks()) track.stop();
          this.stream = null;
          resolve({ blob, seconds });
        },
        { once: true },
      );
      this.recorder.stop();
    });
  }
}
