/**
 * Host name verification (RFC 9525 §6) and the name-constraint matchers (RFC 5280
 * §4.2.1.10) on plain strings and bytes — no certificates needed.
 */
import { describe, expect, it } from "vitest"
import { matchDnsName } from "../../src/x509/hostname.js"
import { ipInSubtree, parseIp, parseIpSubtree } from "../../src/x509/ip.js"
import { dnsInSubtree } from "../../src/x509/name-constraints.js"

describe("matchDnsName (RFC 9525 §6.3)", () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ["a.test", "a.test", true],
    ["A.Test", "a.TEST", true],
    ["a.test.", "a.test", true],
    ["a.test", "a.test.", true],
    ["a.test", "b.test", false],
    ["*.a.test", "b.a.test", true],
    ["*.a.test", "B.A.TEST", true],
    ["*.a.test", "a.test", false],
    ["*.a.test", "c.b.a.test", false],
    ["*.a.test", ".a.test", false],
    ["*.test", "a.test", false], // at least two labels after the wildcard
    ["b*.a.test", "bb.a.test", false], // partial wildcards never match
    ["*b.a.test", "bb.a.test", false],
    ["b.*.test", "b.a.test", false], // only the left-most label
    ["*.*.test", "a.b.test", false],
    ["xn--bcher-kva.test", "xn--bcher-kva.test", true], // A-labels compare as given
    ["xn--bcher-kva.test", "bücher.test", false], // U-labels are never converted
    ["*.xn--bcher-kva.test", "www.xn--bcher-kva.test", true],
    ["a..test", "a..test", false],
    ["", "", false]
  ]
  it.each(cases)("%s vs %s → %s", (presented, reference, expected) => {
    expect(matchDnsName(presented, reference)).toBe(expected)
  })
})

describe("IP addresses (RFC 9525 §6.2, RFC 5280 §4.2.1.10)", () => {
  it("parses IPv4 and IPv6 text forms, and refuses other text", () => {
    expect([...parseIp("127.0.0.1")!]).toEqual([127, 0, 0, 1])
    expect([...parseIp("::1")!]).toEqual([...new Array(15).fill(0), 1])
    expect([...parseIp("[2001:db8::1]")!]).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1])
    expect([...parseIp("::ffff:10.0.0.1")!].slice(10)).toEqual([0xff, 0xff, 10, 0, 0, 1])
    for (const bad of ["a.test", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "", "localhost"]) expect(parseIp(bad), bad).toBeUndefined()
  })
  it("matches addresses against address/mask subtrees of the same family only", () => {
    const ten = parseIpSubtree("10.0.0.0/8")!
    expect(ipInSubtree(parseIp("10.1.2.3")!, ten)).toBe(true)
    expect(ipInSubtree(parseIp("11.1.2.3")!, ten)).toBe(false)
    expect(ipInSubtree(parseIp("::ffff:10.1.2.3")!, ten)).toBe(false)
    const v6 = parseIpSubtree("fd00::/8")!
    expect(ipInSubtree(parseIp("fd12::1")!, v6)).toBe(true)
    expect(ipInSubtree(parseIp("fe80::1")!, v6)).toBe(false)
    expect(ipInSubtree(parseIp("1.2.3.4")!, parseIpSubtree("0.0.0.0/0")!)).toBe(true)
    expect(parseIpSubtree("10.0.0.0/33")).toBeUndefined()
  })
})

describe("dNSName subtrees (RFC 5280 §4.2.1.10)", () => {
  it("admits the name itself and names with labels added on the left", () => {
    expect(dnsInSubtree("allowed.test", "allowed.test")).toBe(true)
    expect(dnsInSubtree("x.allowed.test", "allowed.test")).toBe(true)
    expect(dnsInSubtree("X.Allowed.Test", "allowed.test")).toBe(true)
    expect(dnsInSubtree("notallowed.test", "allowed.test")).toBe(false)
    expect(dnsInSubtree("allowed.test.evil", "allowed.test")).toBe(false)
  })
  it("a leading dot admits subdomains only; an empty constraint admits everything", () => {
    expect(dnsInSubtree("x.allowed.test", ".allowed.test")).toBe(true)
    expect(dnsInSubtree("allowed.test", ".allowed.test")).toBe(false)
    expect(dnsInSubtree("anything.test", "")).toBe(true)
  })
})
