// The widget's WebAuthn calls. Kept in JavaScript so that `navigator.credentials` is called
// in the same task as the person's click (Safari drops the user gesture across async hops),
// and so the JSON <-> ArrayBuffer conversions cost no wasm. The server speaks the WebAuthn
// JSON forms (binary fields base64url); browsers with `parse*OptionsFromJSON` and
// `toJSON` use them, older ones the fallbacks below.

const enc = (buf) => {
  const bytes = new Uint8Array(buf);
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

const dec = (s) => {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out.buffer;
};

const PKC = () => globalThis.PublicKeyCredential;

/** Whether this browser has WebAuthn at all. */
export function supported() {
  return typeof PKC() === "function" && !!navigator.credentials;
}

/** Whether passkey autofill (conditional mediation) is available. */
export async function conditionalAvailable() {
  const P = PKC();
  if (typeof P !== "function" || typeof P.isConditionalMediationAvailable !== "function") {
    return false;
  }
  try {
    return !!(await P.isConditionalMediationAvailable());
  } catch (_) {
    return false;
  }
}

const withIds = (list) => (list || []).map((c) => ({ ...c, id: dec(c.id) }));

function requestOptions(pk) {
  const P = PKC();
  if (typeof P.parseRequestOptionsFromJSON === "function") return P.parseRequestOptionsFromJSON(pk);
  return { ...pk, challenge: dec(pk.challenge), allowCredentials: withIds(pk.allowCredentials) };
}

function creationOptions(pk) {
  const P = PKC();
  if (typeof P.parseCreationOptionsFromJSON === "function") return P.parseCreationOptionsFromJSON(pk);
  return {
    ...pk,
    challenge: dec(pk.challenge),
    user: { ...pk.user, id: dec(pk.user.id) },
    excludeCredentials: withIds(pk.excludeCredentials),
  };
}

function toJSON(cred) {
  if (typeof cred.toJSON === "function") return JSON.stringify(cred.toJSON());
  const r = cred.response;
  const response = { clientDataJSON: enc(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = enc(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  } else {
    response.authenticatorData = enc(r.authenticatorData);
    response.signature = enc(r.signature);
    if (r.userHandle) response.userHandle = enc(r.userHandle);
  }
  return JSON.stringify({
    id: cred.id,
    rawId: enc(cred.rawId),
    type: cred.type,
    response,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
  });
}

/** The relying party id the options name (`rp.id` or `rpId`), or "". */
export function rpId(optionsJson) {
  try {
    const pk = JSON.parse(optionsJson).publicKey || {};
    return (pk.rp && pk.rp.id) || pk.rpId || "";
  } catch (_) {
    return "";
  }
}

/**
 * `navigator.credentials.get` with the server's `{publicKey}` options; resolves to the
 * credential's JSON text. `conditional` asks for autofill; `signal` aborts.
 */
export function get(optionsJson, conditional, signal) {
  const pk = JSON.parse(optionsJson).publicKey;
  const request = { publicKey: requestOptions(pk), signal };
  if (conditional) request.mediation = "conditional";
  return navigator.credentials.get(request).then(toJSON);
}

/** `navigator.credentials.create` with the server's `{publicKey}` options. */
export function create(optionsJson, signal) {
  const pk = JSON.parse(optionsJson).publicKey;
  return navigator.credentials.create({ publicKey: creationOptions(pk), signal }).then(toJSON);
}
