// What a case asserts, shared by the browser suite and the suites that reuse
// its harness: the known test pattern, the tone, the network rule.

// videotestsrc pattern=smpte's upper bars (and the browser's canvas): which
// of R, G, B is lit in each of the 7 bars. Encoders and colour conversions
// move the levels (191 can come out anywhere from 170 to 255), so a bar
// matches when its lit channels are above 140 and its dark ones below 80.
export const BAR_CLASSES = ['111', '110', '011', '010', '101', '100', '001'];

export function barsMatch(bars) {
  if (!Array.isArray(bars) || bars.length !== 7) return 0;
  let n = 0;
  bars.forEach((rgb, i) => {
    const ok = [...BAR_CLASSES[i]].every((lit, c) => (lit === '1' ? rgb[c] > 140 : rgb[c] < 80));
    if (ok) n++;
  });
  return n;
}

// Every address a test may send to, from tests/netns/run-in-netns.sh.
export function allowedAddresses() {
  return (process.env.E2EE_NETNS_ALLOWED ?? '').split(/\s+/).filter(Boolean);
}

// The address of an SDP candidate line ("candidate:... udp prio ADDR PORT typ ...").
export function candidateAddress(line) {
  const f = line.replace(/^a=/, '').split(/\s+/);
  return f.length > 5 ? `${f[4]}:${f[5]}` : line;
}

// Checks that every address is inside the namespace; returns the offenders.
export function outsideNamespace(addresses) {
  const allowed = allowedAddresses();
  return addresses.filter((a) => !allowed.includes(String(a).replace(/:\d+$/, '')));
}

// A tiny assertion collector: each check is recorded with its figures, so
// that a failing case says what it saw.
export class Checks {
  constructor() { this.items = []; }
  that(ok, what) { this.items.push({ ok: !!ok, what }); return !!ok; }
  atLeast(value, min, what) { return this.that(value >= min, `${what}: ${value} >= ${min}`); }
  exactly(value, want, what) { return this.that(value === want, `${what}: ${value} == ${want}`); }
  near(value, want, tolerance, what) { return this.that(Math.abs(value - want) <= tolerance, `${what}: ${value} ~ ${want} +-${tolerance}`); }
  get failed() { return this.items.filter((i) => !i.ok); }
  get passed() { return this.failed.length === 0 && this.items.length > 0; }
}
