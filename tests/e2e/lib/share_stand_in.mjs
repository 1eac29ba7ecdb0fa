// A stand-in for exactly navigator.share and navigator.canShare, installed with
// page.addInitScript before the page's scripts run. The share sheet belongs to the operating
// system and cannot exist in headless Chromium (which has neither function on Linux), so the
// page's side of the Web Share API is what the browser tests can check: what it asks
// canShare, what it hands to share (each File's name, type, size, first bytes and SHA-256,
// read back from the File itself), whether the call came with the user's activation (the
// real share refuses without it), and how it treats the sheet's outcomes. Nothing of the page
// is replaced. The recording is window.__shareStandIn: {canShareCalls, shareCalls, outcomes};
// a test pushes an outcome ('resolve', or a DOMException name such as 'AbortError') for the
// next share call, 'resolve' when none is queued.
//
// mode: 'files'    both functions; canShare says yes to one or more Files
//       'no-files' both functions; canShare says no (a browser that shares text and links only)
//       'no-canshare' share only, no canShare (the older browsers that cannot share files)
//       'tiny-files' both; canShare says yes only to files of at most one byte (a browser
//                    that shares files but refuses this one, over its size limit say)
export function shareStandIn(mode) {
  const record = { mode, canShareCalls: [], shareCalls: [], outcomes: [] };
  Object.defineProperty(window, '__shareStandIn', { value: record });
  const describe = (data) => ({
    keys: Object.keys(data || {}).sort(),
    files: Array.from((data && data.files) || [], (f) => ({ isFile: f instanceof File, name: f.name, type: f.type, size: f.size })),
  });
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  const define = (name, fn) => Object.defineProperty(Navigator.prototype, name, { value: fn, configurable: true, writable: true });
  if (mode !== 'no-canshare') {
    define('canShare', function canShare(data) {
      record.canShareCalls.push(describe(data));
      if (mode !== 'files' && mode !== 'tiny-files') return false;
      return Array.isArray(data && data.files) && data.files.length > 0 &&
        data.files.every((f) => f instanceof File && (mode === 'files' || f.size <= 1));
    });
  }
  define('share', async function share(data) {
    // Read at the call, before anything is awaited: the real share needs it then.
    const activation = navigator.userActivation ? navigator.userActivation.isActive : null;
    const call = { ...describe(data), title: data && data.title, text: data && data.text, url: data && data.url, activation };
    call.files = await Promise.all(Array.from((data && data.files) || [], async (f, i) => {
      const bytes = await f.arrayBuffer();
      const sha256 = crypto.subtle ? hex(await crypto.subtle.digest('SHA-256', bytes)) : null;
      return { ...call.files[i], head: hex(bytes.slice(0, 12)), sha256 };
    }));
    record.shareCalls.push(call);
    const outcome = record.outcomes.shift() || 'resolve';
    if (outcome !== 'resolve') throw new DOMException(`stand-in share sheet: ${outcome}`, outcome);
  });
}
