package handlers

// The client's address, for rate limits, the audit log and the request
// log. By default it is the TCP peer. Behind a reverse proxy or load
// balancer every peer is the proxy, so all members would share one limit
// (ten resend requests an hour for the whole union) and the audit log would
// name the proxy; with Config.TrustedProxies, a request whose peer is a
// trusted proxy is attributed to the rightmost address in X-Forwarded-For
// that is not itself a trusted proxy. Proxies append the address they saw,
// so everything left of that is what the client claimed and is not
// believed; a client that is not behind a trusted proxy is never believed.

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const localClientIP = "client_ip"

// clientIP is the request's client address (see the top of this file), as
// requestContext resolved it.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return resolveClientIP(c, nil)
}

func resolveClientIP(c *fiber.Ctx, trusted []netip.Prefix) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	var hops []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(v), ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // not an address: keep the last proxy that gave one
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 192.0.2.7"); an entry that is neither is an error
// naming it.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, &proxyListError{f}
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

type proxyListError struct{ entry string }

func (e *proxyListError) Error() string {
	return "trusted proxy " + `"` + e.entry + `"` + " is neither an IP address nor a CIDR prefix"
}
