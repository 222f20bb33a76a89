// The one way tlscheck writes an endpoint: `host:port`, an IPv6 address in brackets. It is the
// form shown to people, stored in schedules and fed back to parseTarget, so all must agree.

/** `[2001:db8::1]` for an IPv6 address, the host itself otherwise (for URLs). */
export const bracketHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** "example.com:443", "192.0.2.1:8443", "[2001:db8::1]:443". */
export const hostPort = (host: string, port: number): string => `${bracketHost(host)}:${port}`;
