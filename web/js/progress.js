// Follows a generation task's progress: the WebSocket first, Server-Sent Events when the
// socket cannot open or drops, and polling the status URL as the last resort. Every
// channel delivers the same progress record ({task_id, percentage, message, current_step,
// total_steps, timestamp}); the follower ends after the final one (100, or -1 on failure or
// cancellation).
import { getJson, ApiError } from './api.js';

const POLL_INTERVAL_MS = 2000;  // the API budget is per hour: polling must stay modest
const WS_OPEN_TIMEOUT_MS = 5000;
// A task's first record may be written a moment after generate answers: a few "not found"
// answers are waited out before the task is taken as unknown.
const POLL_NOT_FOUND_TRIES = 5;

function absoluteWsUrl(url) {
  const u = new URL(url, location.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}

function isFinal(record) {
  return record.percentage >= 100 || record.percentage < 0;
}

// Starts following. `onUpdate(record, channel)` sees each record, `onEnd(record|null, error)`
// is called once. Returns {stop()}.
export function followProgress(task, { onUpdate, onEnd, channels = ['ws', 'sse', 'poll'] }) {
  let stopped = false;
  let finished = false;
  let cleanup = () => {};
  const taskId = task.task_id;

  const finish = (record, error = null) => {
    if (finished) return;
    finished = true;
    cleanup();
    onEnd(record, error);
  };
  const deliver = (record, channel) => {
    if (stopped || finished || !record || typeof record.percentage !== 'number') return;
    onUpdate(record, channel);
    if (isFinal(record)) finish(record);
  };

  const next = (index) => {
    if (stopped || finished) return;
    const channel = channels[index];
    if (channel === 'ws' && 'WebSocket' in window && task.websocket_url) startWs(index);
    else if (channel === 'sse' && 'EventSource' in window) startSse(index);
    else if (channel === 'poll') startPoll();
    else next(index + 1);
  };

  function startWs(index) {
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(absoluteWsUrl(task.websocket_url));
    } catch {
      next(index + 1);
      return;
    }
    const timer = setTimeout(() => {
      if (!opened) ws.close();
    }, WS_OPEN_TIMEOUT_MS);
    cleanup = () => {
      clearTimeout(timer);
      ws.onclose = null;
      if (ws.readyState <= 1) ws.close();
    };
    ws.onopen = () => {
      opened = true;
      clearTimeout(timer);
    };
    ws.onmessage = (e) => {
      let record;
      try {
        record = JSON.parse(e.data);
      } catch {
        return;
      }
      if (record && record.code && record.percentage === undefined) return;  // feed error: the close follows
      deliver(record, 'ws');
    };
    ws.onclose = () => {
      clearTimeout(timer);
      if (!finished && !stopped) next(index + 1);
    };
  }

  function startSse(index) {
    const es = new EventSource(task.events_url || `/api/sse/progress/${encodeURIComponent(taskId)}`);
    cleanup = () => es.close();
    es.addEventListener('progress', (e) => {
      try {
        deliver(JSON.parse(e.data), 'sse');
      } catch {
        // a malformed event: wait for the next
      }
    });
    es.onerror = () => {
      // EventSource would reconnect by itself; after the final record the stream ends on
      // purpose, otherwise fall back to polling.
      es.close();
      if (!finished && !stopped) next(index + 1);
    };
  }

  function startPoll() {
    let timer = null;
    let notFound = 0;
    cleanup = () => clearTimeout(timer);
    const url = task.status_url || `/api/video/status/${encodeURIComponent(taskId)}`;
    const poll = async () => {
      try {
        const body = await getJson(url, { cache: 'no-store' });
        if (body.progress) deliver(body.progress, 'poll');
        const terminal = ['SUCCESS', 'FAILURE', 'REVOKED'].includes(body.status);
        if (terminal && !finished) {
          finish(body.progress && isFinal(body.progress) ? body.progress : null);
          return;
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && ++notFound >= POLL_NOT_FOUND_TRIES) {
          finish(null, err);
          return;
        }
        // a transient failure: try again at the next tick
      }
      if (!finished && !stopped) timer = setTimeout(poll, POLL_INTERVAL_MS);
    };
    poll();
  }

  next(0);
  return {
    stop() {
      stopped = true;
      cleanup();
    },
  };
}

// Estimates the time left from the pace so far: seconds, or null while too early to say.
export function estimateRemaining(startedAt, percentage, now = Date.now()) {
  const elapsed = (now - startedAt) / 1000;
  if (percentage < 10 || percentage >= 100 || elapsed < 2) return null;
  return Math.max(1, Math.round((elapsed * (100 - percentage)) / percentage));
}
