/**
 * The randomized work a state machine asks its driver for — `Sign` answered by `Signed`,
 * `KeyAgreement` answered by `KeyAgreed` — as plain functions of the action, the
 * dependencies and the entropy the driver drew for it. The driver and the replayer share
 * them, so a replay recomputes the work exactly as the run did.
 *
 * @since 0.1.0
 */
import { NamedGroup, SignatureScheme } from "@effect-tls/codec"
import * as Redacted from "effect/Redacted"
import { encapsulateEntropyLength, signEntropyLength } from "../crypto/provider.js"
import { groupName, schemeName } from "../crypto/names.js"
import type { ActionOf } from "../machine/actions.js"
import type { EventOf } from "../machine/events.js"
import type { Deps } from "../machine/machine.js"

export { groupName, schemeName } from "../crypto/names.js"
/** Work the driver performs itself (the verifier is a service, see `ChainVerifier`). @since 0.1.0 @category models */
export type Work = ActionOf<"Sign"> | ActionOf<"KeyAgreement">

/** Why work could not be done: a programming or configuration error on our side. @since 0.1.0 @category errors */
export interface WorkFailure {
  readonly _tag: "WorkFailure"
  readonly detail: string
}

/**
 * How many bytes of entropy the driver draws for a piece of work: `signEntropyLength` for
 * a signature, `encapsulateEntropyLength(group)` for a key agreement (0 for a group we do
 * not implement, which fails in `perform`).
 *
 * @since 0.1.0
 */
export const entropyLength = (work: Work): number => {
  if (work._tag === "Sign") return signEntropyLength
  const group = groupName(work.group)
  return group === undefined ? 0 : encapsulateEntropyLength(group)
}

/**
 * Performs a piece of work with the side's crypto provider and the entropy drawn for it.
 * A key agreement on an invalid peer share is `KeyAgreed { ok: false }` (the machine
 * answers `illegal_parameter`); a key of the wrong type, an unknown credential or group is
 * a `WorkFailure`.
 *
 * @since 0.1.0
 */
export const perform = (
  deps: Deps,
  work: Work,
  entropy: Uint8Array
): EventOf<"Signed"> | EventOf<"KeyAgreed"> | WorkFailure => {
  try {
    if (work._tag === "Sign") {
      const algorithm = schemeName(work.scheme)
      if (algorithm === undefined) return failure(`no signature scheme ${SignatureScheme.nameOf(work.scheme)}`)
      const credential = deps.config.certificates[work.credential]
      if (credential === undefined) return failure(`no credential #${work.credential}`)
      const signature = deps.crypto.sign(algorithm, credential.key, work.data, entropy)
      return { _tag: "Signed", signature }
    }
    const group = groupName(work.group)
    if (group === undefined) return failure(`no key-exchange group ${NamedGroup.nameOf(work.group)}`)
    const result = deps.crypto.encapsulate(group, work.peerPublic, entropy)
    return result === undefined
      ? { _tag: "KeyAgreed", ok: false, publicKey: new Uint8Array(0), sharedSecret: Redacted.make(new Uint8Array(0)) }
      : { _tag: "KeyAgreed", ok: true, publicKey: result.publicKey, sharedSecret: Redacted.make(result.sharedSecret, { label: "shared_secret" }) }
  } catch (e) {
    return failure(`${work._tag}: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const failure = (detail: string): WorkFailure => ({ _tag: "WorkFailure", detail })

/**
 * Whether the provider honours the entropy we give it for this work; when it does not
 * (`drawsOwnRandomness`), a replay must reuse the recorded result instead of recomputing.
 *
 * @since 0.1.0
 */
export const isReproducible = (deps: Deps, work: Work): boolean =>
  !deps.crypto.drawsOwnRandomness.has(work._tag === "Sign" ? "sign" : "encapsulate")
