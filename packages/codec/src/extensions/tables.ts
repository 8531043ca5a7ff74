/**
 * Which extension bodies each message decodes (RFC 8446 §4.2 for TLS 1.3, RFC 5246
 * §7.4.1.4 and the extension RFCs for TLS 1.2). A type outside a message's table is kept
 * as `Unknown`; whether it may appear at all is the state machine's decision
 * (`isAllowedIn13`).
 *
 * @since 0.1.0
 */
import * as Alpn from "./alpn.js"
import { list, type ExtensionsOf } from "./extension-list.js"
import * as G from "./groups-and-schemes.js"
import * as SN from "./server-name.js"
import * as S from "./simple.js"
import * as SR from "./status-request.js"
import * as V from "./versions-and-shares.js"

const clientHello = [
  [0, SN.ServerNameList],
  [1, S.MaxFragmentLength],
  [5, SR.StatusRequest],
  [10, G.SupportedGroups],
  [11, S.EcPointFormats],
  [13, G.SignatureAlgorithms],
  [16, Alpn.Alpn],
  [21, S.Padding],
  [22, S.EncryptThenMac],
  [23, S.ExtendedMasterSecret],
  [27, G.CompressCertificate],
  [28, S.RecordSizeLimit],
  [35, S.SessionTicket],
  [41, V.PreSharedKeyClient],
  [42, V.EarlyDataIndication],
  [43, V.SupportedVersionsClient],
  [44, S.Cookie],
  [45, G.PskKeyExchangeModes],
  [47, V.CertificateAuthorities],
  [49, S.PostHandshakeAuth],
  [50, G.SignatureAlgorithmsCert],
  [51, V.KeyShareClient],
  [0xff01, S.RenegotiationInfo]
] as const

const serverHello = [
  [0, SN.ServerNameAck],
  [1, S.MaxFragmentLength],
  [5, SR.StatusRequestAck],
  [11, S.EcPointFormats],
  [16, Alpn.Alpn],
  [22, S.EncryptThenMac],
  [23, S.ExtendedMasterSecret],
  [28, S.RecordSizeLimit],
  [35, S.SessionTicket],
  [41, V.PreSharedKeyServer],
  [43, V.SupportedVersionsServer],
  [51, V.KeyShareServer],
  [0xff01, S.RenegotiationInfo]
] as const

const helloRetryRequest = [
  [43, V.SupportedVersionsServer],
  [44, S.Cookie],
  [51, V.KeyShareRetry]
] as const

const encryptedExtensions = [
  [0, SN.ServerNameAck],
  [1, S.MaxFragmentLength],
  [10, G.SupportedGroups],
  [16, Alpn.Alpn],
  [28, S.RecordSizeLimit],
  [42, V.EarlyDataIndication]
] as const

const certificateEntry = [[5, SR.CertificateStatusBody]] as const

const certificateRequest = [
  // RFC 8446 §4.4.2.1: a server asks for the client's OCSP response with an EMPTY status_request
  [5, SR.StatusRequestAck],
  [13, G.SignatureAlgorithms],
  [27, G.CompressCertificate],
  [47, V.CertificateAuthorities],
  [50, G.SignatureAlgorithmsCert]
] as const

const newSessionTicket = [[42, V.EarlyDataTicket]] as const

/** ClientHello `extensions<0..2^16-1>` (RFC 5246's floor, so TLS 1.2 hellos decode). @since 0.1.0 @category codecs */
export const ClientHelloExtensions = list("extensions", clientHello)
/** ServerHello `extensions<0..2^16-1>`, TLS 1.2 and 1.3 forms. @since 0.1.0 @category codecs */
export const ServerHelloExtensions = list("extensions", serverHello)
/** HelloRetryRequest `extensions<2..2^16-1>`. @since 0.1.0 @category codecs */
export const HelloRetryRequestExtensions = list("extensions", helloRetryRequest, 2)
/** EncryptedExtensions `extensions<0..2^16-1>`. @since 0.1.0 @category codecs */
export const EncryptedExtensionsList = list("extensions", encryptedExtensions)
/** CertificateEntry `extensions<0..2^16-1>`. @since 0.1.0 @category codecs */
export const CertificateEntryExtensions = list("extensions", certificateEntry)
/** CertificateRequest (TLS 1.3) `extensions<2..2^16-1>`. @since 0.1.0 @category codecs */
export const CertificateRequestExtensions = list("extensions", certificateRequest, 2)
/** NewSessionTicket (TLS 1.3) `extensions<0..2^16-2>`. @since 0.1.0 @category codecs */
export const NewSessionTicketExtensions = list("extensions", newSessionTicket, 0, 0xfffe)

/** @since 0.1.0 @category models */
export type ClientHelloExtension = ExtensionsOf<typeof clientHello>[number]
/** @since 0.1.0 @category models */
export type ServerHelloExtension = ExtensionsOf<typeof serverHello>[number]
/** @since 0.1.0 @category models */
export type HelloRetryRequestExtension = ExtensionsOf<typeof helloRetryRequest>[number]
/** @since 0.1.0 @category models */
export type EncryptedExtension = ExtensionsOf<typeof encryptedExtensions>[number]
/** @since 0.1.0 @category models */
export type CertificateEntryExtension = ExtensionsOf<typeof certificateEntry>[number]
/** @since 0.1.0 @category models */
export type CertificateRequestExtension = ExtensionsOf<typeof certificateRequest>[number]
/** @since 0.1.0 @category models */
export type NewSessionTicketExtension = ExtensionsOf<typeof newSessionTicket>[number]

/** Every body codec per message, for tests that walk them all. @since 0.1.0 */
export const tables = {
  ClientHello: clientHello,
  ServerHello: serverHello,
  HelloRetryRequest: helloRetryRequest,
  EncryptedExtensions: encryptedExtensions,
  CertificateEntry: certificateEntry,
  CertificateRequest: certificateRequest,
  NewSessionTicket: newSessionTicket
} as const

/**
 * Finds an extension by tag in a decoded list, typed by the tag.
 *
 * @since 0.1.0
 */
export const find = <E extends { readonly _tag: string }, T extends E["_tag"]>(
  exts: ReadonlyArray<E> | undefined,
  tag: T
): Extract<E, { readonly _tag: T }> | undefined => exts?.find((e) => e._tag === tag) as Extract<E, { readonly _tag: T }> | undefined
